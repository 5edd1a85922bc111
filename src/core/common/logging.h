// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QLoggingCategory>
#include <QString>

#include <optional>

// One logging category per module of the core library. Other libraries declare their own
// (swarmshare.tracker, swarmshare.gui, swarmshare.app) next to their code.
Q_DECLARE_LOGGING_CATEGORY(lcConfig)
Q_DECLARE_LOGGING_CATEGORY(lcBencode)
Q_DECLARE_LOGGING_CATEGORY(lcTorrent)
Q_DECLARE_LOGGING_CATEGORY(lcStorage)
Q_DECLARE_LOGGING_CATEGORY(lcPicker)
Q_DECLARE_LOGGING_CATEGORY(lcPeer)
Q_DECLARE_LOGGING_CATEGORY(lcTrackerClient)
Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace swarmshare::logging {

// A log file that rotates by size: `name.log` is written; when the next line would push it past
// maxBytes it becomes `name.log.1`, the previous `.1` becomes `.2`, and so on; at most
// `generations` old files are kept. Not thread-safe by itself (the Logger serialises writes).
class RotatingFile {
    Q_DECLARE_TR_FUNCTIONS(RotatingFile)

public:
    RotatingFile(QString path, qint64 maxBytes, int generations);

    Result<void> open();
    Result<void> write(QByteArrayView line);
    QString path() const { return m_path; }

private:
    Result<void> rotate();

    QString m_path;
    qint64 m_maxBytes;
    int m_generations;
    QFile m_file;
};

enum class Level { Debug, Info, Warning, Critical };

std::optional<Level> levelFromName(QStringView name);
QString levelName(Level level);

struct Options {
    QString directory; // where <role>.log lives; empty = no log file
    QString role;      // "gui", "tracker-main", ...
    bool toStderr = true;
    Level level = Level::Info;
    qint64 maxFileBytes = 4 * 1024 * 1024;
    int generations = 5;
    // How many of the latest lines are also kept in memory for the app's log view (0: none).
    int memoryRecords = 0;
};

// One line of the log as kept in memory. `seq` counts every line since the process started.
struct Record {
    quint64 seq = 0;
    QDateTime time; // UTC
    QtMsgType type = QtDebugMsg;
    QByteArray category;
    QString message;
};

// Installs the process-wide Qt message handler: every qDebug/qInfo/qWarning/qCritical (Swarmshare's
// categories and Qt's own) goes to stderr and/or the rotating log file, one line each:
//   2026-11-21T12:00:00.123Z W swarmshare.peer: message
// Safe to call again (e.g. after the config is loaded); returns an error when the log file cannot
// be opened, in which case stderr logging still works.
Result<void> install(const Options& options);
// Restores Qt's default handler and closes the file (tests, shutdown).
void uninstall();
// Formats one line the way the handler writes it (no trailing newline).
QByteArray formatLine(const Record& record);
// The lines kept in memory (Options::memoryRecords) whose seq is above `afterSeq`, oldest first.
// Cheap when there are none: a reader may poll it. Thread-safe, as the handler is.
QList<Record> recentRecords(quint64 afterSeq);

} // namespace swarmshare::logging

// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/logging.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QMutex>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <memory>

Q_LOGGING_CATEGORY(lcConfig, "swarmshare.config")
Q_LOGGING_CATEGORY(lcBencode, "swarmshare.bencode")
Q_LOGGING_CATEGORY(lcTorrent, "swarmshare.torrent")
Q_LOGGING_CATEGORY(lcStorage, "swarmshare.storage")
Q_LOGGING_CATEGORY(lcPicker, "swarmshare.picker")
Q_LOGGING_CATEGORY(lcPeer, "swarmshare.peer")
Q_LOGGING_CATEGORY(lcTrackerClient, "swarmshare.trackerclient")
Q_LOGGING_CATEGORY(lcSession, "swarmshare.session")

namespace swarmshare::logging {

namespace {

struct Sink {
    QMutex mutex;
    bool toStderr = true;
    std::unique_ptr<RotatingFile> file;
    bool fileFailed = false;
    std::deque<Record> memory; // the latest lines, at most memoryCapacity
    size_t memoryCapacity = 0;
    quint64 seq = 0;
};

Sink& sink()
{
    static Sink instance;
    return instance;
}

thread_local bool insideHandler = false;

void handler(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    // A warning raised while writing (QFile, say) must not recurse into the handler.
    if (insideHandler)
        return;
    insideHandler = true;
    Record record;
    record.time = QDateTime::currentDateTimeUtc();
    record.type = type;
    record.category = context.category ? context.category : "default";
    record.message = message;
    QByteArray line = formatLine(record);
    line.append('\n');
    Sink& s = sink();
    {
        QMutexLocker lock(&s.mutex);
        record.seq = ++s.seq;
        if (s.toStderr) {
            std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
            std::fflush(stderr);
        }
        if (s.file && !s.fileFailed) {
            const Result<void> written = s.file->write(line);
            if (!written) {
                // Report once, on stderr, and stop trying: a full disk must not spam the log.
                s.fileFailed = true;
                const QByteArray why = written.error().message.toLocal8Bit();
                std::fprintf(stderr, "swarmshare: %s\n", why.constData());
            }
        }
        if (s.memoryCapacity > 0) {
            if (s.memory.size() >= s.memoryCapacity)
                s.memory.pop_front();
            s.memory.push_back(std::move(record));
        }
    }
    insideHandler = false;
}

char levelLetter(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return 'D';
    case QtInfoMsg:
        return 'I';
    case QtWarningMsg:
        return 'W';
    case QtCriticalMsg:
        return 'E';
    case QtFatalMsg:
        return 'F';
    }
    return '?';
}

QString filterRules(Level level)
{
    // Swarmshare's categories follow the level; Qt's own stay at their defaults (debug off).
    switch (level) {
    case Level::Debug:
        return QStringLiteral("swarmshare.*.debug=true");
    case Level::Info:
        return QStringLiteral("*.debug=false");
    case Level::Warning:
        return QStringLiteral("*.debug=false\n*.info=false");
    case Level::Critical:
        return QStringLiteral("*.debug=false\n*.info=false\n*.warning=false");
    }
    return {};
}

} // namespace

RotatingFile::RotatingFile(QString path, qint64 maxBytes, int generations)
    : m_path(std::move(path))
    , m_maxBytes(qMax<qint64>(maxBytes, 1024))
    , m_generations(qMax(generations, 0))
    , m_file(m_path)
{}

Result<void> RotatingFile::open()
{
    if (!QDir().mkpath(QFileInfo(m_path).absolutePath()))
        return makeError(tr("cannot create the log folder for %1").arg(m_path));
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text))
        return makeError(tr("cannot open the log file %1: %2").arg(m_path, m_file.errorString()));
    return {};
}

Result<void> RotatingFile::write(QByteArrayView line)
{
    if (!m_file.isOpen()) {
        if (Result<void> opened = open(); !opened)
            return opened;
    }
    if (m_file.size() > 0 && m_file.size() + line.size() > m_maxBytes) {
        if (Result<void> rotated = rotate(); !rotated)
            return rotated;
    }
    if (m_file.write(line.data(), line.size()) != line.size() || !m_file.flush())
        return makeError(tr("cannot write the log file %1: %2").arg(m_path, m_file.errorString()));
    return {};
}

Result<void> RotatingFile::rotate()
{
    m_file.close();
    const auto generation = [this](int n) {
        return m_path + QLatin1Char('.') + QString::number(n);
    };
    if (m_generations == 0) {
        QFile::remove(m_path);
    } else {
        QFile::remove(generation(m_generations));
        for (int n = m_generations - 1; n >= 1; --n) {
            if (QFile::exists(generation(n)))
                QFile::rename(generation(n), generation(n + 1));
        }
        if (!QFile::rename(m_path, generation(1)))
            return makeError(tr("cannot rotate the log file %1").arg(m_path));
    }
    return open();
}

std::optional<Level> levelFromName(QStringView name)
{
    if (name == u"debug")
        return Level::Debug;
    if (name == u"info")
        return Level::Info;
    if (name == u"warning")
        return Level::Warning;
    if (name == u"critical")
        return Level::Critical;
    return std::nullopt;
}

QString levelName(Level level)
{
    switch (level) {
    case Level::Debug:
        return QStringLiteral("debug");
    case Level::Info:
        return QStringLiteral("info");
    case Level::Warning:
        return QStringLiteral("warning");
    case Level::Critical:
        return QStringLiteral("critical");
    }
    return {};
}

QByteArray formatLine(const Record& record)
{
    QByteArray line = record.time.toString(Qt::ISODateWithMs).toLatin1();
    line += ' ';
    line += levelLetter(record.type);
    line += ' ';
    line += record.category;
    line += ": ";
    line += record.message.toUtf8();
    return line;
}

QList<Record> recentRecords(quint64 afterSeq)
{
    Sink& s = sink();
    QMutexLocker lock(&s.mutex);
    QList<Record> records;
    if (s.memory.empty() || s.memory.back().seq <= afterSeq)
        return records;
    // Records are in seq order: skip the ones already seen from the front.
    auto first = std::partition_point(s.memory.begin(), s.memory.end(),
                                      [afterSeq](const Record& r) { return r.seq <= afterSeq; });
    records.reserve(qsizetype(std::distance(first, s.memory.end())));
    for (auto it = first; it != s.memory.end(); ++it)
        records.append(*it);
    return records;
}

Result<void> install(const Options& options)
{
    Sink& s = sink();
    Result<void> result;
    {
        QMutexLocker lock(&s.mutex);
        s.toStderr = options.toStderr;
        s.fileFailed = false;
        s.memoryCapacity = size_t(qMax(options.memoryRecords, 0));
        while (s.memory.size() > s.memoryCapacity)
            s.memory.pop_front();
        s.file.reset();
        if (!options.directory.isEmpty()) {
            const QString path =
                QDir(options.directory).filePath(options.role + QStringLiteral(".log"));
            auto file =
                std::make_unique<RotatingFile>(path, options.maxFileBytes, options.generations);
            result = file->open();
            if (result)
                s.file = std::move(file);
        }
    }
    QLoggingCategory::setFilterRules(filterRules(options.level));
    qInstallMessageHandler(handler);
    return result;
}

void uninstall()
{
    qInstallMessageHandler(nullptr);
    Sink& s = sink();
    QMutexLocker lock(&s.mutex);
    s.file.reset();
    s.toStderr = true;
    s.memory.clear();
    s.memoryCapacity = 0;
}

} // namespace swarmshare::logging

// SPDX-License-Identifier: GPL-3.0-or-later
// A real `swarmshare --tracker` process for integration tests: its own HOME, config and
// SQLite database in a folder the test owns, an ephemeral port read from its stdout, stopped
// by PID (SIGTERM) or killed (SIGKILL) on cleanup.
#pragma once

#include "support/process.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QUrl>

#include <csignal>
#include <sys/prctl.h>
#include <sys/types.h>

namespace swarmshare::test {

class TrackerProcess {
public:
    struct Settings {
        int heartbeatInterval = 1; // seconds; peers silent for three of them are dropped
        int leaseTtl = 2;
        int requestsPerSecondPerAddress = 0; // 0: no limit
        quint16 port = 0;                    // 0: any free port
        // More "trackerServer" keys (trustedProxies, announcePasskeys, ...).
        QJsonObject extra;
        // More command-line arguments (--role backup --primary URL --secret-file F, ...).
        QStringList arguments;
    };

    // `folder` holds home/, config.json and tracker.db; it outlives restarts.
    explicit TrackerProcess(QString folder)
        : m_folder(std::move(folder))
    {}

    ~TrackerProcess() { kill(); }

    TrackerProcess(const TrackerProcess&) = delete;
    TrackerProcess& operator=(const TrackerProcess&) = delete;

    // Starts the tracker and waits (bounded) for its "listening on" line. Returns "" or what
    // went wrong, with the tracker's stderr.
    QString start(const Settings& settings)
    {
        QDir().mkpath(m_folder + QStringLiteral("/home"));
        const QString config = m_folder + QStringLiteral("/config.json");
        const QJsonObject server{
            {QStringLiteral("heartbeatInterval"), settings.heartbeatInterval},
            {QStringLiteral("leaseTtl"), settings.leaseTtl},
            {QStringLiteral("requestsPerSecondPerAddress"), settings.requestsPerSecondPerAddress}};
        QJsonObject serverWithExtras = server;
        for (auto it = settings.extra.begin(); it != settings.extra.end(); ++it)
            serverWithExtras.insert(it.key(), it.value());
        QFile file(config);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return QStringLiteral("cannot write ") + config;
        file.write(QJsonDocument(
                       QJsonObject{{QStringLiteral("dataDir"), m_folder + QStringLiteral("/data")},
                                   {QStringLiteral("trackerServer"), serverWithExtras}})
                       .toJson());
        file.close();

        const QString home = m_folder + QStringLiteral("/home");
        m_process.setProcessEnvironment(isolatedEnvironment(home));
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        // Even a test that crashes takes its tracker with it.
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        m_process.start(
            QStringLiteral(SWARMSHARE_BIN),
            QStringList{QStringLiteral("--config"), config, QStringLiteral("--tracker"),
                        QStringLiteral("--listen"),
                        QStringLiteral("127.0.0.1:%1").arg(settings.port), QStringLiteral("--db"),
                        QStringLiteral("sqlite:") + m_folder + QStringLiteral("/tracker.db")} +
                settings.arguments);
        if (!m_process.waitForStarted(10000))
            return QStringLiteral("cannot start ") + QStringLiteral(SWARMSHARE_BIN);
        return waitForPort();
    }

    // SIGTERM, then waits for a clean exit. Returns false when it did not exit with status 0.
    bool stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return false;
        ::kill(pid_t(m_process.processId()), SIGTERM);
        return m_process.waitForFinished(15000) && m_process.exitStatus() == QProcess::NormalExit &&
               m_process.exitCode() == 0;
    }

    // SIGKILL by PID (cleanup, or a crash test).
    void kill()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        ::kill(pid_t(m_process.processId()), SIGKILL);
        m_process.waitForFinished(10000);
    }

    bool isRunning() const { return m_process.state() == QProcess::Running; }
    quint16 port() const { return m_port; }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)); }
    QByteArray errorOutput() { return m_stderr += m_process.readAllStandardError(); }

private:
    QString waitForPort()
    {
        static const QRegularExpression listening(
            QStringLiteral("swarmshare tracker \\w+ listening on [^\\s]+:(\\d+)"));
        QByteArray out;
        for (int waited = 0; waited < 15000; waited += 100) {
            m_process.waitForReadyRead(100);
            out += m_process.readAllStandardOutput();
            const QRegularExpressionMatch match = listening.match(QString::fromUtf8(out));
            if (match.hasMatch()) {
                m_port = quint16(match.captured(1).toUInt());
                return {};
            }
            if (m_process.state() == QProcess::NotRunning)
                break;
        }
        return QStringLiteral("the tracker did not start: ") + QString::fromUtf8(out) +
               QString::fromUtf8(errorOutput());
    }

    QString m_folder;
    QProcess m_process;
    quint16 m_port = 0;
    QByteArray m_stderr;
};

} // namespace swarmshare::test

// SPDX-License-Identifier: GPL-3.0-or-later
// A real `swarmshare seed` or `swarmshare get` process for swarm tests: its own HOME (so its
// resume data and logs are its own), the listening port read from its stderr, stopped by PID
// with SIGINT (a clean stop) or SIGKILL, never left running.
#pragma once

#include "support/process.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>

#include <csignal>
#include <sys/prctl.h>
#include <sys/types.h>

namespace swarmshare::test {

class PeerProcess {
public:
    // `home` keeps the peer's resume data across restarts of the same peer.
    explicit PeerProcess(QString home)
        : m_home(std::move(home))
    {}
    ~PeerProcess() { kill(); }

    PeerProcess(const PeerProcess&) = delete;
    PeerProcess& operator=(const PeerProcess&) = delete;

    // Starts `swarmshare ARGS...` and waits (bounded) for its "listening for peers" line.
    // Returns "" or what went wrong.
    QString start(const QStringList& args)
    {
        m_stdout.clear();
        m_stderr.clear();
        m_port = 0;
        QDir().mkpath(m_home);
        m_process.setProcessEnvironment(isolatedEnvironment(m_home));
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        m_process.start(QStringLiteral(SWARMSHARE_BIN), args);
        if (!m_process.waitForStarted(10000))
            return QStringLiteral("cannot start ") + QStringLiteral(SWARMSHARE_BIN);
        static const QRegularExpression listening(
            QStringLiteral("listening for peers on port (\\d+)"));
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 15000) {
            m_process.waitForReadyRead(50);
            collect();
            const QRegularExpressionMatch match = listening.match(QString::fromUtf8(m_stderr));
            if (match.hasMatch()) {
                m_port = quint16(match.captured(1).toUInt());
                return {};
            }
            if (m_process.state() == QProcess::NotRunning)
                break;
        }
        return QStringLiteral("the peer did not start listening: ") + QString::fromUtf8(m_stderr);
    }

    // Waits (bounded) for the process to exit by itself; false when it is still running.
    bool waitForExit(int timeoutMs)
    {
        QElapsedTimer clock;
        clock.start();
        while (m_process.state() != QProcess::NotRunning && clock.elapsed() < timeoutMs) {
            m_process.waitForFinished(100);
            collect();
        }
        collect();
        return m_process.state() == QProcess::NotRunning;
    }

    // Waits (bounded) until stderr (where the log goes) contains `text`.
    bool waitForLog(const QByteArray& text, int timeoutMs)
    {
        QElapsedTimer clock;
        clock.start();
        while (!m_stderr.contains(text) && isRunning() && clock.elapsed() < timeoutMs) {
            m_process.waitForReadyRead(100);
            collect();
        }
        return m_stderr.contains(text);
    }

    // SIGINT (what Ctrl+C sends), then waits for the clean exit.
    bool interrupt()
    {
        if (m_process.state() == QProcess::NotRunning)
            return true;
        ::kill(pid_t(m_process.processId()), SIGINT);
        return waitForExit(15000);
    }

    void kill()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        ::kill(pid_t(m_process.processId()), SIGKILL);
        m_process.waitForFinished(10000);
        collect();
    }

    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    int exitCode() const { return m_process.exitCode(); }
    bool crashed() const { return m_process.exitStatus() == QProcess::CrashExit; }
    quint16 port() const { return m_port; }
    QString endpoint() const { return QStringLiteral("127.0.0.1:%1").arg(m_port); }
    const QByteArray& standardError() const { return m_stderr; }
    const QByteArray& standardOutput() const { return m_stdout; }
    // The --json summary: the last line of stdout.
    QJsonObject summary() const
    {
        const QList<QByteArray> lines = m_stdout.trimmed().split('\n');
        return QJsonDocument::fromJson(lines.constLast()).object();
    }

private:
    void collect()
    {
        m_stdout += m_process.readAllStandardOutput();
        m_stderr += m_process.readAllStandardError();
    }

    QString m_home;
    QProcess m_process;
    QByteArray m_stdout;
    QByteArray m_stderr;
    quint16 m_port = 0;
};

} // namespace swarmshare::test

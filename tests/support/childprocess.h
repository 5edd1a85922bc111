// SPDX-License-Identifier: GPL-3.0-or-later
// Child processes of a test (swarmshare, python3 scripts, aria2c...) that never outlive it:
// killed by PID (SIGKILL) when they go out of scope, and by the kernel when the test dies.
#pragma once

#include <QElapsedTimer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>

#include <csignal>
#include <sys/prctl.h>
#include <sys/types.h>

namespace swarmshare::test {

class ChildProcess {
public:
    ChildProcess() = default;
    ~ChildProcess() { kill(); }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    bool start(const QString& program, const QStringList& args,
               const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment())
    {
        m_process.setProcessEnvironment(env);
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        m_process.start(program, args);
        return m_process.waitForStarted(10000);
    }

    // Waits (bounded) for `pattern` in everything the child wrote on stdout or stderr so far;
    // returns the first capture, or "" when the child exited or the time ran out.
    QString waitFor(const QRegularExpression& pattern, QProcess::ProcessChannel channel,
                    int timeoutMs)
    {
        QElapsedTimer timer;
        timer.start();
        for (;;) {
            drain();
            const QByteArray& text = channel == QProcess::StandardOutput ? m_out : m_err;
            const QRegularExpressionMatch match = pattern.match(QString::fromUtf8(text));
            if (match.hasMatch())
                return match.captured(1);
            if (m_process.state() == QProcess::NotRunning || timer.elapsed() > timeoutMs)
                return {};
            m_process.waitForReadyRead(100);
        }
    }

    // SIGTERM (or closing stdin, for the libtorrent script) and a bounded wait; SIGKILL after
    // that. True when the child exited by itself with status 0.
    bool stop(bool closeStdin = false)
    {
        if (m_process.state() == QProcess::NotRunning)
            return false;
        if (closeStdin)
            m_process.closeWriteChannel();
        else
            ::kill(pid_t(m_process.processId()), SIGTERM);
        const bool exited = m_process.waitForFinished(15000);
        if (!exited)
            kill();
        drain();
        return exited && m_process.exitStatus() == QProcess::NormalExit &&
               m_process.exitCode() == 0;
    }

    static constexpr int kTimedOut = -2;

    // Waits (bounded) for the child to exit: its exit status, -1 for a crash, kTimedOut (and
    // killed) when it ran out of time.
    int waitForExit(int timeoutMs)
    {
        QElapsedTimer timer;
        timer.start();
        while (m_process.state() != QProcess::NotRunning) {
            if (timer.elapsed() > timeoutMs) {
                kill();
                drain();
                return kTimedOut;
            }
            m_process.waitForFinished(200);
            drain(); // keeps the pipes flowing
        }
        drain();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }

    // Sends `number` (SIGINT: what Ctrl+C sends) and waits (bounded) for the exit: its status as
    // waitForExit() gives it.
    int interrupt(int number = SIGINT)
    {
        if (m_process.state() == QProcess::NotRunning)
            return -1;
        ::kill(pid_t(m_process.processId()), number);
        return waitForExit(15000);
    }

    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }

    void kill()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        ::kill(pid_t(m_process.processId()), SIGKILL);
        m_process.waitForFinished(5000);
    }

    QByteArray out()
    {
        drain();
        return m_out;
    }
    QByteArray err()
    {
        drain();
        return m_err;
    }

protected:
    void drain()
    {
        m_out += m_process.readAllStandardOutput();
        m_err += m_process.readAllStandardError();
    }

    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
};

// Runs a program to completion, bounded by timeoutMs (killed by PID after that). Returns its
// exit status, or -1 when it could not start, crashed or ran out of time.
inline int runChild(const QString& program, const QStringList& args, QByteArray* out,
                    QByteArray* err, int timeoutMs,
                    const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment())
{
    ChildProcess child;
    if (!child.start(program, args, env)) {
        *err = "cannot start " + program.toUtf8();
        return -1;
    }
    const int status = child.waitForExit(timeoutMs);
    *out = child.out();
    *err = child.err();
    if (status == ChildProcess::kTimedOut)
        *err += "\n(killed after the time limit)";
    return status;
}

} // namespace swarmshare::test

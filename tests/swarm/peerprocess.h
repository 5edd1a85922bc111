// SPDX-License-Identifier: GPL-3.0-or-later
// A real `swarmshare seed` or `swarmshare get` process for swarm tests: its own HOME (so its
// resume data and logs are its own), the listening port read from its stderr, stopped by PID
// with SIGINT (a clean stop) or SIGKILL, never left running.
#pragma once

#include "support/childprocess.h"
#include "support/process.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace swarmshare::test {

class PeerProcess : public ChildProcess {
public:
    // `home` keeps the peer's resume data across restarts of the same peer.
    explicit PeerProcess(QString home)
        : m_home(std::move(home))
    {}

    // Starts `swarmshare ARGS...` and waits (bounded) for its "listening for peers" line.
    // Returns "" or what went wrong.
    QString start(const QStringList& args)
    {
        if (!ChildProcess::start(QStringLiteral(SWARMSHARE_BIN), args, isolatedEnvironment(m_home)))
            return QStringLiteral("cannot start ") + QStringLiteral(SWARMSHARE_BIN);
        static const QRegularExpression listening(
            QStringLiteral("listening for peers on port (\\d+)"));
        m_port = quint16(waitFor(listening, QProcess::StandardError, 15000).toUInt());
        return m_port ? QString()
                      : QStringLiteral("the peer did not start listening: ") +
                            QString::fromUtf8(err());
    }

    // Waits (bounded) until the log (on stderr) contains `text`.
    bool waitForLog(const QString& text, int timeoutMs)
    {
        const QRegularExpression pattern(
            QStringLiteral("(%1)").arg(QRegularExpression::escape(text)));
        return !waitFor(pattern, QProcess::StandardError, timeoutMs).isEmpty();
    }

    quint16 port() const { return m_port; }
    QString endpoint() const { return QStringLiteral("127.0.0.1:%1").arg(m_port); }
    // The --json summary: the last line of stdout.
    QJsonObject summary()
    {
        const QByteArray text = out().trimmed();
        return QJsonDocument::fromJson(text.mid(text.lastIndexOf('\n') + 1)).object();
    }
    // What to show when a check fails: the summary and the end of the log.
    QString describe()
    {
        return QString::fromUtf8(out() + "\n--- stderr ---\n" + err().right(6000));
    }

private:
    QString m_home;
    quint16 m_port = 0;
};

} // namespace swarmshare::test

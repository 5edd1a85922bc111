// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"
#include "session/sessiontypes.h"

#include <QObject>
#include <QThread>

#include <functional>
#include <memory>
#include <optional>

namespace swarmshare::session {

class Session;

// Runs a Session in a thread of its own (DESIGN.md section 2) and is its thread-safe front for
// the GUI and the CLI: every call posts to the session thread and returns at once; the session's
// signals arrive in the host's thread. Only start() waits, for the listening socket.
class SessionHost : public QObject {
    Q_OBJECT

public:
    explicit SessionHost(SessionOptions options, QObject* parent = nullptr);
    // Deletes the session in its thread, then stops the thread. Call shutdown() first and wait
    // for shutdownFinished() for a clean stop (announces, resume data).
    ~SessionHost() override;

    // Starts the thread and the session; the listening port, or why it could not listen.
    Result<quint16> start();
    quint16 listenPort() const { return m_listenPort; }
    QByteArray peerId() const { return m_peerId; }

    // `done` is called in the host's thread with the info-hash or the error.
    void addTorrent(AddTorrentParams params,
                    std::function<void(const Result<QByteArray>&)> done = nullptr);
    void removeTorrent(const QByteArray& infoHash, bool deleteData);
    void pauseTorrent(const QByteArray& infoHash);
    void resumeTorrent(const QByteArray& infoHash);
    void setFilePriorities(const QByteArray& infoHash, const QList<picker::Priority>& priorities);
    void setRateLimits(qint64 downloadBytesPerSecond, qint64 uploadBytesPerSecond);
    // Session::setSnapshotDetail().
    void setSnapshotDetail(const std::optional<QByteArray>& infoHash);
    void setTrackerAccount(const QList<QUrl>& urls, const QString& username,
                           const QByteArray& token);
    void shutdown();

    // The last snapshot received (empty before the first).
    const SessionSnapshot& lastSnapshot() const { return m_lastSnapshot; }

Q_SIGNALS:
    void snapshotReady(const swarmshare::session::SessionSnapshot& snapshot);
    void torrentFinished(const QByteArray& infoHash);
    void torrentError(const QByteArray& infoHash, const QString& message);
    void trackerError(const QString& message, bool fatal);
    void shutdownFinished();

private:
    template<typename Call>
    void post(Call&& call);

    QThread m_thread;
    Session* m_session = nullptr; // lives in m_thread
    quint16 m_listenPort = 0;
    QByteArray m_peerId;
    SessionSnapshot m_lastSnapshot;
};

} // namespace swarmshare::session

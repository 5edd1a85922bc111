// SPDX-License-Identifier: GPL-3.0-or-later
#include "session/sessionhost.h"

#include "session/session.h"

#include <QPointer>

namespace swarmshare::session {

SessionHost::SessionHost(SessionOptions options, QObject* parent)
    : QObject(parent)
    , m_session(new Session(std::move(options)))
{
    m_thread.setObjectName(QStringLiteral("swarmshare-session"));
    m_peerId = m_session->peerId();
    m_session->moveToThread(&m_thread);
    connect(m_session, &Session::snapshotReady, this, [this](const SessionSnapshot& snapshot) {
        m_lastSnapshot = snapshot;
        Q_EMIT snapshotReady(snapshot);
    });
    connect(m_session, &Session::torrentFinished, this, &SessionHost::torrentFinished);
    connect(m_session, &Session::torrentError, this, &SessionHost::torrentError);
    connect(m_session, &Session::trackerError, this, &SessionHost::trackerError);
    connect(m_session, &Session::shutdownFinished, this, &SessionHost::shutdownFinished);
}

SessionHost::~SessionHost()
{
    if (m_thread.isRunning()) {
        Session* session = m_session;
        QMetaObject::invokeMethod(
            session, [session] { delete session; }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    } else {
        delete m_session;
    }
}

template<typename Call>
void SessionHost::post(Call&& call)
{
    QMetaObject::invokeMethod(
        m_session, [session = m_session, call = std::forward<Call>(call)] { call(*session); },
        Qt::QueuedConnection);
}

Result<quint16> SessionHost::start()
{
    m_thread.start();
    Result<quint16> result = quint16(0);
    Session* session = m_session;
    QMetaObject::invokeMethod(
        session,
        [session, &result] {
            if (session->start())
                result = session->listenPort();
            else
                result = makeError(session->errorString());
        },
        Qt::BlockingQueuedConnection);
    if (result)
        m_listenPort = *result;
    return result;
}

void SessionHost::addTorrent(AddTorrentParams params,
                             std::function<void(const Result<QByteArray>&)> done)
{
    QPointer<SessionHost> self(this);
    post([self, params = std::move(params), done = std::move(done)](Session& session) {
        Result<QByteArray> result = session.addTorrent(params);
        if (!done || !self)
            return;
        QMetaObject::invokeMethod(
            self, [done, result] { done(result); }, Qt::QueuedConnection);
    });
}

void SessionHost::removeTorrent(const QByteArray& infoHash, bool deleteData)
{
    post([=](Session& session) { session.removeTorrent(infoHash, deleteData); });
}

void SessionHost::pauseTorrent(const QByteArray& infoHash)
{
    post([=](Session& session) { session.pauseTorrent(infoHash); });
}

void SessionHost::resumeTorrent(const QByteArray& infoHash)
{
    post([=](Session& session) { session.resumeTorrent(infoHash); });
}

void SessionHost::setFilePriorities(const QByteArray& infoHash,
                                    const QList<picker::Priority>& priorities)
{
    post([=](Session& session) { session.setFilePriorities(infoHash, priorities); });
}

void SessionHost::setRateLimits(qint64 downloadBytesPerSecond, qint64 uploadBytesPerSecond)
{
    post([=](Session& session) {
        session.setRateLimits(downloadBytesPerSecond, uploadBytesPerSecond);
    });
}

void SessionHost::setSnapshotDetail(const std::optional<QByteArray>& infoHash)
{
    post([=](Session& session) { session.setSnapshotDetail(infoHash); });
}

void SessionHost::setTrackerAccount(const QList<QUrl>& urls, const QString& username,
                                    const QByteArray& token)
{
    post([=](Session& session) { session.setTrackerAccount(urls, username, token); });
}

void SessionHost::shutdown()
{
    post([](Session& session) { session.shutdown(); });
}

} // namespace swarmshare::session

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker_client/trackerclient.h"

#include "common/logging.h"
#include "config/config.h"

#include <QThread>

namespace swarmshare::trackerclient {

namespace {

Result<void> decodeNothing(const QByteArray&)
{
    return {};
}

Result<QByteArray> decodeBytes(const QByteArray& body)
{
    return body;
}

} // namespace

TrackerClient::Options TrackerClient::Options::fromConfig(const Config& config)
{
    Options options;
    for (const QString& url : config.tracker.urls)
        options.urls << QUrl(url);
    options.requestTimeoutMs = config.tracker.requestTimeoutMs;
    return options;
}

TrackerClient::TrackerClient(Options options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_endpoints(m_options.urls, m_options.returnToFirstUrlAfterMs)
    , m_exchange{m_options.requestTimeoutMs, m_options.retry}
{
    m_clock.start();
    m_lastUrl = m_endpoints.url(0);
    m_heartbeatTimer.setTimerType(Qt::CoarseTimer);
    connect(&m_heartbeatTimer, &QTimer::timeout, this, &TrackerClient::autoHeartbeatDue);
}

TrackerClient::~TrackerClient()
{
    // Exchanges hold references to members that die before QObject deletes children.
    qDeleteAll(findChildren<Exchange*>(QString(), Qt::FindDirectChildrenOnly));
}

QUrl TrackerClient::currentUrl() const
{
    return m_endpoints.url(m_endpoints.startIndex(m_clock.elapsed()));
}

void TrackerClient::checkThread() const
{
    Q_ASSERT_X(QThread::currentThread() == thread(), "TrackerClient",
               "used from a thread that does not own it");
}

template<typename T>
void TrackerClient::call(HttpRequest request, Decoder<T> decode, Callback<T> done,
                         const QByteArray& peerId)
{
    checkThread();
    // A failed login is an answer for the login form, not a reason to ask for a login.
    const bool needsAccount = !request.path.startsWith(QLatin1String("/auth/"));
    auto* exchange = new Exchange(
        m_network, m_endpoints, m_clock, m_exchange, std::move(request),
        [this, decode = std::move(decode), done = std::move(done), peerId,
         needsAccount](const HttpOutcome& outcome) {
            noteUrl();
            Result<T> result = outcome.failure ? Result<T>(*outcome.failure)
                               : outcome.status >= 200 && outcome.status < 300
                                   ? decode(outcome.body)
                                   : Result<T>(decodeError(outcome.status, outcome.body));
            if (!result && needsAccount)
                noteError(result.error(), peerId);
            if (done)
                done(Reply<T>(std::move(result), outcome.status));
        },
        this);
    exchange->start();
}

void TrackerClient::noteUrl()
{
    if (const QUrl url = currentUrl(); url != m_lastUrl) {
        m_lastUrl = url;
        qCInfo(lcTrackerClient).noquote() << "using the tracker at" << url.toDisplayString();
        Q_EMIT currentUrlChanged(url);
    }
}

HttpRequest TrackerClient::post(const QString& path, QByteArray body) const
{
    return {"POST", path, {}, std::move(body), m_token, kMaxJsonBytes};
}

void TrackerClient::noteError(const Error& error, const QByteArray& peerId)
{
    if (error.code == u"unauthenticated")
        Q_EMIT authenticationRequired(error);
    if (error.code == u"unknown_peer" && m_registration && peerId == m_registration->peerId)
        reregister();
}

void TrackerClient::registerAccount(const QString& username, const QString& password,
                                    Callback<QString> done)
{
    HttpRequest request =
        post(QStringLiteral("/auth/register"), encodeCredentials(username, password));
    request.token.clear();
    call<QString>(std::move(request), decodeAccount, std::move(done));
}

void TrackerClient::login(const QString& username, const QString& password, Callback<Session> done)
{
    HttpRequest request =
        post(QStringLiteral("/auth/login"), encodeCredentials(username, password));
    request.token.clear();
    call<Session>(std::move(request), decodeSession,
                  [this, done = std::move(done)](const Reply<Session>& reply) {
                      if (reply)
                          setToken(reply->token);
                      if (done)
                          done(reply);
                  });
}

void TrackerClient::logout(Callback<void> done)
{
    call<void>(post(QStringLiteral("/auth/logout"), {}), decodeNothing,
               [this, done = std::move(done)](const Reply<void>& reply) {
                   if (reply || reply.error().code == u"unauthenticated")
                       setToken({});
                   if (done)
                       done(reply);
               });
}

void TrackerClient::setToken(const QByteArray& token)
{
    if (token == m_token)
        return;
    m_token = token;
    Q_EMIT tokenChanged();
}

void TrackerClient::registerPeer(const PeerRegistration& registration,
                                 Callback<RegisterResult> done)
{
    call<RegisterResult>(
        post(QStringLiteral("/register"), encodeRegistration(registration)), decodeRegisterResult,
        [this, registration, done = std::move(done)](const Reply<RegisterResult>& reply) {
            if (reply) {
                m_registration = registration;
                startHeartbeats(reply->heartbeatIntervalSec);
                Q_EMIT peerRegistered(*reply);
            }
            if (done)
                done(reply);
        });
}

void TrackerClient::heartbeat(const HeartbeatRequest& request, Callback<HeartbeatResult> done)
{
    call<HeartbeatResult>(post(QStringLiteral("/heartbeat"), encodeHeartbeat(request)),
                          decodeHeartbeatResult, std::move(done), request.peerId);
}

void TrackerClient::idlePeers(const QByteArray& peerId, const QByteArray& infoHash, int n,
                              Callback<IdlePeers> done)
{
    call<IdlePeers>(
        post(QStringLiteral("/get_n_file_idle_peers"), encodeIdlePeersRequest(peerId, infoHash, n)),
        decodeIdlePeers, std::move(done), peerId);
}

void TrackerClient::completeTransfer(const CompleteTransferRequest& request, Callback<int> done)
{
    call<int>(
        post(QStringLiteral("/complete_transfer"), encodeCompleteTransfer(request)), decodeReleased,
        [this, request, done = std::move(done)](const Reply<int>& reply) {
            // The tracker now counts us as a holder: so must a later re-registration.
            if (reply && m_registration && m_registration->peerId == request.peerId) {
                for (SharedFile& file : m_registration->files) {
                    if (file.infoHash == request.infoHash) {
                        file.complete = true;
                        file.have.clear();
                    }
                }
            }
            if (done)
                done(reply);
        },
        request.peerId);
}

void TrackerClient::noteComplete(const QByteArray& infoHash)
{
    if (!m_registration)
        return;
    for (SharedFile& file : m_registration->files) {
        if (file.infoHash == infoHash && !file.complete) {
            file.complete = true;
            file.have.clear();
            m_pendingComplete.append(infoHash);
        }
    }
}

void TrackerClient::setTransferTotals(qint64 uploaded, qint64 downloaded)
{
    m_uploaded = uploaded;
    m_downloaded = downloaded;
}

void TrackerClient::setAutoHeartbeat(bool enabled)
{
    m_autoHeartbeat = enabled;
    if (!enabled)
        m_heartbeatTimer.stop();
    else if (m_registration && m_heartbeatTimer.interval() > 0)
        m_heartbeatTimer.start();
}

void TrackerClient::forgetRegistration()
{
    m_heartbeatTimer.stop();
    m_registration.reset();
    m_pendingComplete.clear();
}

void TrackerClient::startHeartbeats(int intervalSec)
{
    m_heartbeatTimer.setInterval(qMax(1, intervalSec) * 1000);
    if (m_autoHeartbeat)
        m_heartbeatTimer.start();
}

void TrackerClient::autoHeartbeatDue()
{
    // One at a time: with a timeout longer than the interval they would otherwise pile up.
    if (!m_registration || m_heartbeatInFlight || m_reregistering)
        return;
    m_heartbeatInFlight = true;
    const QList<QByteArray> reported = m_pendingComplete;
    HeartbeatRequest request{m_registration->peerId, reported, m_uploaded, m_downloaded};
    heartbeat(request, [this, reported](const Reply<HeartbeatResult>& reply) {
        m_heartbeatInFlight = false;
        if (!reply) {
            Q_EMIT heartbeatFailed(reply.error());
            return;
        }
        m_pendingComplete.erase(m_pendingComplete.begin(),
                                m_pendingComplete.begin() + reported.size());
        if (reply->heartbeatIntervalSec * 1000 != m_heartbeatTimer.interval())
            startHeartbeats(reply->heartbeatIntervalSec);
        Q_EMIT heartbeatSucceeded();
    });
}

void TrackerClient::reregister()
{
    if (m_reregistering || !m_registration)
        return;
    qCInfo(lcTrackerClient) << "the tracker dropped this peer: registering again";
    m_reregistering = true;
    // What the tracker must hear again is already in the registration (noteComplete updates
    // it), so the pending changes would be news to nobody.
    m_pendingComplete.clear();
    Q_EMIT reregistering();
    registerPeer(*m_registration, [this](const Reply<RegisterResult>& reply) {
        m_reregistering = false;
        if (!reply)
            qCWarning(lcTrackerClient).noquote()
                << "registering again failed:" << reply.error().message;
    });
}

void TrackerClient::searchFiles(const SearchQuery& query, Callback<QList<FileSummary>> done)
{
    // Encoded by hand: QUrlQuery leaves '+' alone, which the tracker reads as a space.
    const QByteArray parameters = "q=" + QUrl::toPercentEncoding(query.text) +
                                  "&limit=" + QByteArray::number(query.limit) +
                                  "&offset=" + QByteArray::number(query.offset);
    call<QList<FileSummary>>({"GET", QStringLiteral("/files"), parameters, {}, {}, kMaxJsonBytes},
                             decodeSearchResults, std::move(done));
}

void TrackerClient::fileDetails(const QByteArray& infoHash, Callback<FileDetails> done)
{
    const QString path = QStringLiteral("/files/") + QString::fromLatin1(infoHash.toHex());
    call<FileDetails>({"GET", path, {}, {}, {}, kMaxJsonBytes}, decodeFileDetails, std::move(done));
}

void TrackerClient::downloadMetainfo(const QByteArray& infoHash, Callback<QByteArray> done)
{
    const QString path = QStringLiteral("/files/") + QString::fromLatin1(infoHash.toHex()) +
                         QStringLiteral("/metainfo");
    call<QByteArray>({"GET", path, {}, {}, {}, kMaxMetainfoBytes}, decodeBytes, std::move(done));
}

void TrackerClient::health(Callback<Health> done)
{
    call<Health>({"GET", QStringLiteral("/health"), {}, {}, {}, kMaxJsonBytes}, decodeHealth,
                 std::move(done));
}

} // namespace swarmshare::trackerclient

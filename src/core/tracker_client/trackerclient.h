// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker_client/endpointlist.h"
#include "tracker_client/exchange.h"
#include "tracker_client/messages.h"
#include "tracker_client/reply.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QObject>
#include <QTimer>

#include <optional>

namespace swarmshare {
struct Config;
}

namespace swarmshare::trackerclient {

// The client of the tracker's HTTP API (docs/tracker-api.md). Every call is asynchronous and
// answers once through its Callback with a typed Reply. Behind each call: the ordered URL list
// with failover (connection errors, timeouts, 5xx), bounded retries with exponential backoff,
// Retry-After on 429, a per-attempt timeout and bounded answer sizes.
//
// Accounts: login() keeps the token for the calls that need one (setToken() reuses a
// remembered one). Peers: after registerPeer() succeeds the client heartbeats on its own at the
// interval the tracker gave, reports files finished with noteComplete() in the next
// heartbeat, and registers again (same peer id and file list) when the tracker has dropped the
// peer (404 unknown_peer).
//
// Not thread-safe: use it from the thread that owns it (the session thread, or the GUI thread).
// Destroying it cancels what is in flight; those callbacks are not called.
class TrackerClient : public QObject {
    Q_OBJECT

public:
    struct Options {
        QList<QUrl> urls;
        int requestTimeoutMs = 10'000;
        RetryPolicy retry;
        qint64 returnToFirstUrlAfterMs = 300'000;

        // `tracker.urls` and `tracker.requestTimeoutMs`.
        static Options fromConfig(const Config& config);
    };

    explicit TrackerClient(Options options, QObject* parent = nullptr);
    ~TrackerClient() override;

    const Options& options() const { return m_options; }
    const EndpointList& endpoints() const { return m_endpoints; }
    EndpointList& endpoints() { return m_endpoints; }
    // The base URL requests currently start with.
    QUrl currentUrl() const;

    // --- accounts ---------------------------------------------------------------------------
    void registerAccount(const QString& username, const QString& password, Callback<QString> done);
    void login(const QString& username, const QString& password, Callback<Session> done);
    // Ends the session on the tracker and forgets the token (also when the tracker says the
    // token was no longer valid).
    void logout(Callback<void> done);
    void setToken(const QByteArray& token);
    const QByteArray& token() const { return m_token; }

    // --- peers ------------------------------------------------------------------------------
    void registerPeer(const PeerRegistration& registration, Callback<RegisterResult> done);
    void heartbeat(const HeartbeatRequest& request, Callback<HeartbeatResult> done);
    void idlePeers(const QByteArray& peerId, const QByteArray& infoHash, int n,
                   Callback<IdlePeers> done);
    void completeTransfer(const CompleteTransferRequest& request, Callback<int> done);

    // The registration the automatic heartbeats keep alive, as last sent.
    const std::optional<PeerRegistration>& registration() const { return m_registration; }
    // A file of the registration is now complete: say so in the next heartbeat.
    void noteComplete(const QByteArray& infoHash);
    void setTransferTotals(qint64 uploaded, qint64 downloaded);
    // Automatic heartbeats (on by default) — off stops them, e.g. before going offline.
    void setAutoHeartbeat(bool enabled);
    bool autoHeartbeat() const { return m_autoHeartbeat; }
    // Stops heartbeating and forgets the registration; the tracker drops the peer after three
    // silent intervals.
    void forgetRegistration();

    // --- files and status -------------------------------------------------------------------
    void searchFiles(const SearchQuery& query, Callback<QList<FileSummary>> done);
    void fileDetails(const QByteArray& infoHash, Callback<FileDetails> done);
    // The .torrent bytes (at most kMaxMetainfoBytes); the caller parses them.
    void downloadMetainfo(const QByteArray& infoHash, Callback<QByteArray> done);
    void health(Callback<Health> done);

Q_SIGNALS:
    void tokenChanged();
    // A request was refused with 401: the token is missing, expired or logged out.
    void authenticationRequired(const swarmshare::Error& error);
    // registerPeer() or an automatic re-registration succeeded.
    void peerRegistered(const swarmshare::trackerclient::RegisterResult& result);
    // The tracker had dropped the peer (unknown_peer); it is being registered again.
    void reregistering();
    void heartbeatSucceeded();
    void heartbeatFailed(const swarmshare::Error& error);
    // Requests now start at another tracker URL (failover, or back to the first).
    void currentUrlChanged(const QUrl& url);

private:
    template<typename T>
    using Decoder = std::function<Result<T>(const QByteArray&)>;

    template<typename T>
    void call(HttpRequest request, Decoder<T> decode, Callback<T> done,
              const QByteArray& peerId = {});
    void noteUrl();
    HttpRequest post(const QString& path, QByteArray body) const;
    void noteError(const Error& error, const QByteArray& peerId);
    void startHeartbeats(int intervalSec);
    void autoHeartbeatDue();
    void reregister();
    void checkThread() const;

    Options m_options;
    EndpointList m_endpoints;
    ExchangeSettings m_exchange;
    QElapsedTimer m_clock;
    QNetworkAccessManager m_network;
    QByteArray m_token;
    QUrl m_lastUrl;

    std::optional<PeerRegistration> m_registration;
    QList<QByteArray> m_pendingComplete;
    qint64 m_uploaded = 0;
    qint64 m_downloaded = 0;
    QTimer m_heartbeatTimer;
    bool m_autoHeartbeat = true;
    bool m_heartbeatInFlight = false;
    bool m_reregistering = false;
};

} // namespace swarmshare::trackerclient

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker/http/httpserver.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QLoggingCategory>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <memory>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)

class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace swarmshare::tracker::ha {

namespace detail {
class UpstreamPool;
struct UpstreamReply;
} // namespace detail

// The failover proxy of DESIGN.md section 4: the one address clients use. It forwards HTTP
// requests and WebSocket connections (/live) to the active tracker with the client's address in
// X-Forwarded-For (the trackers trust the proxy through their trustedProxies option), probes
// both trackers' GET /health, promotes the backup after `failedProbesToSwitch` failed probes of
// the active one, and switches back once main has caught up from the backup.
//
// The HA contract with the trackers (all control calls carry `Authorization: Bearer <secret>`):
//   GET  /health       -> {"role", "state": active|standby|catching_up|fenced, "epoch", "seq"}
//   POST /ha/promote   -> {"epoch", "seq"}: stop following, become active with a new epoch
//   POST /ha/fence     {"epoch"}: refuse writes from now on
//   POST /ha/follow    {"primary": URL, "epoch"}: replicate from that primary
//
// A request never disappears: it is answered by the tracker, retried once on the new active
// tracker when the old one failed before answering anything, or given a 503 JSON error; every
// wait is bounded. Single-threaded: everything runs on the thread that owns the proxy.
class Proxy : public QObject {
    Q_OBJECT

public:
    struct Options {
        QHostAddress address = QHostAddress(QHostAddress::LocalHost);
        quint16 port = 0;  // 0: any free port
        QUrl mainUrl;      // http://HOST:PORT of the main tracker
        QUrl backupUrl;    // http://HOST:PORT of the backup tracker
        QByteArray secret; // the shared HA secret for /ha/* calls
        int probeIntervalMs = 1000;
        int probeTimeoutMs = 500;
        int failedProbesToSwitch = 3; // after the first failure, re-probed every interval / 4
        // One attempt of a forwarded request, connect to last response byte.
        int requestTimeoutMs = 10'000;
        // How long requests wait while the proxy switches trackers (or waits to see whether a
        // tracker that failed a request comes back) before they get a 503.
        int switchHoldMs = 5000;
        // /ha/* control calls; failback waits this long at most for main to catch up.
        int controlTimeoutMs = 2000;
        // The trackers' answers are trusted but still bounded, so that a broken tracker cannot
        // make the proxy buffer without limit (search results can exceed the 1 MiB request cap).
        qint64 maxResponseBytes = 8 * 1024 * 1024;
        http::Limits httpLimits; // the client side: 1 MiB bodies, timeouts, connection cap
        QList<QByteArray> webSocketPaths = {QByteArrayLiteral("/live")};
    };

    enum class Which { Main, Backup };

    // What the proxy knows about one tracker, from its last /health probe.
    struct TrackerStatus {
        QUrl url;
        bool probed = false;    // at least one probe has finished
        bool reachable = false; // the last probe answered 200 with JSON
        int consecutiveFailures = 0;
        QString role;
        QString state; // active, standby, catching_up, fenced ("" when unknown)
        qint64 epoch = -1;
        qint64 seq = -1;
        QDateTime lastProbeAt;
        QString lastError; // why the last probe failed
        qint64 probes = 0;
        qint64 failedProbes = 0;
    };

    enum class Phase {
        Normal,      // routing to the active tracker
        FailingOver, // promoting the other tracker; requests are held
        FailingBack, // fence backup, wait for main, promote main; requests are held
        Unavailable, // the active tracker failed its probes and no other could take over
    };

    struct Snapshot {
        Which active = Which::Main;
        QUrl activeUrl;
        Phase phase = Phase::Normal;
        TrackerStatus main;
        TrackerStatus backup;
        quint64 switchCount = 0;
        quint64 requestsForwarded = 0; // answered by a tracker
        quint64 requestsRetried = 0;   // sent a second time after a failure without an answer
        quint64 requestsFailed = 0;    // answered with the proxy's own 503
        int requestsHeld = 0;          // waiting now
        int requestsInFlight = 0;      // with a tracker now
        int webSockets = 0;            // relayed WebSocket pairs now
        QDateTime lastSwitchAt;
    };

    explicit Proxy(Options options, QObject* parent = nullptr);
    ~Proxy() override;

    // Starts listening and probing. Returns false (see errorString()) when it cannot listen.
    bool start();
    // Stops listening and probing, answers held requests with 503, closes WebSockets.
    void stop();

    quint16 port() const;
    QHostAddress address() const;
    QString errorString() const;
    const Options& options() const { return m_options; }

    QUrl activeUrl() const;
    Snapshot snapshot() const;
    // The snapshot as GET /proxy/health shows it.
    QJsonObject snapshotJson() const;

    static QString phaseName(Phase phase);

signals:
    // Requests now go to `url` (after a failover, a failback, or finding a newer epoch).
    void activeChanged(const QUrl& url);
    // Anything in snapshot() changed: a probe result, the phase, the active tracker.
    void stateChanged();

private:
    struct Held;
    struct Exchange;
    struct Relay;

    TrackerStatus& status(Which which) { return which == Which::Main ? m_main : m_backup; }
    const TrackerStatus& status(Which which) const
    {
        return which == Which::Main ? m_main : m_backup;
    }
    static Which other(Which which) { return which == Which::Main ? Which::Backup : Which::Main; }

    // Client side.
    void handle(const http::Request& request, const http::Responder& responder);
    void forward(const std::shared_ptr<Exchange>& exchange);
    void finish(const std::shared_ptr<Exchange>& exchange, detail::UpstreamReply reply);
    void hold(const std::shared_ptr<Exchange>& exchange);
    void releaseHeld(bool sameTargetOnly);
    void expireHeld();
    void failRequest(const std::shared_ptr<Exchange>& exchange, const QString& message);
    bool activeUsable() const;

    // Probes and switching.
    void probeAll();
    void probe(Which which);
    void probed(Which which, const detail::UpstreamReply& reply);
    void evaluate();
    void failOver();
    void failBack();
    void failBackDrain(int attempt);
    void failBackWaitForMain(qint64 targetSeq, qint64 backupEpoch, int attempt);
    void failBackPromoteMain();
    void failBackAbort(const QString& why);
    void repair(Which which); // fence (if it claims to be active) and follow the active one
    void setActive(Which which);
    void setPhase(Phase phase);
    void control(Which which, const QByteArray& path, const QJsonObject& body,
                 std::function<void(const detail::UpstreamReply&)> done);

    // WebSockets.
    void acceptWebSockets();
    void closeWebSockets(const QString& reason);

    Options m_options;
    http::Server m_http;
    std::unique_ptr<QWebSocketServer> m_webSockets;
    std::unique_ptr<detail::UpstreamPool> m_pool;
    TrackerStatus m_main;
    TrackerStatus m_backup;
    Which m_active = Which::Main;
    Phase m_phase = Phase::Normal;
    bool m_probing[2] = {false, false};
    bool m_repairing[2] = {false, false};
    qint64 m_lastRepairAt[2] = {0, 0};
    QTimer m_probeTimer;
    QTimer m_holdTimer;
    QElapsedTimer m_clock;
    QList<std::shared_ptr<Exchange>> m_held;
    QList<Relay*> m_relays;
    quint64 m_switchCount = 0;
    quint64 m_forwarded = 0;
    quint64 m_retried = 0;
    quint64 m_failed = 0;
    QDateTime m_lastSwitchAt;
    int m_inFlight = 0;       // forwarded requests waiting for a tracker's answer
    quint64 m_generation = 0; // bumped on every switch: stale callbacks check it
};

} // namespace swarmshare::tracker::ha

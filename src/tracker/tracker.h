// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker/accounts.h"
#include "tracker/apimodule.h"
#include "tracker/ha/changelog.h"
#include "tracker/http/httpserver.h"
#include "tracker/livefeed.h"
#include "tracker/passkeys.h"
#include "tracker/ratelimiter.h"
#include "tracker/store/store.h"
#include "tracker/swarmregistry.h"
#include "tracker/trackercontext.h"
#include "tracker/trackeroptions.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QObject>
#include <QTimer>

#include <memory>
#include <vector>

Q_DECLARE_LOGGING_CATEGORY(lcTracker)

namespace swarmshare::tracker {

namespace ha {
class ChangeRecorder;
class JournalingStore;
class ReplicationClient;
class ReplicationServer;
} // namespace ha

// One tracker role (DESIGN.md section 3): the HTTP API, the /live feed, accounts, the swarm
// registry and the store, all on the thread that owns this object. The frontends (HTTP and
// WebSocket) parse requests; the ApiModules hold the logic per area; Store and SwarmRegistry
// hold the state.
class Tracker : public QObject {
    Q_OBJECT

public:
    explicit Tracker(TrackerOptions options, QObject* parent = nullptr);
    ~Tracker() override;

    // Opens the store (running migrations) and starts listening.
    Result<void> start();
    // Stops accepting, closes the store. Idempotent.
    void stop();

    quint16 port() const { return m_http.serverPort(); }
    QHostAddress address() const { return m_http.serverAddress(); }
    const TrackerOptions& options() const { return m_options; }
    const SwarmRegistry& registry() const { return m_registry; }
    const http::Server& httpServer() const { return m_http; }
    Store& store() { return *m_store; }
    const LiveFeed& feed() const { return *m_feed; }
    QDateTime startedAt() const { return m_startedAt; }

    // High availability (docs/ha.md). Active: serves writes and records changes. Following:
    // replays another tracker's changes and refuses writes. Fenced: another tracker is active;
    // refuses writes until promoted or told to follow.
    enum class HaState { Active, Following, Fenced };
    HaState haState() const { return m_haState; }
    // "active", "fenced", "catching_up" or "standby" (a follower less than a second behind).
    QString haStateName() const;
    const ha::ChangeLog& changeLog() const { return m_changeLog; }
    // The follower side while following, else nullptr.
    const ha::ReplicationClient* follower() const { return m_follower.get(); }
    const ha::ReplicationServer* replicationServer() const { return m_replication.get(); }
    // Becomes the active tracker in a new epoch (stops following). Returns the new position.
    std::pair<qint64, qint64> promote();
    void fence();
    void follow(const QUrl& primary);

    // Requests served per endpoint and errors per code, for /metrics.
    const QHash<QByteArray, quint64>& requestCounts() const { return m_requestCounts; }
    const QHash<QString, quint64>& errorCounts() const { return m_errorCounts; }

private:
    void dispatch(const http::Request& request, const http::Responder& responder);
    void startReplication();
    void setRecording(bool on);
    void housekeeping();

    TrackerOptions m_options;
    std::unique_ptr<Store> m_store;
    ha::JournalingStore* m_journal = nullptr; // m_store, when replication is on
    ha::ChangeLog m_changeLog;
    std::unique_ptr<ha::ChangeRecorder> m_recorder;
    std::unique_ptr<ha::ReplicationServer> m_replication;
    std::unique_ptr<ha::ReplicationClient> m_follower;
    HaState m_haState = HaState::Active;
    SwarmRegistry m_registry;
    std::unique_ptr<Accounts> m_accounts;
    std::unique_ptr<LiveFeed> m_feed;
    std::optional<Passkeys> m_passkeys;
    std::unique_ptr<TrackerContext> m_context;
    std::vector<std::unique_ptr<ApiModule>> m_modules;
    http::Server m_http;
    RateLimiter m_rateLimiter;
    QTimer m_housekeeping;
    int m_housekeepingRounds = 0;
    QDateTime m_startedAt;
    QHash<QByteArray, quint64> m_requestCounts;
    QHash<QString, quint64> m_errorCounts;
};

// GET /health and /metrics.
class StatusApi final : public ApiModule {
public:
    StatusApi(TrackerContext& context, const Tracker& tracker);
    bool handle(const http::Request& request, const http::Responder& responder) override;

private:
    http::Response health() const;
    http::Response metrics() const;

    const Tracker& m_tracker;
};

// POST /ha/promote, /ha/fence, /ha/follow: the proxy's control of the roles (docs/ha.md), with
// the shared secret as bearer token.
class HaApi final : public ApiModule {
public:
    HaApi(TrackerContext& context, Tracker& tracker);
    bool handle(const http::Request& request, const http::Responder& responder) override;

private:
    Tracker& m_tracker;
};

} // namespace swarmshare::tracker

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/tracker.h"

#include "common/constanttime.h"
#include "tracker/ha/journalingstore.h"
#include "tracker/ha/replication.h"
#include "tracker/ha/statecodec.h"
#include "tracker/jsonbody.h"

#include <QDir>
#include <QJsonDocument>

Q_LOGGING_CATEGORY(lcTracker, "swarmshare.tracker")

namespace swarmshare::tracker {

namespace {

// Request counters are labelled by endpoint; anything else counts as "other" so that random
// paths cannot grow the metrics without bound.
QByteArray endpointLabel(const QByteArray& path)
{
    static const QByteArrayList known = {"/announce",
                                         "/scrape",
                                         "/register",
                                         "/heartbeat",
                                         "/get_n_file_idle_peers",
                                         "/complete_transfer",
                                         "/auth/register",
                                         "/auth/login",
                                         "/auth/logout",
                                         "/files",
                                         "/health",
                                         "/metrics",
                                         "/replicate",
                                         "/ha/promote",
                                         "/ha/fence",
                                         "/ha/follow"};
    if (known.contains(path))
        return path;
    return path.startsWith("/files/") ? QByteArray("/files/*") : QByteArray("other");
}

// What changes state: refused while this tracker is not the active one. Reads (search, file
// details, health, metrics, scrape) are still served by a standby.
bool isWrite(const http::Request& request)
{
    if (request.path.startsWith("/ha/"))
        return false;
    return request.method == "POST" || request.path == "/announce" ||
           request.path.startsWith("/announce/");
}

} // namespace

Tracker::Tracker(TrackerOptions options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_changeLog({m_options.changeLogEntries, m_options.changeLogBytes})
    , m_registry({m_options.heartbeatIntervalSec * 3000LL, m_options.leaseTtlSec * 1000LL, 10'000})
    , m_http(m_options.httpLimits)
    , m_rateLimiter(m_options.requestsPerSecondPerAddress,
                    m_options.requestsPerSecondPerAddress * 2)
{
    m_http.setHandler([this](const http::Request& request, const http::Responder& responder) {
        dispatch(request, responder);
    });
    connect(&m_housekeeping, &QTimer::timeout, this, &Tracker::housekeeping);
}

Tracker::~Tracker()
{
    stop();
    m_registry.setListener(nullptr);
}

Result<void> Tracker::start()
{
    Result<std::unique_ptr<Store>> store = createStore(m_options.database, m_options.sqlitePath);
    if (!store)
        return store.error();
    m_store = std::move(store).value();
    if (!m_options.haSecret.isEmpty()) {
        // Every store change becomes a replication delta; the recorder is made below.
        auto journal = std::make_unique<ha::JournalingStore>(std::move(m_store),
                                                             [this](const QJsonObject& delta) {
                                                                 if (m_recorder)
                                                                     m_recorder->record(delta);
                                                             });
        m_journal = journal.get();
        m_store = std::move(journal);
    }
    if (Result<void> opened = m_store->open(); !opened)
        return opened;

    if (m_options.announcePasskeys) {
        Result<Passkeys> passkeys = Passkeys::load(m_options.passkeySecretPath);
        if (!passkeys)
            return passkeys.error();
        m_passkeys = std::move(passkeys).value();
    }
    m_accounts = std::make_unique<Accounts>(
        *m_store, Accounts::Options{m_options.passwordIterations, 30LL * 24 * 3600 * 1000});
    m_feed =
        std::make_unique<LiveFeed>(*m_accounts, m_registry, m_options.httpLimits.maxConnections);
    m_registry.setListener(m_feed.get());
    m_context =
        std::unique_ptr<TrackerContext>(new TrackerContext{m_options,
                                                           *m_store,
                                                           m_registry,
                                                           *m_accounts,
                                                           *m_feed,
                                                           m_passkeys ? &*m_passkeys : nullptr,
                                                           {}});
    m_context->clock.start();
    m_modules.clear();
    m_modules.push_back(std::make_unique<AnnounceApi>(*m_context));
    m_modules.push_back(std::make_unique<PeerApi>(*m_context));
    m_modules.push_back(std::make_unique<AuthApi>(*m_context));
    m_modules.push_back(std::make_unique<FilesApi>(*m_context));
    m_modules.push_back(std::make_unique<StatusApi>(*m_context, *this));
    m_http.addWebSocketPath("/live", m_feed->server());
    if (!m_options.haSecret.isEmpty()) {
        m_modules.push_back(std::make_unique<HaApi>(*m_context, *this));
        startReplication();
    }

    if (!m_http.listen(m_options.address, m_options.port))
        return makeError(QStringLiteral("cannot listen on %1:%2: %3")
                             .arg(m_options.address.toString())
                             .arg(m_options.port)
                             .arg(m_http.errorString()));
    m_startedAt = QDateTime::currentDateTimeUtc();
    m_housekeeping.start(1000);
    qCInfo(lcTracker).noquote() << "tracker" << m_options.role << "listening on"
                                << m_http.serverAddress().toString() + QLatin1Char(':') +
                                       QString::number(m_http.serverPort())
                                << "with" << m_store->kind() << "store";
    return {};
}

void Tracker::stop()
{
    if (!m_http.isListening())
        return;
    m_http.close();
    m_housekeeping.stop();
    qCInfo(lcTracker) << "tracker stopped";
}

void Tracker::startReplication()
{
    m_recorder = std::make_unique<ha::ChangeRecorder>(m_changeLog, m_registry,
                                                      [this] { return m_context->now(); });
    m_registry.setJournal(m_recorder.get());
    m_replication = std::make_unique<ha::ReplicationServer>(
        m_options.haSecret, m_changeLog, [this]() -> Result<QJsonObject> {
            m_recorder->flush();
            return ha::snapshot(*m_store, m_registry, m_context->now());
        });
    connect(m_recorder.get(), &ha::ChangeRecorder::appended, m_replication.get(),
            &ha::ReplicationServer::pushChanges);
    m_http.addWebSocketPath("/replicate", m_replication->server());
    if (m_options.primary.isValid())
        follow(m_options.primary);
}

void Tracker::setRecording(bool on)
{
    if (m_recorder)
        m_recorder->setEnabled(on);
    if (m_journal)
        m_journal->setRecording(on);
}

QString Tracker::haStateName() const
{
    switch (m_haState) {
    case HaState::Active:
        return QStringLiteral("active");
    case HaState::Fenced:
        return QStringLiteral("fenced");
    case HaState::Following:
        return m_follower && m_follower->isCaughtUp() ? QStringLiteral("standby")
                                                      : QStringLiteral("catching_up");
    }
    return QString();
}

std::pair<qint64, qint64> Tracker::promote()
{
    if (m_haState != HaState::Active) {
        m_follower.reset();
        m_changeLog.newEpoch();
        m_haState = HaState::Active;
        setRecording(true);
        // Tokens cached while following may have been revoked on the old primary since.
        m_accounts->forgetCachedTokens();
        qCWarning(lcTracker).noquote()
            << "promoted: active in epoch" << m_changeLog.epoch() << "at seq" << m_changeLog.seq();
    }
    return {m_changeLog.epoch(), m_changeLog.seq()};
}

void Tracker::fence()
{
    if (m_haState == HaState::Fenced)
        return;
    m_follower.reset();
    m_haState = HaState::Fenced;
    qCWarning(lcTracker).noquote() << "fenced: refusing writes in epoch" << m_changeLog.epoch();
}

void Tracker::follow(const QUrl& primary)
{
    setRecording(false);
    m_haState = HaState::Following;
    m_follower = std::make_unique<ha::ReplicationClient>(
        primary, m_options.haSecret, m_changeLog,
        [this](const QJsonObject& delta) {
            return ha::apply(delta, *m_store, m_registry, m_context->now());
        },
        [this](const QJsonObject& snapshot) {
            return ha::loadSnapshot(snapshot, *m_store, m_registry, m_context->now());
        });
    m_follower->start();
    qCInfo(lcTracker).noquote() << "following" << primary.toString() << "from position (epoch"
                                << m_changeLog.epoch() << "seq"
                                << QString::number(m_changeLog.seq()) + u')';
}

void Tracker::housekeeping()
{
    // Only the active tracker expires peers and tokens; a follower gets the results.
    if (m_haState != HaState::Active)
        return;
    const qint64 now = m_context->now();
    if (const int dropped = m_registry.expire(now))
        qCInfo(lcTracker) << dropped << "silent peers dropped";
    if (++m_housekeepingRounds % 60 == 0) // every minute
        m_feed->revalidate();
    if (m_housekeepingRounds % 600 == 0) { // every ten minutes
        m_accounts->purge();
        m_rateLimiter.forgetIdle(now);
    }
}

void Tracker::dispatch(const http::Request& request, const http::Responder& responder)
{
    ++m_requestCounts[endpointLabel(request.path)];
    try {
        if (m_rateLimiter.isEnabled()) {
            // The address's 16 bytes (IPv4 mapped into IPv6) are the key: no text formatting.
            const Q_IPV6ADDR bytes = m_context->clientAddress(request).toIPv6Address();
            const QByteArray key(reinterpret_cast<const char*>(bytes.c), 16);
            if (!m_rateLimiter.allow(key, m_context->now()))
                throw ApiError::rateLimited(QStringLiteral("too many requests from this address"),
                                            m_rateLimiter.retryAfter(key, m_context->now()));
        }
        if (m_haState != HaState::Active && isWrite(request))
            throw ApiError::unavailable(
                m_haState == HaState::Fenced
                    ? QStringLiteral("this tracker is fenced: another one is active")
                    : QStringLiteral("this tracker is a standby: send writes to the active one"));
        for (const auto& module : m_modules) {
            if (module->handle(request, responder))
                return;
        }
        throw ApiError::notFound(QStringLiteral("not_found"), QStringLiteral("no such endpoint"));
    } catch (const ApiError& error) {
        ++m_errorCounts[error.code()];
        responder.send(errorResponse(error));
    }
}

StatusApi::StatusApi(TrackerContext& context, const Tracker& tracker)
    : ApiModule(context)
    , m_tracker(tracker)
{}

bool StatusApi::handle(const http::Request& request, const http::Responder& responder)
{
    if (request.path == "/health") {
        requireMethod(request, "GET");
        responder.send(health());
        return true;
    }
    if (request.path == "/metrics") {
        requireMethod(request, "GET");
        responder.send(metrics());
        return true;
    }
    return false;
}

http::Response StatusApi::health() const
{
    const SwarmRegistry& registry = m_tracker.registry();
    QJsonObject health{
        {QStringLiteral("role"), m_tracker.options().role},
        {QStringLiteral("state"), m_tracker.haStateName()},
        {QStringLiteral("epoch"), m_tracker.changeLog().epoch()},
        {QStringLiteral("seq"), m_tracker.changeLog().seq()},
        {QStringLiteral("store"), m_context.store.kind()},
        {QStringLiteral("peers"), registry.peerCount()},
        {QStringLiteral("files"), registry.fileCount()},
        {QStringLiteral("started_at"), m_tracker.startedAt().toString(Qt::ISODate)},
    };
    if (const ha::ReplicationClient* follower = m_tracker.follower()) {
        health.insert(QStringLiteral("primary"), follower->primary().toString());
        health.insert(QStringLiteral("lag_ms"), follower->lagMs());
        health.insert(QStringLiteral("primary_seq"), follower->primarySeq());
    }
    if (const ha::ReplicationServer* server = m_tracker.replicationServer())
        health.insert(QStringLiteral("followers"), server->followerCount());
    return jsonResponse(200, health);
}

HaApi::HaApi(TrackerContext& context, Tracker& tracker)
    : ApiModule(context)
    , m_tracker(tracker)
{}

bool HaApi::handle(const http::Request& request, const http::Responder& responder)
{
    if (!request.path.startsWith("/ha/"))
        return false;
    requireMethod(request, "POST");
    const QByteArray header = request.header("authorization");
    const QByteArray secret = header.startsWith("Bearer ") ? header.mid(7).trimmed() : QByteArray();
    if (!constantTimeEquals(secret, m_tracker.options().haSecret))
        throw ApiError::unauthenticated(QStringLiteral("the shared HA secret is needed"));
    const auto position = [this] {
        return QJsonObject{{QStringLiteral("epoch"), m_tracker.changeLog().epoch()},
                           {QStringLiteral("seq"), m_tracker.changeLog().seq()},
                           {QStringLiteral("state"), m_tracker.haStateName()}};
    };
    if (request.path == "/ha/promote") {
        m_tracker.promote();
        responder.send(jsonResponse(200, position()));
    } else if (request.path == "/ha/fence") {
        m_tracker.fence();
        responder.send(jsonResponse(200, position()));
    } else if (request.path == "/ha/follow") {
        const JsonBody body = JsonBody::parse(request.body);
        const QUrl primary(body.string(QStringLiteral("primary"), 2048), QUrl::StrictMode);
        if (!primary.isValid() || (primary.scheme() != QLatin1String("http") &&
                                   primary.scheme() != QLatin1String("https")))
            throw ApiError::invalidArgument(QStringLiteral("primary must be an http(s) URL"));
        m_tracker.follow(primary);
        responder.send(jsonResponse(200, position()));
    } else {
        throw ApiError::notFound(QStringLiteral("not_found"), QStringLiteral("no such endpoint"));
    }
    return true;
}

http::Response StatusApi::metrics() const
{
    QByteArray text;
    const auto metric = [&text](const char* name, const char* type, const char* help,
                                const QList<std::pair<QByteArray, qint64>>& samples) {
        text += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
        for (const auto& [labels, value] : samples)
            text += QByteArray(name) + labels + ' ' + QByteArray::number(value) + '\n';
    };
    const SwarmRegistry& registry = m_tracker.registry();
    const http::Server::Stats& http = m_tracker.httpServer().stats();
    metric("swarmshare_tracker_peers", "gauge", "Peers online.", {{{}, registry.peerCount()}});
    metric("swarmshare_tracker_swarms", "gauge", "Files with at least one peer online.",
           {{{}, registry.fileCount()}});
    metric("swarmshare_tracker_leases", "gauge", "Upload-slot leases in force.",
           {{{}, registry.leaseCount()}});
    metric("swarmshare_tracker_live_clients", "gauge", "Clients of the /live feed.",
           {{{}, m_tracker.feed().clientCount()}});
    if (Result<qint64> files = m_context.store.fileCount())
        metric("swarmshare_tracker_files", "gauge", "Files known to the store.", {{{}, *files}});
    if (Result<qint64> accounts = m_context.store.accountCount())
        metric("swarmshare_tracker_accounts", "gauge", "Accounts.", {{{}, *accounts}});
    metric("swarmshare_tracker_http_connections", "gauge", "Open HTTP connections.",
           {{{}, m_tracker.httpServer().connectionCount()}});
    metric("swarmshare_tracker_http_connections_total", "counter", "HTTP connections accepted.",
           {{{}, qint64(http.connectionsAccepted)}});
    metric("swarmshare_tracker_http_connections_refused_total", "counter",
           "HTTP connections refused over the connection cap.",
           {{{}, qint64(http.connectionsRefused)}});
    metric("swarmshare_tracker_http_timeouts_total", "counter", "Connections closed by a timeout.",
           {{{}, qint64(http.timeouts)}});
    metric("swarmshare_tracker_http_bad_requests_total", "counter",
           "Malformed or oversized HTTP requests.", {{{}, qint64(http.badRequests)}});
    metric("swarmshare_tracker_ha_epoch", "gauge", "Replication epoch of this tracker.",
           {{{}, m_tracker.changeLog().epoch()}});
    metric("swarmshare_tracker_ha_seq", "gauge", "Position of the last change applied or made.",
           {{{}, m_tracker.changeLog().seq()}});
    metric("swarmshare_tracker_ha_active", "gauge", "1 when this tracker takes writes.",
           {{{}, m_tracker.haState() == Tracker::HaState::Active ? 1 : 0}});
    if (const ha::ReplicationClient* follower = m_tracker.follower())
        metric("swarmshare_tracker_replication_lag_ms", "gauge",
               "Time since this follower last had every change of its primary (-1: never).",
               {{{}, follower->lagMs()}});
    if (const ha::ReplicationServer* server = m_tracker.replicationServer())
        metric("swarmshare_tracker_replication_followers", "gauge",
               "Followers streaming from here.", {{{}, server->followerCount()}});
    QList<std::pair<QByteArray, qint64>> requests;
    for (auto it = m_tracker.requestCounts().cbegin(); it != m_tracker.requestCounts().cend(); ++it)
        requests.append({"{endpoint=\"" + it.key() + "\"}", qint64(it.value())});
    std::sort(requests.begin(), requests.end());
    metric("swarmshare_tracker_requests_total", "counter", "API requests by endpoint.", requests);
    QList<std::pair<QByteArray, qint64>> errors;
    for (auto it = m_tracker.errorCounts().cbegin(); it != m_tracker.errorCounts().cend(); ++it)
        errors.append({"{code=\"" + it.key().toLatin1() + "\"}", qint64(it.value())});
    std::sort(errors.begin(), errors.end());
    metric("swarmshare_tracker_errors_total", "counter", "API errors by code.", errors);
    return http::Response::text(200, text, "text/plain; version=0.0.4");
}

} // namespace swarmshare::tracker

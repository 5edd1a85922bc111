// SPDX-License-Identifier: GPL-3.0-or-later
#include "session/session.h"

#include "common/jsonreader.h"
#include "common/logging.h"
#include "peer/peerserver.h"
#include "session/torrent.h"
#include "tracker_client/announcer.h"
#include "tracker_client/trackerclient.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <algorithm>
#include <utility>

namespace swarmshare::session {

namespace {

constexpr int kSecondMs = 1000;
constexpr int kTransferTickMs = 50;
constexpr qint64 kIdlePeersEveryMs = 5'000;
constexpr qint64 kIdlePeersWhenAloneMs = 1'500;
constexpr int kIdlePeersBatch = 8;
constexpr qint64 kLoginRetryMs = 10'000;
constexpr int kRegisterRetryMs = 5'000;
constexpr int kStopTimeoutMs = 3'000;

// Runs every event already posted to `thread` before returning: queued writes and saves of the
// storages destroyed just before must not be dropped when the thread stops.
void flush(QThread* thread)
{
    if (!thread->isRunning())
        return;
    auto* anchor = new QObject;
    anchor->moveToThread(thread);
    QMetaObject::invokeMethod(
        anchor, [anchor] { anchor->deleteLater(); }, Qt::BlockingQueuedConnection);
}

} // namespace

Session::Session(SessionOptions options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_diskThread(std::make_unique<QThread>())
    , m_hashThread(std::make_unique<QThread>())
{
    qRegisterMetaType<SessionSnapshot>();
    qRegisterMetaType<TorrentSnapshot>();
    if (m_options.peerId.size() != 20)
        m_options.peerId = makePeerId();
    m_clock.start();
    m_downloadLimiter.setRate(m_options.downloadRateLimit, 0);
    m_uploadLimiter.setRate(m_options.uploadRateLimit, 0);
    m_diskThread->setObjectName(QStringLiteral("swarmshare-disk"));
    m_hashThread->setObjectName(QStringLiteral("swarmshare-hash"));
    m_diskThread->start();
    m_hashThread->start();

    connect(&m_secondTimer, &QTimer::timeout, this, &Session::onSecondTick);
    connect(&m_chokeTimer, &QTimer::timeout, this, &Session::onChokeTick);
    connect(&m_transferTimer, &QTimer::timeout, this, &Session::onTransferTick);
    connect(&m_snapshotTimer, &QTimer::timeout, this, [this] { Q_EMIT snapshotReady(snapshot()); });
    m_registerTimer.setSingleShot(true);
    m_registerTimer.setInterval(200);
    connect(&m_registerTimer, &QTimer::timeout, this, &Session::registerPeer);
}

Session::~Session()
{
    for (auto& [hash, entry] : m_torrents) {
        entry.announcer.reset();
        entry.torrent.reset();
    }
    m_torrents.clear();
    flush(m_diskThread.get());
    flush(m_hashThread.get());
    m_diskThread->quit();
    m_hashThread->quit();
    m_diskThread->wait();
    m_hashThread->wait();
}

bool Session::start()
{
    peer::PeerServerOptions serverOptions;
    serverOptions.maxConnections = m_options.maxConnections;
    serverOptions.connection = m_options.connection;
    m_server = new peer::PeerServer(
        m_options.peerId,
        [this](const QByteArray& infoHash) -> std::optional<peer::PieceGeometry> {
            if (Torrent* t = torrent(infoHash))
                return t->geometry();
            return std::nullopt;
        },
        serverOptions, this);
    if (!m_server->listen(m_options.listenAddress, m_options.listenPort)) {
        m_errorString = tr("cannot listen for peers on port %1: %2")
                            .arg(m_options.listenPort)
                            .arg(m_server->errorString());
        return false;
    }
    // Kept after the server closes: the last announce (event=stopped) still names the port.
    m_listenPort = m_server->serverPort();
    connect(m_server, &peer::PeerServer::peerConnected, this, &Session::onIncomingPeer);
    qCInfo(lcSession).noquote() << "listening for peers on port" << listenPort() << "as"
                                << QString::fromLatin1(m_options.peerId);
    m_secondTimer.start(kSecondMs);
    m_chokeTimer.start(int(peer::Choker::kRoundMs));
    if (isRateLimited())
        m_transferTimer.start(kTransferTickMs);
    if (m_options.snapshotIntervalMs > 0)
        m_snapshotTimer.start(m_options.snapshotIntervalMs);
    if (useAccountApi())
        connectTracker();
    if (m_options.persistTorrents)
        restoreTorrents();
    return true;
}

void Session::connectTracker()
{
    trackerclient::TrackerClient::Options clientOptions;
    clientOptions.urls = m_options.trackerUrls;
    m_tracker = new trackerclient::TrackerClient(clientOptions, this);
    connect(m_tracker, &trackerclient::TrackerClient::authenticationRequired, this, [this] {
        m_loggedIn = false;
        login();
    });
    connect(m_tracker, &trackerclient::TrackerClient::heartbeatFailed, this,
            [this](const Error& error) { m_trackerState = error.message; });
    connect(m_tracker, &trackerclient::TrackerClient::heartbeatSucceeded, this,
            [this] { m_trackerState = QStringLiteral("connected"); });
    login();
}

void Session::setTrackerAccount(const QList<QUrl>& urls, const QString& username,
                                const QByteArray& token)
{
    // A new login (the app's dialog): the old registration is left to expire on its tracker.
    if (m_tracker) {
        m_tracker->forgetRegistration();
        m_tracker->deleteLater();
        m_tracker = nullptr;
    }
    m_loggedIn = false;
    m_loginInFlight = false;
    m_registered = false;
    m_lastIdlePeersMs.clear();
    m_options.trackerUrls = urls;
    m_options.username = username;
    m_options.token = token;
    m_options.password.clear();
    for (auto& [hash, entry] : m_torrents) {
        entry.registered = false; // a new tracker has heard of none of them
        entry.metainfoSent = false;
    }
    if (useAccountApi() && !m_shuttingDown)
        connectTracker();
}

quint16 Session::listenPort() const
{
    return m_listenPort;
}

bool Session::useAccountApi() const
{
    return !m_options.trackerUrls.isEmpty() && !m_options.username.isEmpty();
}

int Session::totalConnections() const
{
    int total = 0;
    for (const auto& [hash, entry] : m_torrents)
        total += entry.torrent->connectionCount();
    return total;
}

QString Session::resumePath(const QByteArray& infoHash) const
{
    if (m_options.resumeDir.isEmpty())
        return QString();
    return QDir(m_options.resumeDir)
        .filePath(QString::fromLatin1(infoHash.toHex()) + QStringLiteral(".resume.json"));
}

Torrent* Session::torrent(const QByteArray& infoHash) const
{
    const auto it = m_torrents.find(infoHash);
    return it == m_torrents.end() ? nullptr : it->second.torrent.get();
}

// --- torrents -----------------------------------------------------------------------------------

Result<QByteArray> Session::addTorrent(const AddTorrentParams& params)
{
    Result<torrent::Metainfo> meta = torrent::Metainfo::parse(params.metainfo);
    if (!meta)
        return meta.error();
    const QByteArray infoHash = meta->infoHash();
    if (m_torrents.count(infoHash))
        return makeError(tr("%1 is already in the list").arg(meta->name()));
    Result<storage::FileLayout> layout =
        storage::FileLayout::create(meta->files(), meta->pieceLength());
    if (!layout)
        return layout.error();
    if (!m_options.resumeDir.isEmpty() && !QDir().mkpath(m_options.resumeDir))
        return makeError(tr("cannot create the folder %1").arg(m_options.resumeDir));

    TorrentEntry& entry = m_torrents[infoHash];
    entry.metainfo = params.metainfo;
    entry.publishMetainfo = params.publishMetainfo;
    entry.params = params;
    entry.params.peers.clear();
    entry.position = m_nextPosition++;
    entry.torrent = std::make_unique<Torrent>(*this, std::move(*meta), std::move(*layout), params);
    m_order.append(infoHash);
    if (m_options.persistTorrents) {
        // The .torrent once (a restored torrent's is there); how it was added, now.
        const QString torrentFile = torrentFilePath(infoHash, QLatin1StringView(".torrent"));
        QSaveFile file(torrentFile);
        if (!QFileInfo::exists(torrentFile) &&
            (!file.open(QIODevice::WriteOnly) ||
             file.write(params.metainfo) != params.metainfo.size() || !file.commit()))
            qCWarning(lcSession).noquote()
                << "cannot keep" << torrentFile << "for the next start:" << file.errorString();
        saveTorrentState(entry);
    }
    Torrent* t = entry.torrent.get();
    connect(t, &Torrent::finished, this, [this, infoHash] { onTorrentFinished(infoHash); });
    connect(t, &Torrent::needPeers, this, [this, infoHash] { onNeedPeers(infoHash); });
    connect(t, &Torrent::storageError, this,
            [this, infoHash](const QString& message) { Q_EMIT torrentError(infoHash, message); });
    connect(t, &Torrent::stateChanged, this, [this, infoHash](TorrentState state) {
        // Trackers hear of the torrent once the check knows what we have: a seeder's first
        // announce must say left=0.
        const auto it = m_torrents.find(infoHash);
        if (it != m_torrents.end() && it->second.announcer && state != TorrentState::Checking &&
            !it->second.announcer->isRunning() && !m_shuttingDown)
            it->second.announcer->start();
        updateQueue();
        // What a registration says changes when the check has found what we have; later
        // states (queued, paused, finished: reported by the heartbeat) do not change it.
        if (it != m_torrents.end() && !it->second.registered && state != TorrentState::Checking)
            scheduleRegistration();
    });
    // New downloads wait in the queue until updateQueue() gives them a slot.
    t->setQueued(true);
    t->start();
    t->addCandidates(params.peers);
    if (!useAccountApi())
        makeAnnouncer(entry);
    return infoHash;
}

void Session::makeAnnouncer(TorrentEntry& entry)
{
    Torrent* t = entry.torrent.get();
    QList<QStringList> tiers;
    if (!m_options.announceUrls.isEmpty()) {
        QStringList tier;
        for (const QUrl& url : m_options.announceUrls)
            tier << url.toString();
        tiers << tier;
    } else {
        tiers = t->metainfo().trackerTiers();
    }
    if (tiers.isEmpty())
        return;
    const QByteArray infoHash = t->infoHash();
    entry.announcer = std::make_unique<trackerclient::Announcer>(tiers, [this, infoHash] {
        trackerclient::AnnounceRequest request;
        request.infoHash = infoHash;
        request.peerId = m_options.peerId;
        request.port = listenPort();
        if (Torrent* t = torrent(infoHash)) {
            request.uploaded = t->uploadedBytes();
            request.downloaded = t->downloadedBytes();
            request.left = t->left();
        }
        return request;
    });
    connect(entry.announcer.get(), &trackerclient::Announcer::peersReceived, this,
            [this, infoHash](const QList<trackerclient::AnnouncePeer>& peers) {
                Torrent* t = torrent(infoHash);
                if (!t)
                    return;
                QList<Endpoint> endpoints;
                for (const trackerclient::AnnouncePeer& peer : peers)
                    endpoints.append({peer.address, peer.port});
                t->addCandidates(endpoints);
            });
    connect(entry.announcer.get(), &trackerclient::Announcer::announced, this,
            [this, infoHash](const QUrl& url, const trackerclient::AnnounceResult& result) {
                if (auto it = m_torrents.find(infoHash); it != m_torrents.end())
                    it->second.trackerStatus =
                        tr("%1: %n peer(s)", nullptr, int(result.peers.size())).arg(url.host());
            });
    connect(entry.announcer.get(), &trackerclient::Announcer::announceFailed, this,
            [this, infoHash](const QUrl& url, const Error& error) {
                if (auto it = m_torrents.find(infoHash); it != m_torrents.end())
                    it->second.trackerStatus =
                        QStringLiteral("%1: %2").arg(url.host(), error.message);
            });
}

void Session::removeTorrent(const QByteArray& infoHash, bool deleteData)
{
    const auto it = m_torrents.find(infoHash);
    if (it == m_torrents.end())
        return;
    TorrentEntry entry = std::move(it->second);
    m_torrents.erase(it);
    m_order.removeAll(infoHash);
    if (entry.announcer) {
        // Said goodbye in the background; the object lives until the tracker answered.
        trackerclient::Announcer* announcer = entry.announcer.release();
        announcer->setParent(this);
        connect(announcer, &trackerclient::Announcer::stopped, announcer, &QObject::deleteLater);
        announcer->stop();
    }
    const storage::FileLayout layout = entry.torrent->storageLayout();
    const QString saveDir = entry.torrent->saveDir();
    entry.torrent->shutdown();
    entry.torrent.reset();
    // The disk thread finishes what it was given first (the torrent's last resume save among
    // it), so that nothing writes its files after they are removed here.
    flush(m_diskThread.get());
    const QString resume = resumePath(infoHash);
    if (!resume.isEmpty())
        QFile::remove(resume);
    if (m_options.persistTorrents) {
        QFile::remove(torrentFilePath(infoHash, QLatin1StringView(".state.json")));
        QFile::remove(torrentFilePath(infoHash, QLatin1StringView(".torrent")));
    }
    if (deleteData) {
        // Only the torrent's own files, then the folders they were in if nothing else is there.
        const QDir root(saveDir);
        QSet<QString> folders;
        for (const torrent::FileEntry& file : layout.files()) {
            QFile::remove(root.filePath(file.path));
            for (QString folder = QFileInfo(file.path).path(); folder != QLatin1String(".");
                 folder = QFileInfo(folder).path())
                folders.insert(folder);
        }
        QStringList ordered(folders.begin(), folders.end());
        std::sort(ordered.begin(), ordered.end(),
                  [](const QString& a, const QString& b) { return a.size() > b.size(); });
        for (const QString& folder : ordered)
            root.rmdir(folder);
    }
    scheduleRegistration();
    updateQueue();
}

void Session::pauseTorrent(const QByteArray& infoHash)
{
    const auto it = m_torrents.find(infoHash);
    if (it == m_torrents.end())
        return;
    it->second.torrent->pause();
    it->second.params.paused = true;
    saveTorrentState(it->second);
}

void Session::resumeTorrent(const QByteArray& infoHash)
{
    const auto it = m_torrents.find(infoHash);
    if (it == m_torrents.end())
        return;
    it->second.torrent->resume();
    it->second.params.paused = false;
    saveTorrentState(it->second);
}

void Session::setFilePriorities(const QByteArray& infoHash,
                                const QList<picker::Priority>& priorities)
{
    const auto it = m_torrents.find(infoHash);
    if (it == m_torrents.end())
        return;
    it->second.torrent->setFilePriorities(priorities);
    it->second.params.filePriorities = priorities;
    saveTorrentState(it->second);
}

// --- the list of torrents across restarts (persistTorrents) --------------------------------------

QString Session::torrentFilePath(const QByteArray& infoHash, QLatin1StringView suffix) const
{
    return QDir(m_options.resumeDir).filePath(QString::fromLatin1(infoHash.toHex()) + suffix);
}

void Session::saveTorrentState(const TorrentEntry& entry)
{
    if (!m_options.persistTorrents || m_options.resumeDir.isEmpty())
        return;
    QJsonArray priorities;
    for (picker::Priority priority : entry.params.filePriorities)
        priorities.append(int(priority));
    const QJsonObject state{{QStringLiteral("save_dir"), entry.params.saveDir},
                            {QStringLiteral("paused"), entry.params.paused},
                            {QStringLiteral("publish"), entry.params.publishMetainfo},
                            {QStringLiteral("priorities"), priorities},
                            {QStringLiteral("position"), entry.position}};
    const QString path =
        torrentFilePath(entry.torrent->infoHash(), QLatin1StringView(".state.json"));
    QSaveFile file(path);
    const QByteArray bytes = QJsonDocument(state).toJson(QJsonDocument::Compact);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        qCWarning(lcSession).noquote() << "cannot save" << path << ":" << file.errorString();
}

void Session::restoreTorrents()
{
    // Each torrent stands alone: one whose files are damaged is reported and left on disk for
    // the user, the others come back, in the order they were first added.
    constexpr qint64 kMaxStateBytes = 1 << 20;
    std::vector<std::pair<qint64, AddTorrentParams>> restored;
    const QDir dir(m_options.resumeDir);
    for (const QString& name : dir.entryList({QStringLiteral("*.state.json")}, QDir::Files)) {
        const QString hex = name.chopped(int(qstrlen(".state.json")));
        auto skip = [&](const QString& why) {
            qCWarning(lcSession).noquote() << "cannot restore the torrent" << hex << ":" << why;
        };
        QFile stateFile(dir.filePath(name));
        if (!stateFile.open(QIODevice::ReadOnly) || stateFile.size() > kMaxStateBytes) {
            skip(tr("cannot read %1").arg(stateFile.fileName()));
            continue;
        }
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(stateFile.readAll(), &parseError);
        JsonReader state(document.object(), stateFile.fileName());
        AddTorrentParams params;
        params.saveDir = state.string(QStringLiteral("save_dir"));
        params.paused = state.boolean(QStringLiteral("paused"));
        params.publishMetainfo = state.boolean(QStringLiteral("publish"));
        const qint64 position = state.integer(QStringLiteral("position"));
        for (const QJsonValue& value : state.array(QStringLiteral("priorities"))) {
            const int priority = value.toInt(-1);
            if (priority < int(picker::Priority::Skip) || priority > int(picker::Priority::High))
                state.fail(QStringLiteral("priorities"));
            params.filePriorities.append(picker::Priority(priority));
        }
        if (!document.isObject() || state.failed() || params.saveDir.isEmpty()) {
            skip(document.isObject() ? state.problem()
                                     : tr("%1 is not JSON").arg(stateFile.fileName()));
            continue;
        }
        const Result<QByteArray> metainfo =
            torrent::Metainfo::readFile(dir.filePath(hex + QStringLiteral(".torrent")));
        if (!metainfo) {
            skip(metainfo.error().message);
            continue;
        }
        params.metainfo = *metainfo;
        restored.emplace_back(position, std::move(params));
    }
    std::sort(restored.begin(), restored.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [position, params] : restored) {
        const Result<QByteArray> added = addTorrent(params);
        if (!added) {
            qCWarning(lcSession).noquote() << "cannot restore a torrent:" << added.error().message;
            continue;
        }
        qCInfo(lcSession).noquote()
            << "restored" << QString::fromLatin1(added->toHex()) << "in" << params.saveDir;
    }
}

void Session::setRateLimits(qint64 downloadBytesPerSecond, qint64 uploadBytesPerSecond)
{
    m_options.downloadRateLimit = downloadBytesPerSecond;
    m_options.uploadRateLimit = uploadBytesPerSecond;
    m_downloadLimiter.setRate(downloadBytesPerSecond, nowMs());
    m_uploadLimiter.setRate(uploadBytesPerSecond, nowMs());
    if (isRateLimited() && !m_transferTimer.isActive() && m_secondTimer.isActive())
        m_transferTimer.start(kTransferTickMs);
    else if (!isRateLimited())
        m_transferTimer.stop();
}

void Session::updateQueue()
{
    // Downloads take slots in the order they were added. A stalled one (no data for a minute)
    // keeps its peers but frees its slot, so a dead swarm never blocks the rest of the queue.
    int active = 0;
    for (const QByteArray& hash : std::as_const(m_order)) {
        Torrent* t = torrent(hash);
        if (!t || t->isChecking() || t->isFinished() || t->state() == TorrentState::Paused ||
            t->state() == TorrentState::Error)
            continue;
        if (!t->isQueued()) {
            if (active < m_options.maxActiveDownloads || t->isStalled()) {
                if (!t->isStalled())
                    ++active;
            } else {
                t->setQueued(true);
            }
        } else if (active < m_options.maxActiveDownloads) {
            t->setQueued(false);
            ++active;
        }
    }
}

// --- peers --------------------------------------------------------------------------------------

void Session::onIncomingPeer(peer::PeerConnection* connection)
{
    Torrent* t = torrent(connection->infoHash());
    if (!t || totalConnections() >= m_options.maxConnections) {
        connection->disconnectFromPeer(t ? QStringLiteral("connection limit reached")
                                         : QStringLiteral("torrent removed"));
        connection->deleteLater();
        return;
    }
    t->adoptIncoming(connection);
}

void Session::onNeedPeers(const QByteArray& infoHash)
{
    const auto it = m_torrents.find(infoHash);
    if (it == m_torrents.end() || m_shuttingDown)
        return;
    if (it->second.announcer) {
        it->second.announcer->announceNow();
        return;
    }
    if (!m_tracker || !m_loggedIn || !m_registered)
        return;
    const qint64 now = nowMs();
    const qint64 every =
        it->second.torrent->connectionCount() == 0 ? kIdlePeersWhenAloneMs : kIdlePeersEveryMs;
    const auto last = m_lastIdlePeersMs.constFind(infoHash);
    if (last != m_lastIdlePeersMs.cend() && now - *last < every)
        return;
    m_lastIdlePeersMs.insert(infoHash, now);
    m_tracker->idlePeers(
        m_options.peerId, infoHash, kIdlePeersBatch,
        [this, infoHash](const trackerclient::Reply<trackerclient::IdlePeers>& reply) {
            Torrent* t = torrent(infoHash);
            if (!t)
                return;
            if (!reply) {
                qCInfo(lcSession).noquote() << "idle peers:" << reply.error().message;
                if (auto it = m_torrents.find(infoHash); it != m_torrents.end())
                    it->second.trackerStatus = reply.error().message;
                return;
            }
            QList<Endpoint> endpoints;
            for (const trackerclient::IdlePeer& peer : reply->peers)
                endpoints.append({peer.address, peer.port, peer.leaseId});
            if (auto it = m_torrents.find(infoHash); it != m_torrents.end())
                it->second.trackerStatus =
                    tr("%n idle peer(s) from the tracker", nullptr, int(endpoints.size()));
            t->addCandidates(endpoints);
        });
}

void Session::onTorrentFinished(const QByteArray& infoHash)
{
    const auto it = m_torrents.find(infoHash);
    if (it == m_torrents.end())
        return;
    TorrentEntry& entry = it->second;
    Torrent* t = entry.torrent.get();
    if (t->downloadedBytes() > 0 && !entry.completeReported) {
        entry.completeReported = true;
        if (entry.announcer)
            entry.announcer->completed();
        if (m_tracker && m_registered) {
            // The serving peers become idle again, and we now hold the file: the re-share.
            trackerclient::CompleteTransferRequest request;
            request.peerId = m_options.peerId;
            request.infoHash = infoHash;
            request.leaseIds = t->leaseIds();
            request.bytes = t->downloadedBytes();
            m_tracker->completeTransfer(request, [](const trackerclient::Reply<int>& reply) {
                if (!reply)
                    qCWarning(lcSession).noquote()
                        << "complete_transfer failed:" << reply.error().message;
            });
            m_tracker->noteComplete(infoHash);
        }
    }
    updateQueue();
    Q_EMIT torrentFinished(infoHash);
}

// --- the Swarmshare tracker's account API -------------------------------------------------------

void Session::login()
{
    if (!m_tracker || m_loginInFlight || m_shuttingDown)
        return;
    if (!m_options.token.isEmpty()) {
        // Logged in already (by the app's dialog): use the token once; if the tracker refuses
        // it later, authenticationRequired() comes back here without it.
        m_tracker->setToken(std::exchange(m_options.token, {}));
        m_loggedIn = true;
        m_trackerState = tr("logged in");
        registerPeer();
        return;
    }
    if (m_options.password.isEmpty()) {
        m_trackerState = tr("logged out");
        Q_EMIT trackerError(tr("the tracker asks to log in again"), true);
        return;
    }
    m_loginInFlight = true;
    m_trackerState = tr("logging in");
    m_tracker->login(m_options.username, m_options.password,
                     [this](const trackerclient::Reply<trackerclient::Session>& reply) {
                         m_loginInFlight = false;
                         if (!reply) {
                             const bool fatal =
                                 reply.error().code == trackerclient::errorcode::kUnauthenticated ||
                                 reply.error().code == QLatin1String("invalid_argument");
                             m_trackerState = reply.error().message;
                             qCWarning(lcSession).noquote()
                                 << "login failed:" << reply.error().message;
                             Q_EMIT trackerError(reply.error().message, fatal);
                             if (!fatal)
                                 QTimer::singleShot(kLoginRetryMs, this, &Session::login);
                             return;
                         }
                         m_loggedIn = true;
                         m_trackerState = tr("logged in");
                         registerPeer();
                     });
}

void Session::scheduleRegistration()
{
    if (m_tracker && m_loggedIn && !m_shuttingDown)
        m_registerTimer.start();
}

void Session::registerPeer()
{
    if (!m_tracker || !m_loggedIn || m_shuttingDown)
        return;
    trackerclient::PeerRegistration registration;
    registration.peerId = m_options.peerId;
    registration.port = listenPort();
    registration.uploadSlots = m_options.uploadSlots;
    for (const QByteArray& hash : std::as_const(m_order)) {
        const TorrentEntry& entry = m_torrents.at(hash);
        const Torrent* t = entry.torrent.get();
        if (t->isChecking())
            continue; // registered once we know what we have
        trackerclient::SharedFile file;
        file.infoHash = hash;
        file.name = t->metainfo().name();
        file.size = t->metainfo().totalLength();
        file.pieceLength = t->metainfo().pieceLength();
        file.pieceCount = t->metainfo().pieceCount();
        file.complete = t->have().all();
        if (!file.complete && t->have().count() > 0)
            file.have = t->have().toBytes();
        if (entry.publishMetainfo && !entry.metainfoSent)
            file.metainfo = entry.metainfo;
        registration.files.append(file);
    }
    m_tracker->registerPeer(
        registration,
        [this, registration](const trackerclient::Reply<trackerclient::RegisterResult>& reply) {
            if (!reply) {
                m_trackerState = reply.error().message;
                qCWarning(lcSession).noquote() << "register failed:" << reply.error().message;
                Q_EMIT trackerError(reply.error().message, false);
                // The client retried already: try again later rather than at once.
                QTimer::singleShot(kRegisterRetryMs, this, &Session::scheduleRegistration);
                return;
            }
            for (const trackerclient::SharedFile& file : registration.files) {
                if (const auto it = m_torrents.find(file.infoHash); it != m_torrents.end()) {
                    it->second.registered = true;
                    it->second.metainfoSent = it->second.metainfoSent || !file.metainfo.isEmpty();
                }
            }
            const bool first = !m_registered;
            m_registered = true;
            m_trackerState = QStringLiteral("connected");
            if (!first)
                return;
            for (const QByteArray& hash : std::as_const(m_order))
                onNeedPeers(hash);
        });
}

// --- ticks, snapshots, shutdown -----------------------------------------------------------------

void Session::onSecondTick()
{
    for (const QByteArray& hash : std::as_const(m_order)) {
        if (Torrent* t = torrent(hash))
            t->secondTick();
    }
    updateQueue();
    if (m_tracker) {
        qint64 uploaded = 0;
        qint64 downloaded = 0;
        for (const auto& [hash, entry] : m_torrents) {
            uploaded += entry.torrent->uploadedBytes();
            downloaded += entry.torrent->downloadedBytes();
        }
        m_tracker->setTransferTotals(uploaded, downloaded);
    }
}

void Session::onChokeTick()
{
    for (const auto& [hash, entry] : m_torrents)
        entry.torrent->chokeRound();
}

void Session::onTransferTick()
{
    // Each torrent shares what the buckets hold among its peers; the first torrent served
    // rotates, so none is favoured by its place in the list.
    const qint64 now = nowMs();
    if (m_order.isEmpty())
        return;
    m_transferRotation = (m_transferRotation + 1) % m_order.size();
    for (qsizetype i = 0; i < m_order.size(); ++i) {
        if (Torrent* t = torrent(m_order.at((m_transferRotation + i) % m_order.size())))
            t->transferTick(now);
    }
}

SessionSnapshot Session::snapshot() const
{
    SessionSnapshot s;
    s.listenPort = listenPort();
    s.trackerState = m_trackerState;
    for (const QByteArray& hash : std::as_const(m_order)) {
        const TorrentEntry& entry = m_torrents.at(hash);
        TorrentSnapshot t = entry.torrent->snapshot(!m_detailOnly || *m_detailOnly == hash);
        t.trackerStatus = entry.trackerStatus;
        s.downloadRate += t.downloadRate;
        s.uploadRate += t.uploadRate;
        s.torrents.append(std::move(t));
    }
    return s;
}

void Session::setSnapshotDetail(const std::optional<QByteArray>& infoHash)
{
    m_detailOnly = infoHash;
    if (m_snapshotTimer.isActive())
        Q_EMIT snapshotReady(snapshot());
}

void Session::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    m_secondTimer.stop();
    m_chokeTimer.stop();
    m_transferTimer.stop();
    m_registerTimer.stop();
    if (m_server)
        m_server->close();
    for (auto& [hash, entry] : m_torrents) {
        entry.torrent->shutdown();
        if (entry.announcer) {
            ++m_pendingStops;
            connect(entry.announcer.get(), &trackerclient::Announcer::stopped, this, [this] {
                if (--m_pendingStops == 0)
                    finishShutdown();
            });
            entry.announcer->stop();
        }
    }
    if (m_tracker)
        m_tracker->setAutoHeartbeat(false);
    if (m_pendingStops == 0)
        QTimer::singleShot(0, this, &Session::finishShutdown);
    else
        QTimer::singleShot(kStopTimeoutMs, this, &Session::finishShutdown);
}

void Session::finishShutdown()
{
    if (m_shutdownFinished)
        return;
    m_shutdownFinished = true;
    Q_EMIT snapshotReady(snapshot());
    Q_EMIT shutdownFinished();
}

} // namespace swarmshare::session

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/ha/trackerhost.h"

#include "tracker/ha/proxy.h"
#include "tracker/ha/replication.h"
#include "tracker/tracker.h"

#include <QDir>
#include <QRandomGenerator>
#include <QTimer>

namespace swarmshare::tracker::ha {

namespace {

QUrl urlOf(const QHostAddress& address, quint16 port)
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(address.toString());
    url.setPort(port);
    return url;
}

} // namespace

TrackerHost::TrackerHost(Options options, QObject* parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    if (m_options.secret.isEmpty()) {
        QByteArray random(32, Qt::Uninitialized);
        QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(random.data()), 8);
        m_options.secret = random.toHex();
    }
}

TrackerHost::~TrackerHost()
{
    stop();
}

Result<void> TrackerHost::start()
{
    TrackerOptions main = m_options.tracker;
    main.role = QStringLiteral("main");
    main.port = m_options.mainPort;
    main.database = m_options.mainDatabase;
    main.sqlitePath = QDir(m_options.dataDir).filePath(QStringLiteral("tracker-main.db"));
    main.haSecret = m_options.secret;
    // The proxy forwards clients' addresses; the trackers trust it (it runs here).
    main.trustedProxies.append(
        {main.address, main.address.protocol() == QAbstractSocket::IPv6Protocol ? 128 : 32});
    m_main = std::make_unique<Tracker>(main);
    if (Result<void> started = m_main->start(); !started)
        return started;

    TrackerOptions backup = main;
    backup.role = QStringLiteral("backup");
    backup.port = m_options.backupPort;
    backup.database.clear(); // its own SQLite file: a second copy is the point
    backup.sqlitePath = QDir(m_options.dataDir).filePath(QStringLiteral("tracker-backup.db"));
    backup.primary = urlOf(main.address, m_main->port());
    m_backup = std::make_unique<Tracker>(backup);
    if (Result<void> started = m_backup->start(); !started) {
        m_main.reset();
        return started;
    }

    Proxy::Options proxy;
    proxy.address = main.address;
    proxy.port = m_options.proxyPort;
    proxy.mainUrl = mainUrl();
    proxy.backupUrl = backupUrl();
    proxy.secret = m_options.secret;
    m_proxy = std::make_unique<Proxy>(proxy);
    if (!m_proxy->start()) {
        const QString error = m_proxy->errorString();
        m_proxy.reset();
        m_backup.reset();
        m_main.reset();
        return makeError(error);
    }
    m_running = true;
    m_poll = new QTimer(this);
    connect(m_poll, &QTimer::timeout, this, &TrackerHost::poll);
    connect(m_proxy.get(), &Proxy::stateChanged, this, &TrackerHost::poll);
    m_poll->start(1000);
    return {};
}

void TrackerHost::stop()
{
    if (!m_running)
        return;
    m_running = false;
    delete m_poll;
    m_poll = nullptr;
    m_proxy.reset();
    m_backup.reset();
    m_main.reset();
}

QUrl TrackerHost::proxyUrl() const
{
    return m_proxy ? urlOf(m_proxy->address(), m_proxy->port()) : QUrl();
}

QUrl TrackerHost::mainUrl() const
{
    return m_main ? urlOf(m_main->address(), m_main->port()) : QUrl();
}

QUrl TrackerHost::backupUrl() const
{
    return m_backup ? urlOf(m_backup->address(), m_backup->port()) : QUrl();
}

TrackerHost::State TrackerHost::state() const
{
    State state;
    if (!m_running)
        return state;
    const Proxy::Snapshot proxy = m_proxy->snapshot();
    state.active =
        proxy.active == Proxy::Which::Main ? QStringLiteral("main") : QStringLiteral("backup");
    state.switches = int(proxy.switchCount);
    state.mainState = m_main->haStateName();
    state.backupState = m_backup->haStateName();
    const Tracker& active = proxy.active == Proxy::Which::Main ? *m_main : *m_backup;
    state.epoch = active.changeLog().epoch();
    state.seq = active.changeLog().seq();
    state.peers = active.registry().peerCount();
    state.files = active.registry().fileCount();
    if (const ReplicationClient* follower = m_backup->follower())
        state.backupLagMs = follower->lagMs();
    return state;
}

void TrackerHost::poll()
{
    const State now = state();
    if (now == m_last)
        return;
    m_last = now;
    Q_EMIT stateChanged();
}

} // namespace swarmshare::tracker::ha

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"
#include "tracker/trackeroptions.h"

#include <QObject>
#include <QUrl>

#include <memory>

namespace swarmshare::tracker {
class Tracker;
}

namespace swarmshare::tracker::ha {

class Proxy;

// "Host tracker" mode (DESIGN.md section 4): main, backup and failover proxy in one process, each
// on its own port, for the desktop app and `swarmshare --tracker --role all`. Clients use the
// proxy's address. Everything runs on the thread that owns the host. For real deployments each
// role runs as its own process; in one process the backup guards against a main that fails on
// its own (its database, a bug that stops it), not against the machine going down.
class TrackerHost : public QObject {
    Q_OBJECT

public:
    struct Options {
        TrackerOptions tracker; // common settings; address, role, port, database are set per role
        quint16 mainPort = 7070;
        quint16 backupPort = 7071;
        quint16 proxyPort = 7000;
        QString mainDatabase; // "" = SQLite in dataDir
        QString dataDir;      // SQLite files of main and backup
        QByteArray secret;    // "" = a random one for this run
    };

    // What the Tracker view shows.
    struct State {
        QString active;    // "main" or "backup"
        QString mainState; // active, standby, catching_up, fenced
        QString backupState;
        qint64 epoch = 0;
        qint64 seq = 0;
        qint64 backupLagMs = -1;
        int peers = 0;
        int files = 0;
        int switches = 0;

        friend bool operator==(const State&, const State&) = default;
    };

    explicit TrackerHost(Options options, QObject* parent = nullptr);
    ~TrackerHost() override;

    Result<void> start();
    void stop();
    bool isRunning() const { return m_running; }

    QUrl proxyUrl() const;
    QUrl mainUrl() const;
    QUrl backupUrl() const;
    State state() const;

    Tracker* main() const { return m_main.get(); }
    Tracker* backup() const { return m_backup.get(); }
    Proxy* proxy() const { return m_proxy.get(); }

Q_SIGNALS:
    // Which role is active, a state, the lag or the counts changed (checked every second).
    void stateChanged();

private:
    void poll();

    Options m_options;
    std::unique_ptr<Tracker> m_main;
    std::unique_ptr<Tracker> m_backup;
    std::unique_ptr<Proxy> m_proxy;
    QTimer* m_poll = nullptr;
    bool m_running = false;
    State m_last;
};

} // namespace swarmshare::tracker::ha

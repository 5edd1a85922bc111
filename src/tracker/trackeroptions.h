// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker/http/httpserver.h"

#include <QHostAddress>
#include <QList>
#include <QString>
#include <QUrl>

#include <utility>

namespace swarmshare::tracker {

struct TrackerOptions {
    QString role = QStringLiteral("main");
    QHostAddress address = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 7070;
    QString database;   // --db URL; "" = SQLite file `sqlitePath`
    QString sqlitePath; // default database file
    int heartbeatIntervalSec = 30;
    int leaseTtlSec = 120;
    http::Limits httpLimits;
    QList<std::pair<QHostAddress, int>> trustedProxies; // subnets allowed to set X-Forwarded-For
    double requestsPerSecondPerAddress = 2000;          // 0 = no limit
    int passwordIterations = 100'000;
    bool announcePasskeys = false;
    QString passkeySecretPath; // 32 random bytes, made on first start (0600)

    // High availability (docs/ha.md). The secret is shared by main, backup and proxy: it lets
    // a backup follow /replicate and the proxy call /ha/*; empty = neither is served.
    QByteArray haSecret;
    QUrl primary; // role "backup": the tracker to follow from the start
    qsizetype changeLogEntries = 1'000'000;
    qint64 changeLogBytes = 64 * 1024 * 1024;
};

} // namespace swarmshare::tracker

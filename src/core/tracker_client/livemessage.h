// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QList>
#include <QString>

#include <variant>

namespace swarmshare::trackerclient {

// The messages of the tracker's /live WebSocket feed (docs/tracker-api.md), decoded. Pure
// functions, unit tested byte by byte; LiveFeed only adds the socket.

struct PeerJoined {
    QByteArray peerId; // 20 bytes
    QHostAddress address;
    quint16 port = 0;
};

struct PeerLeft {
    QByteArray peerId;
};

struct FileAdded {
    QByteArray infoHash;
    QString name;
    qint64 size = 0;
};

// Seeders, leechers and, per piece, how many online peers hold it (the swarm-wide rarity map).
struct SwarmUpdate {
    QByteArray infoHash;
    int seeders = 0;
    int leechers = 0;
    QList<int> availability;
};

using LiveMessage = std::variant<PeerJoined, PeerLeft, FileAdded, SwarmUpdate>;

// One text message of the feed. Errors: "invalid_response" (not the documented shape),
// "unknown_type" (a type this client does not know: ignore it, newer trackers may add some).
// `maxPieces` bounds the decoded availability.
Result<LiveMessage> parseLiveMessage(QByteArrayView json, int maxPieces);

// [[count, run], ...] -> one count per piece: [[3,2],[1,1]] -> [3,3,1]. Counts are >= 0, runs
// >= 1, and the total stays within `maxPieces`.
Result<QList<int>> decodeRunLengths(const QJsonArray& runs, int maxPieces);

// {"subscribe":[HEX,...]} or {"unsubscribe":[...]}.
QByteArray subscriptionMessage(const QList<QByteArray>& infoHashes, bool subscribe);

} // namespace swarmshare::trackerclient

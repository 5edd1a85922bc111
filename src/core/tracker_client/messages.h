// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDateTime>
#include <QHostAddress>
#include <QList>
#include <QString>

namespace swarmshare::trackerclient {

// The request and answer bodies of the tracker's JSON API (docs/tracker-api.md), as typed
// structs, and their encoding. Pure functions: no sockets, so every rule is unit tested.
// Hashes and peer ids are raw 20-byte arrays here and 40 hex digits on the wire.

// Bounds on what the client reads from a tracker: a misbehaving or hostile tracker must not
// make it buffer without limit.
inline constexpr qint64 kMaxJsonBytes = 4 * 1024 * 1024;
inline constexpr qint64 kMaxMetainfoBytes = 16 * 1024 * 1024;

// Error codes the client itself produces (the tracker's own codes pass through unchanged).
namespace errorcode {
inline constexpr char16_t kUnavailable[] = u"unavailable";          // unreachable, timeout, 5xx
inline constexpr char16_t kInvalidResponse[] = u"invalid_response"; // not the documented shape
inline constexpr char16_t kTooLarge[] = u"too_large";               // answer over our bound
inline constexpr char16_t kUnauthenticated[] = u"unauthenticated";
inline constexpr char16_t kUnknownPeer[] = u"unknown_peer";
inline constexpr char16_t kRateLimited[] = u"rate_limited";
} // namespace errorcode

struct Session {
    QByteArray token; // sent as "Authorization: Bearer <token>"
    QDateTime expiresAt;
    QString username;
};

// One entry of /register's `files`.
struct SharedFile {
    QByteArray infoHash; // 20 bytes
    QString name;
    qint64 size = 0;
    qint64 pieceLength = 0;
    int pieceCount = 0;
    bool complete = false;
    QByteArray have;     // wire bitfield of the pieces held when !complete; empty: none yet
    QByteArray metainfo; // the .torrent to publish with it; empty: none
};

struct PeerRegistration {
    QByteArray peerId; // 20 bytes
    quint16 port = 0;
    int uploadSlots = 4;
    QList<SharedFile> files;
};

struct RegisterResult {
    int heartbeatIntervalSec = 0;
    int leaseTtlSec = 0;
};

struct HeartbeatRequest {
    QByteArray peerId;
    QList<QByteArray> nowComplete; // info-hashes finished since the last heartbeat
    qint64 uploaded = 0;
    qint64 downloaded = 0;
};

struct HeartbeatResult {
    int heartbeatIntervalSec = 0;
};

struct FileInfo {
    QByteArray infoHash;
    QString name;
    qint64 size = 0;
    qint64 pieceLength = 0;
    int pieceCount = 0;
};

struct IdlePeer {
    QByteArray peerId;
    QHostAddress address;
    quint16 port = 0;
    quint64 leaseId = 0;
    bool complete = true;
};

struct IdlePeers {
    FileInfo file;
    QList<IdlePeer> peers;
};

struct CompleteTransferRequest {
    QByteArray peerId;
    QByteArray infoHash;
    QList<quint64> leaseIds;
    qint64 bytes = 0;
};

struct SearchQuery {
    QString text;
    int limit = 50;
    int offset = 0;
};

struct FileSummary {
    QByteArray infoHash;
    QString name;
    qint64 size = 0;
    int seeders = 0;
    int leechers = 0;
};

struct FileDetails {
    FileInfo file;
    int seeders = 0;
    int leechers = 0;
    qint64 completed = 0;
    bool hasMetainfo = false;
    QDateTime addedAt;
};

struct Health {
    QString role;
    QString state;
    qint64 epoch = 0;
    qint64 seq = 0;
    QString store;
    int peers = 0;
    int files = 0;
    QDateTime startedAt;
};

// Request bodies (compact JSON).
QByteArray encodeCredentials(const QString& username, const QString& password);
QByteArray encodeRegistration(const PeerRegistration& registration);
QByteArray encodeHeartbeat(const HeartbeatRequest& request);
QByteArray encodeIdlePeersRequest(const QByteArray& peerId, const QByteArray& infoHash, int n);
QByteArray encodeCompleteTransfer(const CompleteTransferRequest& request);

// Answer bodies. Anything not in the documented shape is an "invalid_response" error.
Result<Session> decodeSession(const QByteArray& body);
Result<QString> decodeAccount(const QByteArray& body); // the username /auth/register confirms
Result<RegisterResult> decodeRegisterResult(const QByteArray& body);
Result<HeartbeatResult> decodeHeartbeatResult(const QByteArray& body);
Result<IdlePeers> decodeIdlePeers(const QByteArray& body);
Result<int> decodeReleased(const QByteArray& body);
Result<QList<FileSummary>> decodeSearchResults(const QByteArray& body);
Result<FileDetails> decodeFileDetails(const QByteArray& body);
Result<Health> decodeHealth(const QByteArray& body);

// The Error for a non-2xx answer: the tracker's {"error":{code,message}} when the body has
// it, otherwise a code that fits the status.
Error decodeError(int status, const QByteArray& body);
// The code the API gives a status when the body does not say (400 -> invalid_argument, ...).
QString codeForStatus(int status);

} // namespace swarmshare::trackerclient

// SPDX-License-Identifier: GPL-3.0-or-later
// The seed's peer endpoints: /register, /heartbeat, /get_n_file_idle_peers, /complete_transfer.
#include "torrent/metainfo.h"
#include "tracker/apimodule.h"
#include "tracker/jsonbody.h"
#include "tracker/livefeed.h"

#include <QDateTime>

namespace swarmshare::tracker {

namespace {

constexpr qsizetype kMaxFilesPerRequest = 10'000;
constexpr qint64 kMaxSize = qint64(1) << 50;
constexpr qint64 kMinPiece = 16 * 1024;
constexpr qint64 kMaxPiece = 64 * 1024 * 1024;
// Base64 inside a body of at most 1 MiB: a .torrent up to 700 KiB fits with room for the rest.
constexpr qsizetype kMaxMetainfo = 700 * 1024;

// One entry of /register's `files`, checked for consistency.
SwarmRegistry::Holding readHolding(const JsonBody& file, QByteArray* metainfo)
{
    SwarmRegistry::Holding holding;
    SwarmRegistry::FileInfo& info = holding.file;
    info.infoHash = file.hash(QStringLiteral("info_hash"));
    info.name = file.string(QStringLiteral("name"), 1024);
    info.size = file.integer(QStringLiteral("size"), 1, kMaxSize);
    info.pieceLength = file.integer(QStringLiteral("piece_length"), kMinPiece, kMaxPiece);
    if (info.pieceLength & (info.pieceLength - 1))
        throw ApiError::invalidArgument(QStringLiteral("piece_length must be a power of two"));
    const qint64 expectedPieces = (info.size + info.pieceLength - 1) / info.pieceLength;
    info.pieceCount = int(file.integer(QStringLiteral("piece_count"), 1, 1 << 30));
    if (info.pieceCount != expectedPieces)
        throw ApiError::invalidArgument(QStringLiteral("piece_count %1 does not fit size and "
                                                       "piece_length (expected %2)")
                                            .arg(info.pieceCount)
                                            .arg(expectedPieces));
    holding.complete = file.boolean(QStringLiteral("complete"), false);
    if (!holding.complete && file.has(QStringLiteral("have"))) {
        const qsizetype bytes = (info.pieceCount + 7) / 8;
        holding.have = file.base64(QStringLiteral("have"), bytes);
        const int spare = int(bytes * 8 - info.pieceCount);
        if (holding.have.size() != bytes ||
            (spare > 0 && (holding.have.back() & ((1 << spare) - 1)) != 0))
            throw ApiError::invalidArgument(QStringLiteral("have must be a bitfield of %1 pieces "
                                                           "(%2 bytes, spare bits zero)")
                                                .arg(info.pieceCount)
                                                .arg(bytes));
    }
    if (file.has(QStringLiteral("metainfo"))) {
        *metainfo = file.base64(QStringLiteral("metainfo"), kMaxMetainfo);
        const Result<torrent::Metainfo> parsed = torrent::Metainfo::parse(*metainfo);
        if (!parsed)
            throw ApiError::invalidArgument(QStringLiteral("metainfo: ") + parsed.error().message);
        if (parsed->infoHash() != info.infoHash || parsed->totalLength() != info.size ||
            parsed->pieceLength() != info.pieceLength)
            throw ApiError::invalidArgument(
                QStringLiteral("metainfo does not match info_hash, size and piece_length"));
    }
    return holding;
}

QJsonObject fileJson(const SwarmRegistry::FileInfo& info)
{
    return {{QStringLiteral("info_hash"), hex(info.infoHash)},
            {QStringLiteral("name"), info.name},
            {QStringLiteral("size"), info.size},
            {QStringLiteral("piece_length"), info.pieceLength},
            {QStringLiteral("piece_count"), info.pieceCount}};
}

} // namespace

bool PeerApi::handle(const http::Request& request, const http::Responder& responder)
{
    using Handler = http::Response (PeerApi::*)(const http::Request&);
    static const std::pair<QByteArrayView, Handler> routes[] = {
        {"/register", &PeerApi::registerPeer},
        {"/heartbeat", &PeerApi::heartbeat},
        {"/get_n_file_idle_peers", &PeerApi::idlePeers},
        {"/complete_transfer", &PeerApi::completeTransfer},
    };
    for (const auto& [path, handler] : routes) {
        if (request.path == path) {
            requireMethod(request, "POST");
            responder.send((this->*handler)(request));
            return true;
        }
    }
    return false;
}

void PeerApi::requireOwner(const QByteArray& peerId, qint64 account) const
{
    const std::optional<qint64> owner = m_context.registry.accountOf(peerId);
    if (owner && *owner != account)
        throw ApiError::forbidden(QStringLiteral("this peer_id belongs to another account"));
}

http::Response PeerApi::registerPeer(const http::Request& request)
{
    const qint64 account = m_context.requireAccount(request);
    const JsonBody body = JsonBody::parse(request.body);
    SwarmRegistry::PeerInfo peer;
    peer.peerId = body.hash(QStringLiteral("peer_id"));
    peer.port = quint16(body.integer(QStringLiteral("port"), 1, 65535));
    peer.uploadSlots = int(body.integer(QStringLiteral("upload_slots"), 1, 1000, 4));
    peer.address = m_context.clientAddress(request);
    peer.accountId = account;
    requireOwner(peer.peerId, account);

    const QJsonArray files = body.array(QStringLiteral("files"), kMaxFilesPerRequest);
    QList<SwarmRegistry::Holding> holdings;
    QHash<QByteArray, QByteArray> metainfos;
    holdings.reserve(files.size());
    for (qsizetype i = 0; i < files.size(); ++i) {
        QByteArray metainfo;
        holdings << readHolding(body.element(files, i, QStringLiteral("files")), &metainfo);
        if (!metainfo.isEmpty())
            metainfos.insert(holdings.constLast().file.infoHash, metainfo);
    }

    const QList<SwarmRegistry::FileInfo> added =
        m_context.registry.registerPeer(peer, holdings, m_context.now());
    // The store learns files the registry did not know, and every uploaded .torrent.
    QSet<QByteArray> toStore(metainfos.keyBegin(), metainfos.keyEnd());
    for (const SwarmRegistry::FileInfo& info : added)
        toStore.insert(info.infoHash);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const SwarmRegistry::Holding& holding : std::as_const(holdings)) {
        const SwarmRegistry::FileInfo& info = holding.file;
        if (!toStore.remove(info.infoHash))
            continue;
        FileRecord record{info.infoHash,   info.name,
                          info.size,       info.pieceLength,
                          info.pieceCount, metainfos.value(info.infoHash),
                          account,         now};
        Result<bool> stored = m_context.store.upsertFile(record);
        if (!stored)
            TrackerContext::raise(stored.error());
        if (*stored)
            m_context.feed.fileAdded(info);
    }
    return jsonResponse(
        200, QJsonObject{
                 {QStringLiteral("heartbeat_interval"), m_context.options.heartbeatIntervalSec},
                 {QStringLiteral("lease_ttl"), m_context.options.leaseTtlSec},
             });
}

http::Response PeerApi::heartbeat(const http::Request& request)
{
    const qint64 account = m_context.requireAccount(request);
    const JsonBody body = JsonBody::parse(request.body);
    const QByteArray peerId = body.hash(QStringLiteral("peer_id"));
    QList<QByteArray> complete;
    if (body.has(QStringLiteral("have_changes"))) {
        const QJsonArray changes = body.array(QStringLiteral("have_changes"), kMaxFilesPerRequest);
        for (qsizetype i = 0; i < changes.size(); ++i)
            complete << body.hashAt(changes, i, QStringLiteral("have_changes"));
    }
    body.integer(QStringLiteral("uploaded"), 0, kMaxSize * 1024, 0);
    body.integer(QStringLiteral("downloaded"), 0, kMaxSize * 1024, 0);
    requireOwner(peerId, account);
    if (Result<void> done = m_context.registry.heartbeat(peerId, complete, m_context.now()); !done)
        TrackerContext::raise(done.error());
    return jsonResponse(200, QJsonObject{{QStringLiteral("heartbeat_interval"),
                                          m_context.options.heartbeatIntervalSec}});
}

http::Response PeerApi::idlePeers(const http::Request& request)
{
    const qint64 account = m_context.requireAccount(request);
    const JsonBody body = JsonBody::parse(request.body);
    const QByteArray peerId = body.hash(QStringLiteral("peer_id"));
    const QByteArray infoHash = body.hash(QStringLiteral("info_hash"));
    const int n = int(body.integer(QStringLiteral("n"), 1, 200));
    requireOwner(peerId, account);
    Result<QList<SwarmRegistry::Grant>> grants =
        m_context.registry.leaseIdlePeers(peerId, infoHash, n, m_context.now());
    if (!grants)
        TrackerContext::raise(grants.error());
    QJsonArray peers;
    for (const SwarmRegistry::Grant& grant : *grants) {
        peers.append(QJsonObject{{QStringLiteral("peer_id"), hex(grant.peerId)},
                                 {QStringLiteral("ip"), grant.address.toString()},
                                 {QStringLiteral("port"), grant.port},
                                 {QStringLiteral("lease_id"), qint64(grant.leaseId)},
                                 {QStringLiteral("complete"), grant.complete}});
    }
    const SwarmRegistry::FileInfo info = m_context.registry.fileInfo(infoHash).value_or(
        SwarmRegistry::FileInfo{infoHash, {}, 0, 0, 0});
    return jsonResponse(200, QJsonObject{{QStringLiteral("file"), fileJson(info)},
                                         {QStringLiteral("peers"), peers}});
}

http::Response PeerApi::completeTransfer(const http::Request& request)
{
    const qint64 account = m_context.requireAccount(request);
    const JsonBody body = JsonBody::parse(request.body);
    const QByteArray peerId = body.hash(QStringLiteral("peer_id"));
    const QByteArray infoHash = body.hash(QStringLiteral("info_hash"));
    const QJsonArray ids = body.array(QStringLiteral("lease_ids"), 1000);
    QList<quint64> leaseIds;
    for (qsizetype i = 0; i < ids.size(); ++i) {
        const double id = ids[i].toDouble(-1);
        if (!ids[i].isDouble() || id < 1 || id > 9.0e15 || qint64(id) != id)
            throw ApiError::invalidArgument(
                QStringLiteral("lease_ids[%1]: expected a positive integer").arg(i));
        leaseIds << quint64(id);
    }
    body.integer(QStringLiteral("bytes"), 0, kMaxSize, 0);
    requireOwner(peerId, account);
    Result<int> released =
        m_context.registry.completeTransfer(peerId, infoHash, leaseIds, m_context.now());
    if (!released)
        TrackerContext::raise(released.error());
    return jsonResponse(200, QJsonObject{{QStringLiteral("released"), *released}});
}

} // namespace swarmshare::tracker

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/ha/statecodec.h"

#include "common/jsonreader.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QTimeZone>

namespace swarmshare::tracker::ha {

namespace {

QString hex(const QByteArray& bytes)
{
    return QString::fromLatin1(bytes.toHex());
}

QString base64(const QByteArray& bytes)
{
    return QString::fromLatin1(bytes.toBase64());
}

qint64 msOf(const QDateTime& time)
{
    return time.isValid() ? time.toMSecsSinceEpoch() : 0;
}

// The strict field reader with replication's shapes (hex ids, base64 bytes, times in ms) and
// its error: a malformed delta stops replication with a message naming the object and field.
class Reader : public JsonReader {
public:
    Reader(const QJsonObject& json, const char* what)
        : JsonReader(json)
        , m_what(what)
    {}

    qint64 integer(const char* key, qint64 minimum = 0)
    {
        return JsonReader::integer(QLatin1String(key), minimum);
    }
    QString string(const char* key) { return JsonReader::string(QLatin1String(key)); }
    bool boolean(const char* key) { return JsonReader::boolean(QLatin1String(key)); }
    QByteArray hexBytes(const char* key, int size) { return hex(QLatin1String(key), size); }
    QByteArray base64Bytes(const char* key) { return base64(QLatin1String(key)); }
    QDateTime time(const char* key) { return msTime(QLatin1String(key)); }
    QJsonArray array(const char* key) { return JsonReader::array(QLatin1String(key)); }
    QJsonObject object(const char* key) { return JsonReader::object(QLatin1String(key)); }
    template<typename T>
    Result<T> done(T value) const
    {
        if (failed())
            return makeCodedError(
                QStringLiteral("invalid_argument"),
                QStringLiteral("replication: %1: %2").arg(QLatin1String(m_what), problem()));
        return value;
    }

private:
    const char* m_what;
};

QJsonObject fileInfoJson(const SwarmRegistry::FileInfo& info)
{
    return {{QStringLiteral("h"), hex(info.infoHash)},
            {QStringLiteral("n"), info.name},
            {QStringLiteral("s"), info.size},
            {QStringLiteral("pl"), info.pieceLength},
            {QStringLiteral("pc"), info.pieceCount}};
}

Result<SwarmRegistry::FileInfo> fileInfoFromJson(const QJsonObject& json)
{
    Reader r(json, "a file");
    SwarmRegistry::FileInfo info;
    info.infoHash = r.hexBytes("h", 20);
    info.name = r.string("n");
    info.size = r.integer("s");
    info.pieceLength = r.integer("pl");
    info.pieceCount = int(r.integer("pc"));
    return r.done(info);
}

template<typename T, typename Decode>
Result<QList<T>> listFromJson(const QJsonArray& array, Decode decode)
{
    QList<T> out;
    out.reserve(array.size());
    for (const QJsonValue& value : array) {
        Result<T> item = decode(value.toObject());
        if (!item)
            return item.error();
        out.append(std::move(*item));
    }
    return out;
}

template<typename T>
QJsonArray listToJson(const QList<T>& items)
{
    QJsonArray array;
    for (const T& item : items)
        array.append(toJson(item));
    return array;
}

} // namespace

QJsonObject toJson(const Account& account)
{
    return {{QStringLiteral("t"), QString::fromUtf16(delta::kAccount)},
            {QStringLiteral("id"), account.id},
            {QStringLiteral("u"), account.username},
            {QStringLiteral("ph"), base64(account.passwordHash)},
            {QStringLiteral("salt"), base64(account.salt)},
            {QStringLiteral("it"), account.iterations},
            {QStringLiteral("at"), msOf(account.createdAt)}};
}

Result<Account> accountFromJson(const QJsonObject& json)
{
    Reader r(json, "an account");
    Account account;
    account.id = r.integer("id");
    account.username = r.string("u");
    account.passwordHash = r.base64Bytes("ph");
    account.salt = r.base64Bytes("salt");
    account.iterations = int(r.integer("it"));
    account.createdAt = r.time("at");
    return r.done(account);
}

QJsonObject toJson(const TokenRecord& token)
{
    return {{QStringLiteral("t"), QString::fromUtf16(delta::kToken)},
            {QStringLiteral("h"), hex(token.tokenHash)},
            {QStringLiteral("a"), token.accountId},
            {QStringLiteral("at"), msOf(token.createdAt)},
            {QStringLiteral("exp"), msOf(token.expiresAt)}};
}

Result<TokenRecord> tokenFromJson(const QJsonObject& json)
{
    Reader r(json, "a token");
    TokenRecord token;
    token.tokenHash = r.hexBytes("h", 32);
    token.accountId = r.integer("a");
    token.createdAt = r.time("at");
    token.expiresAt = r.time("exp");
    return r.done(token);
}

QJsonObject toJson(const FileRecord& file)
{
    return {{QStringLiteral("t"), QString::fromUtf16(delta::kFile)},
            {QStringLiteral("h"), hex(file.infoHash)},
            {QStringLiteral("n"), file.name},
            {QStringLiteral("s"), file.size},
            {QStringLiteral("pl"), file.pieceLength},
            {QStringLiteral("pc"), file.pieceCount},
            {QStringLiteral("m"), base64(file.metainfo)},
            {QStringLiteral("by"), file.addedBy},
            {QStringLiteral("at"), msOf(file.addedAt)}};
}

Result<FileRecord> fileFromJson(const QJsonObject& json)
{
    Reader r(json, "a file record");
    FileRecord file;
    file.infoHash = r.hexBytes("h", 20);
    file.name = r.string("n");
    file.size = r.integer("s");
    file.pieceLength = r.integer("pl");
    file.pieceCount = int(r.integer("pc"));
    file.metainfo = r.base64Bytes("m");
    file.addedBy = r.integer("by");
    file.addedAt = r.time("at");
    return r.done(file);
}

QJsonObject toJson(const SwarmRegistry::PeerState& peer)
{
    QJsonArray holdings;
    for (const SwarmRegistry::Holding& holding : peer.holdings) {
        holdings.append(QJsonObject{{QStringLiteral("f"), fileInfoJson(holding.file)},
                                    {QStringLiteral("c"), holding.complete},
                                    {QStringLiteral("have"), base64(holding.have)}});
    }
    return {{QStringLiteral("t"), QString::fromUtf16(delta::kPeer)},
            {QStringLiteral("id"), hex(peer.info.peerId)},
            {QStringLiteral("ip"), peer.info.address.toString()},
            {QStringLiteral("port"), peer.info.port},
            {QStringLiteral("slots"), peer.info.uploadSlots},
            {QStringLiteral("a"), peer.info.accountId},
            {QStringLiteral("idle"), peer.idleMs},
            {QStringLiteral("files"), holdings}};
}

Result<SwarmRegistry::PeerState> peerFromJson(const QJsonObject& json)
{
    Reader r(json, "a peer");
    SwarmRegistry::PeerState peer;
    peer.info.peerId = r.hexBytes("id", 20);
    const QString address = r.string("ip");
    peer.info.port = quint16(r.integer("port"));
    peer.info.uploadSlots = int(r.integer("slots"));
    peer.info.accountId = r.integer("a");
    peer.idleMs = r.integer("idle");
    for (const QJsonValue& value : r.array("files")) {
        const QJsonObject holdingJson = value.toObject();
        Reader h(holdingJson, "a holding");
        Result<SwarmRegistry::FileInfo> info = fileInfoFromJson(h.object("f"));
        if (!info)
            return info.error();
        SwarmRegistry::Holding holding;
        holding.file = *info;
        holding.complete = h.boolean("c");
        holding.have = h.base64Bytes("have");
        Result<bool> ok = h.done(true);
        if (!ok)
            return ok.error();
        peer.holdings.append(holding);
    }
    if (!peer.info.address.setAddress(address))
        return makeCodedError(QStringLiteral("invalid_argument"),
                              QStringLiteral("replication: a peer has a malformed address"));
    return r.done(peer);
}

QJsonObject toJson(const SwarmRegistry::LeaseState& lease)
{
    return {{QStringLiteral("t"), QString::fromUtf16(delta::kLease)},
            {QStringLiteral("id"), qint64(lease.id)},
            {QStringLiteral("holder"), hex(lease.holderId)},
            {QStringLiteral("asker"), hex(lease.askerId)},
            {QStringLiteral("h"), hex(lease.infoHash)},
            {QStringLiteral("left"), lease.remainingMs}};
}

Result<SwarmRegistry::LeaseState> leaseFromJson(const QJsonObject& json)
{
    Reader r(json, "a lease");
    SwarmRegistry::LeaseState lease;
    lease.id = quint64(r.integer("id"));
    lease.holderId = r.hexBytes("holder", 20);
    lease.askerId = r.hexBytes("asker", 20);
    lease.infoHash = r.hexBytes("h", 20);
    lease.remainingMs = r.integer("left", -(qint64(1) << 53));
    return r.done(lease);
}

QJsonObject toJson(const SwarmRegistry::FileState& file)
{
    QJsonObject json = fileInfoJson(file.info);
    json.insert(QStringLiteral("t"), QString::fromUtf16(delta::kSwarmFile));
    json.insert(QStringLiteral("done"), qint64(file.completed));
    return json;
}

Result<SwarmRegistry::FileState> swarmFileFromJson(const QJsonObject& json)
{
    Result<SwarmRegistry::FileInfo> info = fileInfoFromJson(json);
    if (!info)
        return info.error();
    Reader r(json, "a swarm file");
    SwarmRegistry::FileState file;
    file.info = *info;
    file.completed = quint64(r.integer("done"));
    return r.done(file);
}

Result<QJsonObject> snapshot(Store& store, const SwarmRegistry& registry, qint64 nowMs)
{
    Result<QList<Account>> accounts = store.allAccounts();
    if (!accounts)
        return accounts.error();
    Result<QList<TokenRecord>> tokens = store.allTokens();
    if (!tokens)
        return tokens.error();
    Result<QList<FileRecord>> files = store.allFilesWithMetainfo();
    if (!files)
        return files.error();
    const SwarmRegistry::Snapshot swarm = registry.snapshot(nowMs);
    return QJsonObject{{QStringLiteral("accounts"), listToJson(*accounts)},
                       {QStringLiteral("tokens"), listToJson(*tokens)},
                       {QStringLiteral("files"), listToJson(*files)},
                       {QStringLiteral("swarm"),
                        QJsonObject{{QStringLiteral("files"), listToJson(swarm.files)},
                                    {QStringLiteral("peers"), listToJson(swarm.peers)},
                                    {QStringLiteral("leases"), listToJson(swarm.leases)},
                                    {QStringLiteral("next"), qint64(swarm.nextLeaseId)}}}};
}

Result<void> loadSnapshot(const QJsonObject& json, Store& store, SwarmRegistry& registry,
                          qint64 nowMs)
{
    Reader r(json, "the snapshot");
    auto accounts = listFromJson<Account>(r.array("accounts"), accountFromJson);
    auto tokens = listFromJson<TokenRecord>(r.array("tokens"), tokenFromJson);
    auto files = listFromJson<FileRecord>(r.array("files"), fileFromJson);
    const QJsonObject swarmJson = r.object("swarm");
    Reader s(swarmJson, "the snapshot's swarm");
    SwarmRegistry::Snapshot swarm;
    auto swarmFiles = listFromJson<SwarmRegistry::FileState>(s.array("files"), swarmFileFromJson);
    auto peers = listFromJson<SwarmRegistry::PeerState>(s.array("peers"), peerFromJson);
    auto leases = listFromJson<SwarmRegistry::LeaseState>(s.array("leases"), leaseFromJson);
    swarm.nextLeaseId = quint64(s.integer("next"));
    for (const Error* error :
         {accounts ? nullptr : &accounts.error(), tokens ? nullptr : &tokens.error(),
          files ? nullptr : &files.error(), swarmFiles ? nullptr : &swarmFiles.error(),
          peers ? nullptr : &peers.error(), leases ? nullptr : &leases.error()}) {
        if (error)
            return *error;
    }
    if (Result<bool> ok = r.done(true); !ok)
        return ok.error();
    if (Result<bool> ok = s.done(true); !ok)
        return ok.error();
    swarm.files = *swarmFiles;
    swarm.peers = *peers;
    swarm.leases = *leases;

    if (Result<void> cleared = store.clearAll(); !cleared)
        return cleared;
    for (const Account& account : *accounts) {
        if (Result<void> put = store.putAccount(account); !put)
            return put;
    }
    for (const TokenRecord& token : *tokens) {
        if (Result<void> put = store.putToken(token); !put)
            return put;
    }
    for (const FileRecord& file : *files) {
        if (Result<void> put = store.putFile(file); !put)
            return put;
    }
    registry.restore(swarm, nowMs);
    return {};
}

Result<void> apply(const QJsonObject& json, Store& store, SwarmRegistry& registry, qint64 nowMs)
{
    const QString type = json.value(QStringLiteral("t")).toString();
    if (type == delta::kAccount) {
        Result<Account> account = accountFromJson(json);
        return account ? store.putAccount(*account) : Result<void>(account.error());
    }
    if (type == delta::kToken) {
        Result<TokenRecord> token = tokenFromJson(json);
        return token ? store.putToken(*token) : Result<void>(token.error());
    }
    if (type == delta::kTokenRemoved || type == delta::kTokensExpired) {
        Reader r(json, "a token removal");
        if (type == delta::kTokenRemoved) {
            const QByteArray hash = r.hexBytes("h", 32);
            if (Result<bool> ok = r.done(true); !ok)
                return ok.error();
            return store.deleteToken(hash);
        }
        const QDateTime before = r.time("before");
        if (Result<bool> ok = r.done(true); !ok)
            return ok.error();
        Result<int> deleted = store.deleteExpiredTokens(before);
        return deleted ? Result<void>() : Result<void>(deleted.error());
    }
    if (type == delta::kFile) {
        Result<FileRecord> file = fileFromJson(json);
        return file ? store.putFile(*file) : Result<void>(file.error());
    }
    if (type == delta::kPeer) {
        Result<SwarmRegistry::PeerState> peer = peerFromJson(json);
        if (!peer)
            return peer.error();
        registry.putPeer(*peer, nowMs);
        return {};
    }
    if (type == delta::kLease) {
        Result<SwarmRegistry::LeaseState> lease = leaseFromJson(json);
        if (!lease)
            return lease.error();
        // A lease moves the main's id counter: a promoted backup must not hand out its id again.
        if (const QJsonValue next = json.value(QStringLiteral("next")); next.isDouble())
            registry.setNextLeaseId(quint64(next.toInteger()));
        registry.putLease(*lease, nowMs);
        return {};
    }
    if (type == delta::kSwarmFile) {
        Result<SwarmRegistry::FileState> file = swarmFileFromJson(json);
        if (!file)
            return file.error();
        registry.putFile(*file);
        return {};
    }
    if (type == delta::kPeerRemoved || type == delta::kLeaseRemoved) {
        Reader r(json, "a removal");
        if (type == delta::kPeerRemoved) {
            const QByteArray id = r.hexBytes("id", 20);
            if (Result<bool> ok = r.done(true); !ok)
                return ok.error();
            registry.dropPeer(id);
        } else {
            const quint64 id = quint64(r.integer("id"));
            if (Result<bool> ok = r.done(true); !ok)
                return ok.error();
            registry.dropLease(id);
        }
        return {};
    }
    return makeCodedError(QStringLiteral("invalid_argument"),
                          QStringLiteral("replication: unknown change type \"%1\"").arg(type));
}

} // namespace swarmshare::tracker::ha

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker_client/messages.h"

#include "common/jsonreader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace swarmshare::trackerclient {

namespace {

class Text {
    Q_DECLARE_TR_FUNCTIONS(TrackerClient)
};

QString hex(const QByteArray& bytes)
{
    return QString::fromLatin1(bytes.toHex());
}

QByteArray compact(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

Error invalid(const QString& problem)
{
    return makeCodedError(QString::fromUtf16(errorcode::kInvalidResponse),
                          Text::tr("the tracker sent an unexpected answer: %1").arg(problem));
}

// Reads the fields of one answer object. A missing or mistyped field records the first
// problem and yields a default, so a decoder reads all its fields and checks once at the end.
// The strict field reader, with this API's shapes: 40-hex hashes, ISO times, and the error an
// answer out of shape makes.
class Reader : public JsonReader {
public:
    using JsonReader::JsonReader;
    QByteArray hash(const QString& key) { return hex(key, 20); }
    QDateTime time(const QString& key) { return isoTime(key); }
    Error error() const { return invalid(problem()); }
};

Result<QJsonDocument> parseJson(const QByteArray& body)
{
    QJsonParseError parseError;
    QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return invalid(Text::tr("not JSON (%1)").arg(parseError.errorString()));
    return document;
}

Result<QJsonObject> parseObject(const QByteArray& body)
{
    Result<QJsonDocument> document = parseJson(body);
    if (!document)
        return document.error();
    if (!document->isObject())
        return invalid(Text::tr("expected a JSON object"));
    return document->object();
}

FileInfo readFileInfo(Reader& reader)
{
    FileInfo info;
    info.infoHash = reader.hash(QStringLiteral("info_hash"));
    info.name = reader.string(QStringLiteral("name"));
    info.size = reader.integer(QStringLiteral("size"));
    info.pieceLength = reader.integer(QStringLiteral("piece_length"));
    info.pieceCount = int(qMin<qint64>(reader.integer(QStringLiteral("piece_count")), 1 << 30));
    return info;
}

QJsonObject sharedFileJson(const SharedFile& file)
{
    QJsonObject json{{QStringLiteral("info_hash"), hex(file.infoHash)},
                     {QStringLiteral("name"), file.name},
                     {QStringLiteral("size"), file.size},
                     {QStringLiteral("piece_length"), file.pieceLength},
                     {QStringLiteral("piece_count"), file.pieceCount},
                     {QStringLiteral("complete"), file.complete}};
    if (!file.complete && !file.have.isEmpty())
        json.insert(QStringLiteral("have"), QString::fromLatin1(file.have.toBase64()));
    if (!file.metainfo.isEmpty())
        json.insert(QStringLiteral("metainfo"), QString::fromLatin1(file.metainfo.toBase64()));
    return json;
}

} // namespace

QByteArray encodeCredentials(const QString& username, const QString& password)
{
    return compact(
        {{QStringLiteral("username"), username}, {QStringLiteral("password"), password}});
}

QByteArray encodeRegistration(const PeerRegistration& registration)
{
    QJsonArray files;
    for (const SharedFile& file : registration.files)
        files.append(sharedFileJson(file));
    return compact({{QStringLiteral("peer_id"), hex(registration.peerId)},
                    {QStringLiteral("port"), registration.port},
                    {QStringLiteral("upload_slots"), registration.uploadSlots},
                    {QStringLiteral("files"), files}});
}

QByteArray encodeHeartbeat(const HeartbeatRequest& request)
{
    QJsonObject json{{QStringLiteral("peer_id"), hex(request.peerId)},
                     {QStringLiteral("uploaded"), request.uploaded},
                     {QStringLiteral("downloaded"), request.downloaded}};
    if (!request.nowComplete.isEmpty()) {
        QJsonArray changes;
        for (const QByteArray& hash : request.nowComplete)
            changes.append(hex(hash));
        json.insert(QStringLiteral("have_changes"), changes);
    }
    return compact(json);
}

QByteArray encodeIdlePeersRequest(const QByteArray& peerId, const QByteArray& infoHash, int n)
{
    return compact({{QStringLiteral("peer_id"), hex(peerId)},
                    {QStringLiteral("info_hash"), hex(infoHash)},
                    {QStringLiteral("n"), n}});
}

QByteArray encodeCompleteTransfer(const CompleteTransferRequest& request)
{
    QJsonArray ids;
    for (quint64 id : request.leaseIds)
        ids.append(qint64(id));
    return compact({{QStringLiteral("peer_id"), hex(request.peerId)},
                    {QStringLiteral("info_hash"), hex(request.infoHash)},
                    {QStringLiteral("lease_ids"), ids},
                    {QStringLiteral("bytes"), request.bytes}});
}

Result<Session> decodeSession(const QByteArray& body)
{
    Result<QJsonObject> object = parseObject(body);
    if (!object)
        return object.error();
    Reader reader(*object);
    Session session;
    session.token = reader.string(QStringLiteral("token")).toLatin1();
    session.expiresAt = reader.time(QStringLiteral("expires_at"));
    session.username = reader.string(QStringLiteral("username"));
    if (session.token.isEmpty())
        reader.fail(QStringLiteral("token"));
    if (reader.failed())
        return reader.error();
    return session;
}

Result<QString> decodeAccount(const QByteArray& body)
{
    Result<QJsonObject> object = parseObject(body);
    if (!object)
        return object.error();
    Reader reader(*object);
    const QString username = reader.string(QStringLiteral("username"));
    if (reader.failed())
        return reader.error();
    return username;
}

Result<RegisterResult> decodeRegisterResult(const QByteArray& body)
{
    Result<QJsonObject> object = parseObject(body);
    if (!object)
        return object.error();
    Reader reader(*object);
    RegisterResult result;
    result.heartbeatIntervalSec = int(reader.integer(QStringLiteral("heartbeat_interval"), 1));
    result.leaseTtlSec = int(reader.integer(QStringLiteral("lease_ttl"), 1));
    if (reader.failed())
        return reader.error();
    return result;
}

Result<HeartbeatResult> decodeHeartbeatResult(const QByteArray& body)
{
    Result<QJsonObject> object = parseObject(body);
    if (!object)
        return object.error();
    Reader reader(*object);
    HeartbeatResult result;
    result.heartbeatIntervalSec = int(reader.integer(QStringLiteral("heartbeat_interval"), 1));
    if (reader.failed())
        return reader.error();
    return result;
}

Result<IdlePeers> decodeIdlePeers(const QByteArray& body)
{
    Result<QJsonObject> object = parseObject(body);
    if (!object)
        return object.error();
    Reader reader(*object);
    Reader file(reader.object(QStringLiteral("file")), QStringLiteral("file"));
    IdlePeers result;
    result.file = readFileInfo(file);
    const QJsonArray peers = reader.array(QStringLiteral("peers"));
    for (qsizetype i = 0; i < peers.size() && !reader.failed() && !file.failed(); ++i) {
        Reader peer(peers[i].toObject(), QStringLiteral("peers[%1]").arg(i));
        IdlePeer idle;
        idle.peerId = peer.hash(QStringLiteral("peer_id"));
        idle.address = QHostAddress(peer.string(QStringLiteral("ip")));
        const qint64 port = peer.integer(QStringLiteral("port"), 1);
        idle.leaseId = quint64(peer.integer(QStringLiteral("lease_id"), 1));
        idle.complete = peer.boolean(QStringLiteral("complete"));
        if (port > 65535)
            peer.fail(QStringLiteral("port"));
        if (idle.address.isNull())
            peer.fail(QStringLiteral("ip"));
        if (peer.failed())
            return peer.error();
        idle.port = quint16(port);
        result.peers.append(idle);
    }
    if (reader.failed())
        return reader.error();
    if (file.failed())
        return file.error();
    return result;
}

Result<int> decodeReleased(const QByteArray& body)
{
    Result<QJsonObject> object = parseObject(body);
    if (!object)
        return object.error();
    Reader reader(*object);
    const int released = int(qMin<qint64>(reader.integer(QStringLiteral("released")), 1 << 30));
    if (reader.failed())
        return reader.error();
    return released;
}

Result<QList<FileSummary>> decodeSearchResults(const QByteArray& body)
{
    Result<QJsonDocument> document = parseJson(body);
    if (!document)
        return document.error();
    if (!document->isArray())
        return invalid(Text::tr("expected a JSON array"));
    const QJsonArray items = document->array();
    QList<FileSummary> files;
    files.reserve(items.size());
    for (qsizetype i = 0; i < items.size(); ++i) {
        Reader reader(items[i].toObject(), QStringLiteral("[%1]").arg(i));
        FileSummary file;
        file.infoHash = reader.hash(QStringLiteral("info_hash"));
        file.name = reader.string(QStringLiteral("name"));
        file.size = reader.integer(QStringLiteral("size"));
        file.seeders = int(reader.integer(QStringLiteral("seeders")));
        file.leechers = int(reader.integer(QStringLiteral("leechers")));
        if (reader.failed())
            return reader.error();
        files.append(file);
    }
    return files;
}

Result<FileDetails> decodeFileDetails(const QByteArray& body)
{
    Result<QJsonObject> object = parseObject(body);
    if (!object)
        return object.error();
    Reader reader(*object);
    FileDetails details;
    details.file = readFileInfo(reader);
    details.seeders = int(reader.integer(QStringLiteral("seeders")));
    details.leechers = int(reader.integer(QStringLiteral("leechers")));
    details.completed = reader.integer(QStringLiteral("completed"));
    details.hasMetainfo = reader.boolean(QStringLiteral("has_metainfo"));
    details.addedAt = reader.time(QStringLiteral("added_at"));
    if (reader.failed())
        return reader.error();
    return details;
}

Result<Health> decodeHealth(const QByteArray& body)
{
    Result<QJsonObject> object = parseObject(body);
    if (!object)
        return object.error();
    Reader reader(*object);
    Health health;
    health.role = reader.string(QStringLiteral("role"));
    health.state = reader.string(QStringLiteral("state"));
    health.epoch = reader.integer(QStringLiteral("epoch"));
    health.seq = reader.integer(QStringLiteral("seq"));
    if (reader.failed())
        return reader.error();
    // The rest is informative: a tracker role that leaves it out is still healthy.
    health.store = object->value(QStringLiteral("store")).toString();
    health.peers = object->value(QStringLiteral("peers")).toInt();
    health.files = object->value(QStringLiteral("files")).toInt();
    health.startedAt =
        QDateTime::fromString(object->value(QStringLiteral("started_at")).toString(), Qt::ISODate);
    return health;
}

QString codeForStatus(int status)
{
    switch (status) {
    case 400:
        return QStringLiteral("invalid_argument");
    case 401:
        return QStringLiteral("unauthenticated");
    case 403:
        return QStringLiteral("forbidden");
    case 404:
        return QStringLiteral("not_found");
    case 405:
        return QStringLiteral("method_not_allowed");
    case 409:
        return QStringLiteral("conflict");
    case 413:
    case 431:
        return QStringLiteral("too_large");
    case 429:
        return QStringLiteral("rate_limited");
    default:
        break;
    }
    return status >= 500 ? QString::fromUtf16(errorcode::kUnavailable)
                         : QStringLiteral("http_%1").arg(status);
}

Error decodeError(int status, const QByteArray& body)
{
    const QJsonObject error =
        QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toObject();
    const QString code = error.value(QStringLiteral("code")).toString();
    const QString message = error.value(QStringLiteral("message")).toString();
    if (code.isEmpty())
        return makeCodedError(codeForStatus(status),
                              Text::tr("the tracker answered HTTP %1").arg(status));
    // The tracker's message is English wire text; the code is what callers act on.
    return makeCodedError(code, message.isEmpty() ? code : message);
}

} // namespace swarmshare::trackerclient

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker_client/livemessage.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace swarmshare::trackerclient {

namespace {

class Text {
    Q_DECLARE_TR_FUNCTIONS(LiveFeed)
};

Error invalid(const QString& problem)
{
    return makeCodedError(
        QStringLiteral("invalid_response"),
        Text::tr("the tracker's live feed sent an unexpected message: %1").arg(problem));
}

// A non-negative integer that fits an int, or -1.
qint64 count(const QJsonValue& value)
{
    const double number = value.toDouble(-1);
    if (!value.isDouble() || std::floor(number) != number || number < 0 || number > 2.0e9)
        return -1;
    return qint64(number);
}

QByteArray hash(const QJsonObject& object, const QString& key)
{
    const QString text = object.value(key).toString();
    const QByteArray bytes = QByteArray::fromHex(text.toLatin1());
    if (text.size() != 40 || bytes.size() != 20 ||
        QString::fromLatin1(bytes.toHex()) != text.toLower())
        return {};
    return bytes;
}

Result<LiveMessage> peerJoined(const QJsonObject& object)
{
    PeerJoined event{hash(object, QStringLiteral("peer_id")),
                     QHostAddress(object.value(QStringLiteral("ip")).toString()), 0};
    const qint64 port = count(object.value(QStringLiteral("port")));
    if (event.peerId.isEmpty() || event.address.isNull() || port < 1 || port > 65535)
        return invalid(QStringLiteral("peer_joined"));
    event.port = quint16(port);
    return LiveMessage(event);
}

Result<LiveMessage> peerLeft(const QJsonObject& object)
{
    PeerLeft event{hash(object, QStringLiteral("peer_id"))};
    if (event.peerId.isEmpty())
        return invalid(QStringLiteral("peer_left"));
    return LiveMessage(event);
}

Result<LiveMessage> fileAdded(const QJsonObject& object)
{
    const QJsonValue size = object.value(QStringLiteral("size"));
    FileAdded event{hash(object, QStringLiteral("info_hash")),
                    object.value(QStringLiteral("name")).toString(), qint64(size.toDouble(-1))};
    if (event.infoHash.isEmpty() || !object.value(QStringLiteral("name")).isString() ||
        !size.isDouble() || event.size < 0)
        return invalid(QStringLiteral("file_added"));
    return LiveMessage(event);
}

Result<LiveMessage> swarm(const QJsonObject& object, int maxPieces)
{
    SwarmUpdate update;
    update.infoHash = hash(object, QStringLiteral("info_hash"));
    const qint64 seeders = count(object.value(QStringLiteral("seeders")));
    const qint64 leechers = count(object.value(QStringLiteral("leechers")));
    if (update.infoHash.isEmpty() || seeders < 0 || leechers < 0 ||
        !object.value(QStringLiteral("availability")).isArray())
        return invalid(QStringLiteral("swarm"));
    Result<QList<int>> availability =
        decodeRunLengths(object.value(QStringLiteral("availability")).toArray(), maxPieces);
    if (!availability)
        return availability.error();
    update.seeders = int(seeders);
    update.leechers = int(leechers);
    update.availability = std::move(availability).value();
    return LiveMessage(update);
}

} // namespace

Result<QList<int>> decodeRunLengths(const QJsonArray& runs, int maxPieces)
{
    QList<int> counts;
    for (qsizetype i = 0; i < runs.size(); ++i) {
        const QJsonArray pair = runs[i].toArray();
        const qint64 value = pair.size() == 2 ? count(pair[0]) : -1;
        const qint64 length = pair.size() == 2 ? count(pair[1]) : -1;
        if (value < 0 || length < 1)
            return invalid(QStringLiteral("availability[%1] is not [count, run]").arg(i));
        // Checked before allocating: a run length is the tracker's word, not a size we trust.
        if (length > maxPieces - counts.size())
            return invalid(QStringLiteral("availability has more than %1 pieces").arg(maxPieces));
        counts.insert(counts.size(), length, int(value));
    }
    return counts;
}

Result<LiveMessage> parseLiveMessage(QByteArrayView json, int maxPieces)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return invalid(QStringLiteral("not a JSON object"));
    const QJsonObject object = document.object();
    const QString type = object.value(QStringLiteral("type")).toString();
    if (type == u"peer_joined")
        return peerJoined(object);
    if (type == u"peer_left")
        return peerLeft(object);
    if (type == u"file_added")
        return fileAdded(object);
    if (type == u"swarm")
        return swarm(object, maxPieces);
    return makeCodedError(QStringLiteral("unknown_type"),
                          Text::tr("unknown live feed message type '%1'").arg(type));
}

QByteArray subscriptionMessage(const QList<QByteArray>& infoHashes, bool subscribe)
{
    QJsonArray hashes;
    for (const QByteArray& hash : infoHashes)
        hashes.append(QString::fromLatin1(hash.toHex()));
    const QString key = subscribe ? QStringLiteral("subscribe") : QStringLiteral("unsubscribe");
    return QJsonDocument(QJsonObject{{key, hashes}}).toJson(QJsonDocument::Compact);
}

} // namespace swarmshare::trackerclient

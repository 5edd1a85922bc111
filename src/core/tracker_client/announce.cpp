// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker_client/announce.h"

#include "bencode/decoder.h"
#include "common/netaddress.h"
#include "tracker_client/messages.h"

#include <QCoreApplication>
#include <QSet>
#include <QtEndian>

#include <algorithm>
#include <limits>

namespace swarmshare::trackerclient {

namespace {

class Text {
    Q_DECLARE_TR_FUNCTIONS(Announce)
};

using bencode::Value;

constexpr qsizetype kMaxTrackerIdBytes = 256;
constexpr qsizetype kMaxShownTextChars = 300;

Error invalid(const QString& problem)
{
    return makeCodedError(
        QString::fromUtf16(errorcode::kInvalidResponse),
        Text::tr("the tracker sent an unexpected announce answer: %1").arg(problem));
}

Error wrongType(const char* key)
{
    return invalid(Text::tr("field '%1' has the wrong type").arg(QLatin1String(key)));
}

// Tracker text ends up in logs and in the GUI: one bounded line, no control characters.
QString shownText(const QByteArray& bytes)
{
    QString text = QString::fromUtf8(bytes.left(kMaxShownTextChars * 4)).left(kMaxShownTextChars);
    for (QChar& c : text) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            c = QLatin1Char(' ');
    }
    return text.trimmed();
}

// Addresses no peer can be reached at. Loopback and private ranges stay: local swarms and
// tests use them.
bool usable(const QHostAddress& address)
{
    if (address.isNull() || address.isMulticast() || address.isBroadcast())
        return false;
    if (address.protocol() == QAbstractSocket::IPv4Protocol)
        return address.toIPv4Address() != 0;
    const Q_IPV6ADDR bytes = address.toIPv6Address();
    return std::any_of(std::begin(bytes.c), std::end(bytes.c), [](quint8 b) { return b != 0; });
}

// Collects peers from every form, skipping unusable ones and duplicates, up to the bound.
class PeerCollector {
public:
    void add(const QHostAddress& raw, qint64 port, QByteArray peerId = {})
    {
        if (m_peers.size() >= kMaxAnnouncePeers || port < 1 || port > 65535)
            return;
        const QHostAddress address = plainAddress(raw);
        if (!usable(address))
            return;
        const QString key = address.toString() + QLatin1Char('/') + QString::number(port);
        if (m_seen.contains(key))
            return;
        m_seen.insert(key);
        if (peerId.size() != 20)
            peerId.clear();
        m_peers.append(AnnouncePeer{address, quint16(port), std::move(peerId)});
    }

    QList<AnnouncePeer> take() { return std::move(m_peers); }

private:
    QList<AnnouncePeer> m_peers;
    QSet<QString> m_seen;
};

void readCompact(const QByteArray& bytes, qsizetype stride, PeerCollector& peers)
{
    const auto* data = reinterpret_cast<const uchar*>(bytes.constData());
    for (qsizetype at = 0; at + stride <= bytes.size(); at += stride) {
        QHostAddress address;
        if (stride == 6)
            address.setAddress(qFromBigEndian<quint32>(data + at));
        else
            address.setAddress(data + at);
        peers.add(address, qFromBigEndian<quint16>(data + at + stride - 2));
    }
}

Result<void> readPeerDicts(const Value::List& list, PeerCollector& peers)
{
    for (const Value& entry : list) {
        if (!entry.isDict())
            return invalid(Text::tr("an entry of 'peers' is not a dictionary"));
        const Value* ip = entry.find("ip");
        const Value* port = entry.find("port");
        const Value* peerId = entry.find("peer id");
        if (!ip || !ip->isString())
            return wrongType("ip");
        if (!port || !port->isInteger())
            return wrongType("port");
        if (peerId && !peerId->isString())
            return wrongType("peer id");
        // BEP 3 allows a DNS name here; resolving names a tracker hands out would let it
        // aim our lookups anywhere, so only literal addresses are used.
        const QString text = QString::fromLatin1(ip->toString());
        QHostAddress address;
        if (text.contains(QLatin1Char('%')) || !address.setAddress(text))
            continue;
        peers.add(address, port->toInteger(), peerId ? peerId->toString() : QByteArray());
    }
    return {};
}

Result<int> readInterval(const Value& dict, const char* key, bool& present)
{
    const Value* value = dict.find(key);
    present = value != nullptr;
    if (!value)
        return 0;
    if (!value->isInteger())
        return wrongType(key);
    return int(
        std::clamp<qint64>(value->toInteger(), kMinAnnounceIntervalSec, kMaxAnnounceIntervalSec));
}

Result<int> readCount(const Value& dict, const char* key)
{
    const Value* value = dict.find(key);
    if (!value)
        return -1;
    if (!value->isInteger() || value->toInteger() < 0)
        return wrongType(key);
    return int(qMin<qint64>(value->toInteger(), std::numeric_limits<int>::max()));
}

void appendParameter(QByteArray& query, const char* name, const QByteArray& encodedValue)
{
    if (!query.isEmpty())
        query += '&';
    query += name;
    query += '=';
    query += encodedValue;
}

} // namespace

QByteArray eventName(AnnounceEvent event)
{
    switch (event) {
    case AnnounceEvent::None:
        return {};
    case AnnounceEvent::Started:
        return QByteArrayLiteral("started");
    case AnnounceEvent::Completed:
        return QByteArrayLiteral("completed");
    case AnnounceEvent::Stopped:
        return QByteArrayLiteral("stopped");
    }
    return {};
}

QUrl announceUrl(const QUrl& announce, const AnnounceRequest& request, const QByteArray& trackerId)
{
    QUrl url = announce;
    url.setFragment(QString());
    // Built as encoded text, never through QUrlQuery: the binary info_hash must reach the
    // tracker byte for byte, and QUrlQuery re-decodes and re-encodes values (QT-NOTES.md).
    QByteArray query = url.query(QUrl::FullyEncoded).toLatin1();
    appendParameter(query, "info_hash", request.infoHash.toPercentEncoding());
    appendParameter(query, "peer_id", request.peerId.toPercentEncoding());
    appendParameter(query, "port", QByteArray::number(request.port));
    appendParameter(query, "uploaded", QByteArray::number(qMax<qint64>(0, request.uploaded)));
    appendParameter(query, "downloaded", QByteArray::number(qMax<qint64>(0, request.downloaded)));
    appendParameter(query, "left", QByteArray::number(qMax<qint64>(0, request.left)));
    appendParameter(query, "compact", "1");
    appendParameter(query, "no_peer_id", "1");
    if (request.event != AnnounceEvent::None)
        appendParameter(query, "event", eventName(request.event));
    appendParameter(query, "numwant", QByteArray::number(qMax(0, request.numWant)));
    if (!request.key.isEmpty())
        appendParameter(query, "key", request.key.toPercentEncoding());
    if (!trackerId.isEmpty())
        appendParameter(query, "trackerid", trackerId.toPercentEncoding());
    url.setQuery(QString::fromLatin1(query), QUrl::StrictMode);
    return url;
}

Result<AnnounceResult> decodeAnnounce(QByteArrayView body)
{
    if (body.size() > kMaxAnnounceBodyBytes)
        return makeCodedError(QString::fromUtf16(errorcode::kTooLarge),
                              Text::tr("the tracker's announce answer is larger than %1 bytes")
                                  .arg(kMaxAnnounceBodyBytes));
    bencode::DecodeLimits limits;
    limits.maxInputSize = kMaxAnnounceBodyBytes;
    limits.maxStringLength = kMaxAnnounceBodyBytes;
    limits.maxDepth = 8;
    const Result<Value> decoded = bencode::decode(body, limits);
    if (!decoded)
        return invalid(decoded.error().message);
    const Value& dict = *decoded;
    if (!dict.isDict())
        return invalid(Text::tr("expected a dictionary"));

    if (const Value* failure = dict.find("failure reason")) {
        if (!failure->isString())
            return wrongType("failure reason");
        return makeCodedError(
            QString::fromUtf16(kTrackerFailure),
            Text::tr("the tracker refused the announce: %1").arg(shownText(failure->toString())));
    }

    AnnounceResult result;
    bool present = false;
    const Result<int> interval = readInterval(dict, "interval", present);
    if (!interval)
        return interval.error();
    if (present)
        result.intervalSec = *interval;
    const Result<int> minInterval = readInterval(dict, "min interval", present);
    if (!minInterval)
        return minInterval.error();
    result.minIntervalSec = *minInterval;

    const Result<int> complete = readCount(dict, "complete");
    if (!complete)
        return complete.error();
    result.complete = *complete;
    const Result<int> incomplete = readCount(dict, "incomplete");
    if (!incomplete)
        return incomplete.error();
    result.incomplete = *incomplete;

    if (const Value* warning = dict.find("warning message")) {
        if (!warning->isString())
            return wrongType("warning message");
        result.warning = shownText(warning->toString());
    }
    if (const Value* trackerId = dict.find("tracker id")) {
        if (!trackerId->isString() || trackerId->toString().size() > kMaxTrackerIdBytes)
            return wrongType("tracker id");
        result.trackerId = trackerId->toString();
    }

    PeerCollector peers;
    if (const Value* v4 = dict.find("peers")) {
        if (v4->isString()) {
            if (v4->toString().size() % 6 != 0)
                return invalid(Text::tr("compact 'peers' is not a multiple of 6 bytes long"));
            readCompact(v4->toString(), 6, peers);
        } else if (v4->isList()) {
            if (Result<void> read = readPeerDicts(v4->toList(), peers); !read)
                return read.error();
        } else {
            return wrongType("peers");
        }
    }
    if (const Value* v6 = dict.find("peers6")) {
        if (!v6->isString())
            return wrongType("peers6");
        if (v6->toString().size() % 18 != 0)
            return invalid(Text::tr("'peers6' is not a multiple of 18 bytes long"));
        readCompact(v6->toString(), 18, peers);
    }
    result.peers = peers.take();
    return result;
}

} // namespace swarmshare::trackerclient

// SPDX-License-Identifier: GPL-3.0-or-later
// BEP 3 /announce, BEP 23 compact peers, BEP 7 peers6, BEP 48 /scrape.
#include "tracker/apimodule.h"
#include "tracker/passkeys.h"

#include <QtEndian>

#include <charconv>
#include <cstring>

namespace swarmshare::tracker {

namespace {

constexpr int kDefaultNumWant = 50;
constexpr int kMaxNumWant = 200;
constexpr qsizetype kMaxScrapeHashes = 100;

// Announce errors are bencoded `failure reason`s with status 200: that is what BitTorrent
// clients read and show.
struct Failure {
    QByteArray reason;
};

// Writes bencode into a buffer sized beforehand: QByteArray::append costs ~100 instructions a
// call, and an announce reply is made of ~60 small pieces.
class BencodeWriter {
public:
    explicit BencodeWriter(qsizetype capacity)
        : m_bytes(capacity, Qt::Uninitialized)
    {
        m_at = m_bytes.data();
    }

    void raw(char c) { *m_at++ = c; }
    void raw(QByteArrayView bytes)
    {
        std::memcpy(m_at, bytes.data(), size_t(bytes.size()));
        m_at += bytes.size();
    }
    void number(qint64 value) { m_at = std::to_chars(m_at, m_at + 20, value).ptr; }
    void string(QByteArrayView text)
    {
        number(text.size());
        raw(':');
        raw(text);
    }
    void integer(QByteArrayView key, qint64 value)
    {
        string(key);
        raw('i');
        number(value);
        raw('e');
    }
    // Reserves `length` bytes of a string value and returns where to write them.
    char* stringOf(qsizetype length)
    {
        number(length);
        raw(':');
        char* start = m_at;
        m_at += length;
        return start;
    }
    QByteArray take()
    {
        m_bytes.truncate(m_at - m_bytes.constData());
        return std::move(m_bytes);
    }

private:
    QByteArray m_bytes;
    char* m_at;
};

http::Response bencoded(QByteArray body)
{
    return http::Response::text(200, std::move(body), "text/plain");
}

// The announce parameters, read in one pass over the raw query.
struct AnnounceQuery {
    QByteArray infoHash;
    QByteArray peerId;
    QByteArrayView event;
    qint64 port = -1;
    qint64 left = -1;
    qint64 numWant = kDefaultNumWant;
    bool compact = true;
    bool noPeerId = false;
};

qint64 number(QByteArrayView raw, const char* name)
{
    bool ok = false;
    const qint64 value =
        raw.indexOf('%') < 0 ? raw.toLongLong(&ok) : http::percentDecode(raw, true).toLongLong(&ok);
    if (!ok || value < 0)
        throw Failure{QByteArray("invalid ") + name};
    return value;
}

AnnounceQuery readQuery(const http::Request& request)
{
    AnnounceQuery query;
    request.forEachQueryItem([&query](QByteArrayView key, QByteArrayView value) {
        if (key == "info_hash")
            query.infoHash = http::percentDecode(value, true);
        else if (key == "peer_id")
            query.peerId = http::percentDecode(value, true);
        else if (key == "port")
            query.port = number(value, "port");
        else if (key == "left")
            query.left = number(value, "left");
        else if (key == "numwant")
            query.numWant = number(value, "numwant");
        else if (key == "event")
            query.event = value;
        else if (key == "compact")
            query.compact = value != "0";
        else if (key == "no_peer_id")
            query.noPeerId = value == "1";
    });
    return query;
}

} // namespace

bool AnnounceApi::handle(const http::Request& request, const http::Responder& responder)
{
    // /announce, /announce/PASSKEY, /scrape, /scrape/PASSKEY.
    const QByteArrayView path(request.path);
    const bool isAnnounce = path == "/announce" || path.startsWith("/announce/");
    if (!isAnnounce && path != "/scrape" && !path.startsWith("/scrape/"))
        return false;
    try {
        requireMethod(request, "GET");
        if (m_context.passkeys) {
            const qsizetype slash = path.indexOf('/', 1);
            const QByteArray passkey =
                slash > 0 ? path.sliced(slash + 1).toByteArray() : request.queryValue("passkey");
            if (!m_context.passkeys->accountOf(passkey))
                throw Failure{"this tracker needs your passkey: announce to /announce/PASSKEY "
                              "(log in, then GET /auth/passkey)"};
        }
        responder.send(isAnnounce ? announce(request) : scrape(request));
    } catch (const Failure& failure) {
        BencodeWriter body(64 + failure.reason.size());
        body.raw('d');
        body.string("failure reason");
        body.string(failure.reason);
        body.raw('e');
        responder.send(bencoded(body.take()));
    }
    return true;
}

http::Response AnnounceApi::announce(const http::Request& request)
{
    const AnnounceQuery query = readQuery(request);
    if (query.infoHash.size() != 20)
        throw Failure{"info_hash must be 20 bytes"};
    if (query.peerId.size() != 20)
        throw Failure{"peer_id must be 20 bytes"};
    if (query.port < 1 || query.port > 65535)
        throw Failure{"invalid port"};
    if (query.left < 0)
        throw Failure{"missing left"};
    SwarmRegistry::AnnounceEvent kind = SwarmRegistry::AnnounceEvent::None;
    if (query.event == "started")
        kind = SwarmRegistry::AnnounceEvent::Started;
    else if (query.event == "completed")
        kind = SwarmRegistry::AnnounceEvent::Completed;
    else if (query.event == "stopped")
        kind = SwarmRegistry::AnnounceEvent::Stopped;
    else if (!query.event.isEmpty() && query.event != "empty")
        throw Failure{"unknown event"};

    if (m_context.registry.accountOf(query.peerId).value_or(0) != 0)
        throw Failure{"peer_id is in use by a logged-in peer"};
    const SwarmRegistry::PeerInfo peer{query.peerId, m_context.clientAddress(request),
                                       quint16(query.port), 4, 0};
    const int numWant = int(qMin<qint64>(query.numWant, kMaxNumWant));
    const std::vector<const SwarmRegistry::PeerInfo*> others = m_context.registry.announce(
        peer, query.infoHash, query.left == 0, kind, numWant, m_context.now());
    const SwarmRegistry::FileStats stats = m_context.registry.fileStats(query.infoHash);

    // Compact form (BEP 23; BEP 7 for IPv6): 6 or 18 bytes a peer.
    qsizetype v4Count = 0;
    for (const SwarmRegistry::PeerInfo* other : others)
        v4Count += other->address.protocol() == QAbstractSocket::IPv4Protocol ? 1 : 0;
    const qsizetype v6Count = qsizetype(others.size()) - v4Count;
    qsizetype capacity = 200 + v4Count * 6 + v6Count * 18;
    if (!query.compact) {
        for (const SwarmRegistry::PeerInfo* other : others)
            capacity += 100 + other->peerId.size();
    }
    BencodeWriter body(capacity);
    body.raw('d');
    body.integer("complete", stats.seeders);
    body.integer("incomplete", stats.leechers);
    body.integer("interval", m_context.options.heartbeatIntervalSec);
    body.integer("min interval", qMax(1, m_context.options.heartbeatIntervalSec / 2));
    if (query.compact) {
        body.string("peers");
        uchar* v4 = reinterpret_cast<uchar*>(body.stringOf(v4Count * 6));
        for (const SwarmRegistry::PeerInfo* other : others) {
            if (other->address.protocol() != QAbstractSocket::IPv4Protocol)
                continue;
            qToBigEndian(other->address.toIPv4Address(), v4);
            qToBigEndian(other->port, v4 + 4);
            v4 += 6;
        }
        if (v6Count > 0) {
            body.string("peers6");
            uchar* v6 = reinterpret_cast<uchar*>(body.stringOf(v6Count * 18));
            for (const SwarmRegistry::PeerInfo* other : others) {
                if (other->address.protocol() == QAbstractSocket::IPv4Protocol)
                    continue;
                const Q_IPV6ADDR bytes = other->address.toIPv6Address();
                std::copy(std::begin(bytes.c), std::end(bytes.c), v6);
                qToBigEndian(other->port, v6 + 16);
                v6 += 18;
            }
        }
    } else {
        body.string("peers");
        body.raw('l');
        for (const SwarmRegistry::PeerInfo* other : others) {
            body.raw('d');
            body.string("ip");
            body.string(other->address.toString().toLatin1());
            if (!query.noPeerId) {
                body.string("peer id");
                body.string(other->peerId);
            }
            body.integer("port", other->port);
            body.raw('e');
        }
        body.raw('e');
    }
    body.raw('e');
    return bencoded(body.take());
}

http::Response AnnounceApi::scrape(const http::Request& request)
{
    QList<QByteArray> hashes;
    request.forEachQueryItem([&hashes](QByteArrayView key, QByteArrayView raw) {
        if (key != "info_hash")
            return;
        QByteArray value = http::percentDecode(raw, true);
        if (value.size() != 20)
            throw Failure{"info_hash must be 20 bytes"};
        if (hashes.size() >= kMaxScrapeHashes)
            throw Failure{"too many info_hash values"};
        hashes << value;
    });
    if (hashes.isEmpty())
        throw Failure{"name at least one info_hash: full scrapes are not served"};
    std::sort(hashes.begin(), hashes.end()); // dictionary keys in order
    hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
    BencodeWriter body(16 + hashes.size() * 120);
    body.raw("d5:filesd");
    for (const QByteArray& hash : std::as_const(hashes)) {
        const SwarmRegistry::FileStats stats = m_context.registry.fileStats(hash);
        body.string(hash);
        body.raw('d');
        body.integer("complete", stats.seeders);
        body.integer("downloaded", qint64(stats.completed));
        body.integer("incomplete", stats.leechers);
        body.raw('e');
    }
    body.raw("ee");
    return bencoded(body.take());
}

} // namespace swarmshare::tracker

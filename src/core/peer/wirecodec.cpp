// SPDX-License-Identifier: GPL-3.0-or-later
#include "peer/wirecodec.h"

#include <QtEndian>

#include <algorithm>

namespace swarmshare::peer {

namespace {

enum Id : quint8 {
    kChoke = 0,
    kUnchoke = 1,
    kInterested = 2,
    kNotInterested = 3,
    kHave = 4,
    kBitfield = 5,
    kRequest = 6,
    kPiece = 7,
    kCancel = 8,
    kPort = 9,
};

constexpr qsizetype kPrefixSize = 4;
constexpr qsizetype kHeaderSize = 5; // prefix and id

quint32 readU32(const char* p)
{
    return qFromBigEndian<quint32>(p);
}

void appendU32(QByteArray& out, quint32 value)
{
    char bytes[4];
    qToBigEndian(value, bytes);
    out.append(bytes, 4);
}

void appendHeader(QByteArray& out, quint32 length, quint8 id)
{
    appendU32(out, length);
    out.append(char(id));
}

QString idName(quint8 id)
{
    switch (id) {
    case kChoke:
        return QStringLiteral("choke");
    case kUnchoke:
        return QStringLiteral("unchoke");
    case kInterested:
        return QStringLiteral("interested");
    case kNotInterested:
        return QStringLiteral("not-interested");
    case kHave:
        return QStringLiteral("have");
    case kBitfield:
        return QStringLiteral("bitfield");
    case kRequest:
        return QStringLiteral("request");
    case kPiece:
        return QStringLiteral("piece");
    case kCancel:
        return QStringLiteral("cancel");
    case kPort:
        return QStringLiteral("port");
    default:
        return QStringLiteral("message id %1").arg(id);
    }
}

} // namespace

WireMessage WireMessage::ofType(Type type)
{
    WireMessage message;
    message.type = type;
    message.id = quint8(int(type) - 1); // Choke..Port follow the wire ids, shifted by KeepAlive
    return message;
}

WireMessage WireMessage::have(int index)
{
    WireMessage message = ofType(Type::Have);
    message.index = index;
    return message;
}

WireMessage WireMessage::bitfieldOf(Bitfield bits)
{
    WireMessage message = ofType(Type::Bitfield);
    message.bitfield = std::move(bits);
    return message;
}

WireMessage WireMessage::request(int index, qint64 begin, qint64 length)
{
    WireMessage message = ofType(Type::Request);
    message.index = index;
    message.begin = begin;
    message.length = length;
    return message;
}

WireMessage WireMessage::piece(int index, qint64 begin, QByteArray block)
{
    WireMessage message = ofType(Type::Piece);
    message.index = index;
    message.begin = begin;
    message.payload = std::move(block);
    return message;
}

WireMessage WireMessage::cancel(int index, qint64 begin, qint64 length)
{
    WireMessage message = request(index, begin, length);
    message.type = Type::Cancel;
    message.id = kCancel;
    return message;
}

WireMessage WireMessage::portOf(quint16 port)
{
    WireMessage message = ofType(Type::Port);
    message.port = port;
    return message;
}

qint64 PieceGeometry::pieceSize(int index) const
{
    if (index < 0 || index >= pieceCount)
        return 0;
    if (index < pieceCount - 1)
        return pieceLength;
    return totalLength - qint64(pieceCount - 1) * pieceLength;
}

WireCodec::WireCodec(PieceGeometry geometry)
    : m_geometry(geometry)
    , m_bitfieldBytes((qsizetype(geometry.pieceCount) + 7) / 8)
{}

Result<void> WireCodec::feed(QByteArrayView chunk, QList<WireMessage>& out)
{
    if (m_error)
        return *m_error;
    qsizetype pos = 0;
    // Finish a message left incomplete by earlier chunks, taking only the bytes it still needs
    // (first the prefix, then the id, so both are checked before the payload is waited for).
    while (!m_pending.isEmpty() && pos < chunk.size()) {
        const qsizetype have = m_pending.size();
        qsizetype want = 0;
        if (have < kPrefixSize)
            want = kPrefixSize - have;
        else if (have < kHeaderSize)
            want = kHeaderSize - have;
        else
            want = kPrefixSize + qsizetype(readU32(m_pending.constData())) - have;
        const qsizetype take = std::min(want, chunk.size() - pos);
        m_pending.append(chunk.data() + pos, take);
        pos += take;
        const Result<qsizetype> done = decodeOne(m_pending, &m_pending, out);
        if (!done)
            return fail(done.error());
        if (*done > 0) {
            m_streamOffset += *done;
            m_pending.clear();
        } else if (m_pending.size() == kPrefixSize) {
            m_pending.reserve(kPrefixSize + qsizetype(readU32(m_pending.constData())));
        }
    }
    // The common case: whole messages decoded straight from the chunk.
    while (pos < chunk.size()) {
        const QByteArrayView rest = chunk.sliced(pos);
        const Result<qsizetype> done = decodeOne(rest, nullptr, out);
        if (!done)
            return fail(done.error());
        if (*done == 0) {
            // decodeOne has vetted the prefix when there is one, so the reservation is bounded.
            m_pending.reserve(rest.size() >= kPrefixSize
                                  ? kPrefixSize + qsizetype(readU32(rest.data()))
                                  : kHeaderSize);
            m_pending.append(rest.data(), rest.size());
            break;
        }
        m_streamOffset += *done;
        pos += *done;
    }
    return {};
}

qsizetype WireCodec::bytesToMessageEnd() const
{
    if (m_pending.isEmpty())
        return 0;
    if (m_pending.size() < kPrefixSize)
        return -1;
    return kPrefixSize + qsizetype(readU32(m_pending.constData())) - m_pending.size();
}

bool WireCodec::isPieceHeader(QByteArrayView header, qsizetype blockSize)
{
    return header.size() == kPieceHeaderSize && quint8(header[kPrefixSize]) == kPiece &&
           qint64(readU32(header.data())) == 9 + qint64(blockSize);
}

Result<void> WireCodec::feedPiece(QByteArrayView header, QByteArray block, QList<WireMessage>& out)
{
    if (m_error)
        return *m_error;
    Q_ASSERT(m_pending.isEmpty() && isPieceHeader(header, block.size()));
    const quint32 length = readU32(header.data());
    if (Result<void> checked = checkLength(length, m_streamOffset); !checked)
        return fail(checked.error());
    if (Result<void> checked = checkHeader(length, kPiece, m_streamOffset); !checked)
        return fail(checked.error());
    const quint32 index = readU32(header.data() + kHeaderSize);
    const quint32 begin = readU32(header.data() + kHeaderSize + 4);
    if (Result<void> span = checkSpan("piece", index, begin, quint32(block.size()), m_streamOffset);
        !span)
        return fail(span.error());
    WireMessage message = WireMessage::piece(int(index), begin, std::move(block));
    m_streamOffset += kPrefixSize + qsizetype(length);
    out.append(std::move(message));
    return {};
}

Result<qsizetype> WireCodec::decodeOne(QByteArrayView bytes, QByteArray* owner,
                                       QList<WireMessage>& out)
{
    if (bytes.size() < kPrefixSize)
        return qsizetype(0);
    const quint32 length = readU32(bytes.data());
    if (Result<void> checked = checkLength(length, m_streamOffset); !checked)
        return checked.error();
    if (length == 0) {
        out.append(WireMessage::keepAlive());
        return kPrefixSize;
    }
    if (bytes.size() < kHeaderSize)
        return qsizetype(0);
    const auto id = quint8(bytes[kPrefixSize]);
    if (Result<void> checked = checkHeader(length, id, m_streamOffset); !checked)
        return checked.error();
    const qsizetype total = kPrefixSize + qsizetype(length);
    if (bytes.size() < total)
        return qsizetype(0);
    WireMessage message;
    message.id = id;
    const Result<void> decoded =
        decodeBody(id, bytes.sliced(kHeaderSize, length - 1), owner, m_streamOffset, message);
    if (!decoded)
        return decoded.error();
    out.append(std::move(message));
    return total;
}

Result<void> WireCodec::checkLength(quint32 length, qint64 offset) const
{
    const qint64 limit = std::max<qint64>(kMaxMessageLength, 1 + m_bitfieldBytes);
    if (length > limit)
        return makeError(QStringLiteral("message length %1 exceeds %2").arg(length).arg(limit),
                         offset);
    return {};
}

Result<void> WireCodec::checkHeader(quint32 length, quint8 id, qint64 offset) const
{
    qint64 expected = -1;
    switch (id) {
    case kChoke:
    case kUnchoke:
    case kInterested:
    case kNotInterested:
        expected = 1;
        break;
    case kHave:
        expected = 5;
        break;
    case kBitfield:
        expected = 1 + m_bitfieldBytes;
        break;
    case kRequest:
    case kCancel:
        expected = 13;
        break;
    case kPort:
        expected = 3;
        break;
    case kPiece:
        if (length <= 9)
            return makeError(QStringLiteral("piece message length %1 leaves no block").arg(length),
                             offset);
        if (length - 9 > kMaxBlockSize)
            return makeError(QStringLiteral("piece block of %1 bytes exceeds %2")
                                 .arg(length - 9)
                                 .arg(kMaxBlockSize),
                             offset);
        return {};
    default:
        // Unknown ids get the general limit, even where a large bitfield raised the prefix bound.
        if (length > kMaxMessageLength)
            return makeError(QStringLiteral("%1 length %2 exceeds %3")
                                 .arg(idName(id))
                                 .arg(length)
                                 .arg(kMaxMessageLength),
                             offset);
        return {};
    }
    if (length != expected)
        return makeError(QStringLiteral("%1 message length %2, expected %3")
                             .arg(idName(id))
                             .arg(length)
                             .arg(expected),
                         offset);
    return {};
}

Result<void> WireCodec::checkSpan(const char* what, quint32 index, quint32 begin, quint32 length,
                                  qint64 offset) const
{
    if (index >= quint32(m_geometry.pieceCount))
        return makeError(QStringLiteral("%1 index %2 out of range (%3 pieces)")
                             .arg(QLatin1String(what))
                             .arg(index)
                             .arg(m_geometry.pieceCount),
                         offset);
    const qint64 size = m_geometry.pieceSize(int(index));
    if (qint64(begin) + qint64(length) > size)
        return makeError(QStringLiteral("%1 begin %2 + length %3 exceeds piece %4 of %5 bytes")
                             .arg(QLatin1String(what))
                             .arg(begin)
                             .arg(length)
                             .arg(index)
                             .arg(size),
                         offset);
    return {};
}

Result<void> WireCodec::decodeBody(quint8 id, QByteArrayView payload, QByteArray* owner,
                                   qint64 offset, WireMessage& message)
{
    const char* p = payload.data();
    switch (id) {
    case kChoke:
        message.type = WireMessage::Type::Choke;
        return {};
    case kUnchoke:
        message.type = WireMessage::Type::Unchoke;
        return {};
    case kInterested:
        message.type = WireMessage::Type::Interested;
        return {};
    case kNotInterested:
        message.type = WireMessage::Type::NotInterested;
        return {};
    case kHave: {
        message.type = WireMessage::Type::Have;
        const quint32 index = readU32(p);
        if (index >= quint32(m_geometry.pieceCount))
            return makeError(QStringLiteral("have index %1 out of range (%2 pieces)")
                                 .arg(index)
                                 .arg(m_geometry.pieceCount),
                             offset);
        message.index = int(index);
        return {};
    }
    case kBitfield: {
        message.type = WireMessage::Type::Bitfield;
        // The size was checked with the header, so only spare bits can be wrong here.
        Result<Bitfield> bits = Bitfield::fromBytes(payload, m_geometry.pieceCount);
        if (!bits)
            return makeError(QStringLiteral("bitfield has spare bits set"), offset);
        message.bitfield = std::move(bits).value();
        return {};
    }
    case kRequest:
    case kCancel: {
        message.type = id == kRequest ? WireMessage::Type::Request : WireMessage::Type::Cancel;
        const quint32 index = readU32(p);
        const quint32 begin = readU32(p + 4);
        const quint32 length = readU32(p + 8);
        if (length == 0 || length > kMaxBlockSize)
            return makeError(QStringLiteral("%1 length %2 %3")
                                 .arg(idName(id))
                                 .arg(length)
                                 .arg(length == 0
                                          ? QStringLiteral("is zero")
                                          : QStringLiteral("exceeds %1").arg(kMaxBlockSize)),
                             offset);
        if (Result<void> span =
                checkSpan(id == kRequest ? "request" : "cancel", index, begin, length, offset);
            !span)
            return span;
        message.index = int(index);
        message.begin = begin;
        message.length = length;
        return {};
    }
    case kPiece: {
        message.type = WireMessage::Type::Piece;
        const quint32 index = readU32(p);
        const quint32 begin = readU32(p + 4);
        const qsizetype blockSize = payload.size() - 8;
        if (Result<void> span = checkSpan("piece", index, begin, quint32(blockSize), offset); !span)
            return span;
        message.index = int(index);
        message.begin = begin;
        if (owner) {
            // The buffer holds exactly this message: dropping the header from the front of an
            // unshared QByteArray moves its start pointer, so the block is not copied again.
            owner->remove(0, kPieceHeaderSize);
            message.payload = std::move(*owner);
        } else {
            message.payload = QByteArray(p + 8, blockSize);
        }
        return {};
    }
    case kPort:
        message.type = WireMessage::Type::Port;
        message.port = qFromBigEndian<quint16>(p);
        return {};
    default:
        message.type = WireMessage::Type::Unknown;
        message.payload = payload.toByteArray();
        return {};
    }
}

Result<void> WireCodec::fail(Error error)
{
    m_pending.clear();
    m_error = std::move(error);
    return *m_error;
}

QByteArray WireCodec::encode(const WireMessage& message)
{
    QByteArray out;
    append(out, message);
    return out;
}

QByteArray WireCodec::encodePieceHeader(int index, qint64 begin, qint64 blockSize)
{
    Q_ASSERT(blockSize >= 0 && blockSize <= kMaxBlockSize);
    QByteArray out;
    out.reserve(kPieceHeaderSize);
    appendHeader(out, quint32(9 + blockSize), kPiece);
    appendU32(out, quint32(index));
    appendU32(out, quint32(begin));
    return out;
}

void WireCodec::append(QByteArray& out, const WireMessage& message)
{
    using Type = WireMessage::Type;
    switch (message.type) {
    case Type::KeepAlive:
        appendU32(out, 0);
        return;
    case Type::Choke:
        appendHeader(out, 1, kChoke);
        return;
    case Type::Unchoke:
        appendHeader(out, 1, kUnchoke);
        return;
    case Type::Interested:
        appendHeader(out, 1, kInterested);
        return;
    case Type::NotInterested:
        appendHeader(out, 1, kNotInterested);
        return;
    case Type::Have:
        appendHeader(out, 5, kHave);
        appendU32(out, quint32(message.index));
        return;
    case Type::Bitfield: {
        const QByteArray bytes = message.bitfield.toBytes();
        appendHeader(out, quint32(1 + bytes.size()), kBitfield);
        out.append(bytes);
        return;
    }
    case Type::Request:
    case Type::Cancel:
        appendHeader(out, 13, message.type == Type::Request ? kRequest : kCancel);
        appendU32(out, quint32(message.index));
        appendU32(out, quint32(message.begin));
        appendU32(out, quint32(message.length));
        return;
    case Type::Piece:
        out.append(encodePieceHeader(message.index, message.begin, message.payload.size()));
        out.append(message.payload);
        return;
    case Type::Port: {
        appendHeader(out, 3, kPort);
        char bytes[2];
        qToBigEndian(message.port, bytes);
        out.append(bytes, 2);
        return;
    }
    case Type::Unknown:
        appendHeader(out, quint32(1 + message.payload.size()), message.id);
        out.append(message.payload);
        return;
    }
}

} // namespace swarmshare::peer

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/bitfield.h"
#include "common/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <optional>

namespace swarmshare::peer {

// BEP 3 messages after the handshake. Every message is a 4-byte big-endian length, then (unless
// the length is 0, a keep-alive) a 1-byte id and a payload; all integers are big-endian uint32:
//
//   id  name            payload                         length prefix
//    -  keep-alive      -                               0
//    0  choke           -                               1
//    1  unchoke         -                               1
//    2  interested      -                               1
//    3  not interested  -                               1
//    4  have            index                           5
//    5  bitfield        ceil(pieces / 8) bytes          1 + ceil(pieces / 8)
//    6  request         index, begin, length            13
//    7  piece           index, begin, block             9 + block size
//    8  cancel          index, begin, length            13
//    9  port (BEP 5)    uint16 DHT port                 3
struct WireMessage {
    enum class Type : quint8 {
        KeepAlive,
        Choke,
        Unchoke,
        Interested,
        NotInterested,
        Have,
        Bitfield,
        Request,
        Piece,
        Cancel,
        Port,
        Unknown, // an id this codec does not interpret; see WireCodec
    };

    Type type = Type::KeepAlive;
    quint8 id = 0;      // the wire id; meaningful for Unknown (e.g. 20 = BEP 10 extended)
    int index = 0;      // have, request, piece, cancel
    qint64 begin = 0;   // request, piece, cancel
    qint64 length = 0;  // request, cancel
    quint16 port = 0;   // port
    Bitfield bitfield;  // bitfield
    QByteArray payload; // piece: the block; unknown: the raw payload after the id

    static WireMessage keepAlive() { return {}; }
    static WireMessage choke() { return ofType(Type::Choke); }
    static WireMessage unchoke() { return ofType(Type::Unchoke); }
    static WireMessage interested() { return ofType(Type::Interested); }
    static WireMessage notInterested() { return ofType(Type::NotInterested); }
    static WireMessage have(int index);
    static WireMessage bitfieldOf(Bitfield bits);
    static WireMessage request(int index, qint64 begin, qint64 length);
    static WireMessage piece(int index, qint64 begin, QByteArray block);
    static WireMessage cancel(int index, qint64 begin, qint64 length);
    static WireMessage portOf(quint16 port);

    friend bool operator==(const WireMessage&, const WireMessage&) = default;

private:
    static WireMessage ofType(Type type);
};

// What the decoder needs to know of the torrent to bound every length and index.
struct PieceGeometry {
    int pieceCount = 0;
    qint64 pieceLength = 0;
    qint64 totalLength = 0;

    // The last piece is shorter unless totalLength is a multiple of pieceLength.
    qint64 pieceSize(int index) const;
};

// Encodes messages (static, trusting the caller) and incrementally decodes an untrusted stream
// (one instance per connection, fed whatever the socket delivered, split anywhere).
//
// Decoding rules, each a reason to drop the peer (the first violation stops the decoder for good
// and names the problem; the Error offset is the stream position of the offending message):
// - a length prefix above 16 KiB + 13 bytes, except a bitfield of exactly 1 + ceil(pieces / 8);
//   checked as soon as the prefix (and then the id) arrives, before any payload is buffered;
// - fixed-size messages with exactly their size; a piece with a 1..16384 byte block;
// - request/cancel length 1..16384; every index < pieceCount; begin + length within the piece;
// - a bitfield of exactly ceil(pieces / 8) bytes with zero spare bits. BEP 3 sends it first
//   only, but aria2 sends a fresh one mid-connection when that is shorter than several haves,
//   so a later bitfield is decoded too and the connection treats it as the peer's new piece set;
// - port (BEP 5) is decoded and returned for the connection to ignore.
// - unknown ids are accepted within the same size limit and returned as Type::Unknown with their
//   payload, as libtorrent does: extensions (BEP 6 ids 13..17, BEP 10 id 20) are negotiated in
//   the handshake, and a peer that sends one anyway is better ignored than dropped. The
//   connection decides; it also owns ordering rules the codec cannot see (unrequested blocks).
//
// Copies: each payload byte is copied once at most. A message wholly inside the chunk is decoded
// in place (a piece block becomes one QByteArray copy); a message split across chunks is
// accumulated in a buffer reserved to the message's size, and a piece block then takes over that
// buffer; a block read into a buffer of its own (feedPiece) is not copied at all.
class WireCodec {
public:
    static constexpr qint64 kMaxBlockSize = 16 * 1024;
    static constexpr qint64 kMaxMessageLength = kMaxBlockSize + 13;
    static constexpr qsizetype kPieceHeaderSize = 13; // prefix, id, index, begin

    explicit WireCodec(PieceGeometry geometry);

    // Decodes as many whole messages as `chunk` completes and appends them, in order, to `out`.
    // On error, the messages before the violation have been appended; the rest is not decoded
    // and every later call returns the same error.
    Result<void> feed(QByteArrayView chunk, QList<WireMessage>& out);

    // A piece message whose 13-byte header and block were read into separate buffers (see
    // PeerConnection): decoded and checked like feed() would, without copying the block. Only at
    // a message boundary (bufferedBytes() == 0) and for a header that isPieceHeader() accepts.
    Result<void> feedPiece(QByteArrayView header, QByteArray block, QList<WireMessage>& out);
    // Whether `header` starts a piece message carrying a block of exactly `blockSize` bytes.
    static bool isPieceHeader(QByteArrayView header, qsizetype blockSize);

    bool failed() const { return m_error.has_value(); }
    // Bytes of an incomplete message held back for the next feed().
    qsizetype bufferedBytes() const { return m_pending.size(); }
    // Bytes still missing from the incomplete message held back: 0 at a message boundary, -1
    // while its length prefix is incomplete.
    qsizetype bytesToMessageEnd() const;
    const PieceGeometry& geometry() const { return m_geometry; }

    static QByteArray encode(const WireMessage& message);
    static void append(QByteArray& out, const WireMessage& message);
    // The 13 bytes before a block, so a block read from disk is written to the socket without
    // being copied into a message first.
    static QByteArray encodePieceHeader(int index, qint64 begin, qint64 blockSize);

private:
    // Parses the message at the front of `bytes` (prefix included). Returns its total size when
    // complete, 0 when more bytes are needed (after checking whatever header is there), or an
    // error. `owner`, when given, holds exactly those bytes and may be taken over for a block.
    Result<qsizetype> decodeOne(QByteArrayView bytes, QByteArray* owner, QList<WireMessage>& out);
    Result<void> checkLength(quint32 length, qint64 offset) const;
    Result<void> checkHeader(quint32 length, quint8 id, qint64 offset) const;
    Result<void> decodeBody(quint8 id, QByteArrayView payload, QByteArray* owner, qint64 offset,
                            WireMessage& message);
    Result<void> checkSpan(const char* what, quint32 index, quint32 begin, quint32 length,
                           qint64 offset) const;
    Result<void> fail(Error error);

    PieceGeometry m_geometry;
    qsizetype m_bitfieldBytes = 0;
    QByteArray m_pending;
    qint64 m_streamOffset = 0; // stream position of the first byte of m_pending / the next message
    std::optional<Error> m_error;
};

} // namespace swarmshare::peer

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QByteArrayView>

#include <array>

namespace swarmshare::peer {

// The BEP 3 handshake, 68 bytes, the first thing each side sends:
//
//   offset  size  field
//        0     1  pstrlen = 19
//        1    19  pstr = "BitTorrent protocol"
//       20     8  reserved: extension bits (see ReservedBit), zero when unused
//       28    20  info-hash (SHA-1 of the bencoded info dictionary)
//       48    20  peer id
//
// Rejecting a handshake for a torrent we do not serve, or one carrying our own peer id, is the
// connection's decision: the reader only checks the framing.
struct ReservedBit {
    int byte;
    quint8 mask;
};

// Bits of the reserved field as other clients set them.
inline constexpr ReservedBit kReservedDht{7, 0x01};               // BEP 5
inline constexpr ReservedBit kReservedFastExtension{7, 0x04};     // BEP 6
inline constexpr ReservedBit kReservedExtensionProtocol{5, 0x10}; // BEP 10

struct Handshake {
    static constexpr qsizetype kSize = 68;
    static constexpr qsizetype kHashSize = 20;
    static constexpr qsizetype kPeerIdSize = 20;
    static constexpr QByteArrayView kProtocol = "BitTorrent protocol";

    std::array<quint8, 8> reserved{};
    QByteArray infoHash; // kHashSize bytes
    QByteArray peerId;   // kPeerIdSize bytes

    bool hasReserved(ReservedBit bit) const { return reserved[bit.byte] & bit.mask; }
    void setReserved(ReservedBit bit, bool on = true);

    // The 68 wire bytes. infoHash and peerId must have their exact sizes (a programming error
    // otherwise, asserted).
    QByteArray encode() const;

    friend bool operator==(const Handshake&, const Handshake&) = default;
};

// Reads a peer's handshake from a byte stream delivered in arbitrary chunks. It never consumes a
// byte past the handshake, so whatever follows in the same chunk is the caller's to hand to the
// WireCodec. The protocol string is checked byte by byte as it arrives, so a peer speaking
// something else is dropped at its first wrong byte rather than after 68.
class HandshakeReader {
public:
    enum class Status { NeedMore, Parsed, Failed };

    struct Progress {
        Status status;
        qsizetype consumed; // bytes of this chunk that belonged to the handshake
    };

    Progress feed(QByteArrayView bytes);

    Status status() const { return m_status; }
    // True once the first 48 bytes are in: a listening side picks the torrent by info-hash
    // before the peer id arrives (and some clients wait for our handshake before sending it).
    bool hasInfoHash() const { return m_received >= kInfoHashEnd; }
    QByteArray infoHash() const;
    // Valid when status() is Parsed.
    const Handshake& handshake() const { return m_handshake; }
    // Valid when status() is Failed. Log text, not translated.
    const Error& error() const { return m_error; }

private:
    static constexpr qsizetype kInfoHashEnd = 48;

    Status fail(QString message, qsizetype offset);
    Status check(qsizetype from);

    std::array<char, Handshake::kSize> m_bytes{};
    qsizetype m_received = 0;
    Status m_status = Status::NeedMore;
    Handshake m_handshake;
    Error m_error;
};

} // namespace swarmshare::peer

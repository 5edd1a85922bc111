// SPDX-License-Identifier: GPL-3.0-or-later
#include "peer/handshake.h"

#include <QtGlobal>

#include <algorithm>
#include <cstring>

namespace swarmshare::peer {

namespace {

constexpr qsizetype kReservedOffset = 20;
constexpr qsizetype kInfoHashOffset = 28;
constexpr qsizetype kPeerIdOffset = 48;

} // namespace

void Handshake::setReserved(ReservedBit bit, bool on)
{
    if (on)
        reserved[bit.byte] |= bit.mask;
    else
        reserved[bit.byte] &= quint8(~bit.mask);
}

QByteArray Handshake::encode() const
{
    Q_ASSERT(infoHash.size() == kHashSize);
    Q_ASSERT(peerId.size() == kPeerIdSize);
    QByteArray out;
    out.reserve(kSize);
    out.append(char(kProtocol.size()));
    out.append(kProtocol);
    out.append(reinterpret_cast<const char*>(reserved.data()), qsizetype(reserved.size()));
    out.append(infoHash);
    out.append(peerId);
    return out;
}

HandshakeReader::Progress HandshakeReader::feed(QByteArrayView bytes)
{
    if (m_status != Status::NeedMore)
        return {m_status, 0};
    const qsizetype take = std::min(bytes.size(), Handshake::kSize - m_received);
    std::memcpy(m_bytes.data() + m_received, bytes.data(), size_t(take));
    const qsizetype from = m_received;
    m_received += take;
    return {check(from), take};
}

QByteArray HandshakeReader::infoHash() const
{
    if (!hasInfoHash())
        return {};
    return QByteArray(m_bytes.data() + kInfoHashOffset, Handshake::kHashSize);
}

HandshakeReader::Status HandshakeReader::check(qsizetype from)
{
    // Bytes [from, m_received) are new; only the 20-byte prefix has anything to check.
    const qsizetype prefixEnd = std::min<qsizetype>(m_received, kReservedOffset);
    for (qsizetype i = from; i < prefixEnd; ++i) {
        if (i == 0) {
            const auto pstrlen = quint8(m_bytes[0]);
            if (pstrlen != Handshake::kProtocol.size())
                return fail(QStringLiteral("handshake protocol length %1, expected 19 "
                                           "(not a BitTorrent peer)")
                                .arg(pstrlen),
                            0);
        } else if (m_bytes[size_t(i)] != Handshake::kProtocol[i - 1]) {
            return fail(QStringLiteral("handshake protocol string is not \"BitTorrent "
                                       "protocol\" (wrong byte at offset %1)")
                            .arg(i),
                        i);
        }
    }
    if (m_received < Handshake::kSize)
        return m_status;
    std::memcpy(m_handshake.reserved.data(), m_bytes.data() + kReservedOffset,
                m_handshake.reserved.size());
    m_handshake.infoHash = QByteArray(m_bytes.data() + kInfoHashOffset, Handshake::kHashSize);
    m_handshake.peerId = QByteArray(m_bytes.data() + kPeerIdOffset, Handshake::kPeerIdSize);
    m_status = Status::Parsed;
    return m_status;
}

HandshakeReader::Status HandshakeReader::fail(QString message, qsizetype offset)
{
    m_error = makeError(std::move(message), offset);
    m_status = Status::Failed;
    return m_status;
}

} // namespace swarmshare::peer

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHostAddress>
#include <QString>

namespace swarmshare {

// Dual-stack sockets and proxies report IPv4 peers as ::ffff:a.b.c.d. Peers, rate limits and
// compact peer lists need one spelling for one address: plain IPv4 whenever it is one.
inline QHostAddress plainAddress(const QHostAddress& address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : address;
}

// "ADDR:PORT", or "[V6]:PORT": how logs, bans and peer lists name a peer (several peers behind
// one address are told apart by port).
inline QString endpointText(const QHostAddress& address, quint16 port)
{
    const QHostAddress plain = plainAddress(address);
    return plain.protocol() == QAbstractSocket::IPv6Protocol
               ? QStringLiteral("[%1]:%2").arg(plain.toString()).arg(port)
               : QStringLiteral("%1:%2").arg(plain.toString()).arg(port);
}

} // namespace swarmshare

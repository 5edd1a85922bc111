// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "peer/peerconnection.h"

#include <QByteArray>
#include <QSet>
#include <QTcpServer>

namespace swarmshare::peer {

struct PeerServerOptions {
    // Incoming connections alive at once, handshaking or established. Connections beyond it are
    // closed on accept, before a byte is read (DESIGN.md section 5: limits on connection counts).
    int maxConnections = 100;
    PeerConnectionOptions connection;
};

// Accepts incoming peers: listen() on 127.0.0.1 or any address, port 0 for any free one. Each
// socket becomes an incoming PeerConnection; once its handshake is accepted (we serve its
// info-hash, it is not ourselves) peerConnected() hands it over. A connection that fails before
// that is deleted here.
//
// A handed-over connection is still a child of the server and still counts against the cap until
// it disconnects; the receiver should deleteLater() it after disconnected() (or reparent it).
class PeerServer : public QTcpServer {
    Q_OBJECT

public:
    PeerServer(QByteArray ourPeerId, PeerConnection::TorrentLookup lookup,
               PeerServerOptions options = {}, QObject* parent = nullptr);

    int connectionCount() const { return int(m_handshaking.size() + m_established.size()); }
    const PeerServerOptions& options() const { return m_options; }

Q_SIGNALS:
    void peerConnected(swarmshare::peer::PeerConnection* peer);
    // An incoming connection ended before it was handed over: over the cap, or its handshake was
    // refused (the reason is the connection's).
    void peerRejected(const QHostAddress& address, quint16 port, const QString& reason);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void adopt(PeerConnection* peer);

    QByteArray m_ourPeerId;
    PeerConnection::TorrentLookup m_lookup;
    PeerServerOptions m_options;
    QSet<PeerConnection*> m_handshaking;
    QSet<PeerConnection*> m_established;
};

} // namespace swarmshare::peer

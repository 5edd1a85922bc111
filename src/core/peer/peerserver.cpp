// SPDX-License-Identifier: GPL-3.0-or-later
#include "peer/peerserver.h"

#include "common/logging.h"

#include <QTcpSocket>

#include <utility>

namespace swarmshare::peer {

PeerServer::PeerServer(QByteArray ourPeerId, PeerConnection::TorrentLookup lookup,
                       PeerServerOptions options, QObject* parent)
    : QTcpServer(parent)
    , m_ourPeerId(std::move(ourPeerId))
    , m_lookup(std::move(lookup))
    , m_options(options)
{}

void PeerServer::incomingConnection(qintptr descriptor)
{
    auto* socket = new QTcpSocket(this);
    // Unbuffered: the connection reads straight into its own buffer (see PeerConnection).
    if (!socket->setSocketDescriptor(descriptor, QAbstractSocket::ConnectedState,
                                     QIODevice::ReadWrite | QIODevice::Unbuffered)) {
        qCWarning(lcPeer).noquote()
            << "could not adopt an accepted socket:" << socket->errorString();
        delete socket;
        return;
    }
    if (connectionCount() >= m_options.maxConnections) {
        const QString reason =
            QStringLiteral("connection limit of %1 reached").arg(m_options.maxConnections);
        const QHostAddress address = socket->peerAddress();
        const quint16 port = socket->peerPort();
        qCInfo(lcPeer).noquote()
            << QStringLiteral("%1:%2 refused:").arg(address.toString()).arg(port) << reason;
        socket->abort();
        delete socket;
        Q_EMIT peerRejected(address, port, reason);
        return;
    }
    adopt(new PeerConnection(socket, m_ourPeerId, m_lookup, m_options.connection, this));
}

void PeerServer::adopt(PeerConnection* peer)
{
    m_handshaking.insert(peer);
    // Compares the pointer only: by then the object is being destroyed.
    connect(peer, &QObject::destroyed, this, [this, peer] {
        m_handshaking.remove(peer);
        m_established.remove(peer);
    });
    connect(peer, &PeerConnection::handshakeReceived, this, [this, peer] {
        m_handshaking.remove(peer);
        m_established.insert(peer);
        Q_EMIT peerConnected(peer);
    });
    connect(peer, &PeerConnection::disconnected, this, [this, peer](const QString& reason) {
        peer->disconnect(this);
        m_established.remove(peer);
        if (m_handshaking.remove(peer)) {
            Q_EMIT peerRejected(peer->address(), peer->port(), reason);
            peer->deleteLater();
        }
    });
    peer->start();
}

} // namespace swarmshare::peer

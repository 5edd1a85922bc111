// SPDX-License-Identifier: GPL-3.0-or-later
#include "peer/peerconnection.h"

#include "common/logging.h"
#include "common/netaddress.h"

#include <QPointer>
#include <QTcpSocket>

#include <utility>

namespace swarmshare::peer {

namespace {

QString hexOf(const QByteArray& bytes)
{
    return QString::fromLatin1(bytes.toHex());
}

} // namespace

PeerConnection::PeerConnection(Direction direction, QByteArray ourPeerId,
                               PeerConnectionOptions options, QObject* parent)
    : QObject(parent)
    , m_direction(direction)
    , m_ourPeerId(std::move(ourPeerId))
    , m_options(options)
{
    Q_ASSERT(m_ourPeerId.size() == Handshake::kPeerIdSize);
    m_keepAliveTimer.setSingleShot(true);
    m_inactivityTimer.setSingleShot(true);
    connect(&m_keepAliveTimer, &QTimer::timeout, this, &PeerConnection::onKeepAliveTimer);
    connect(&m_inactivityTimer, &QTimer::timeout, this, &PeerConnection::onInactivityTimer);
}

PeerConnection::PeerConnection(QByteArray infoHash, QByteArray ourPeerId, PieceGeometry geometry,
                               PeerConnectionOptions options, QObject* parent)
    : PeerConnection(Direction::Outgoing, std::move(ourPeerId), options, parent)
{
    Q_ASSERT(infoHash.size() == Handshake::kHashSize);
    m_infoHash = std::move(infoHash);
    m_geometry = geometry;
    m_socket = new QTcpSocket(this);
    wireSocket();
}

PeerConnection::PeerConnection(QTcpSocket* socket, QByteArray ourPeerId, TorrentLookup lookup,
                               PeerConnectionOptions options, QObject* parent)
    : PeerConnection(Direction::Incoming, std::move(ourPeerId), options, parent)
{
    Q_ASSERT(socket);
    m_lookup = std::move(lookup);
    m_socket = socket;
    m_socket->setParent(this);
    m_address = plainAddress(socket->peerAddress());
    m_port = socket->peerPort();
    wireSocket();
}

PeerConnection::~PeerConnection()
{
    // The socket is a child; its signals must not reach a half-destroyed connection.
    if (m_socket)
        m_socket->disconnect(this);
}

void PeerConnection::wireSocket()
{
    connect(m_socket, &QTcpSocket::connected, this, &PeerConnection::onConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &PeerConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &PeerConnection::onSocketError);
    connect(m_socket, &QTcpSocket::disconnected, this, &PeerConnection::onSocketError);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &PeerConnection::bytesWritten);
}

qint64 PeerConnection::bytesToWrite() const
{
    return m_socket ? m_socket->bytesToWrite() : 0;
}

void PeerConnection::connectToPeer(const QHostAddress& address, quint16 port)
{
    Q_ASSERT(m_direction == Direction::Outgoing && m_state == State::Idle);
    m_address = plainAddress(address);
    m_port = port;
    m_state = State::Connecting;
    m_lastReceived.start();
    m_inactivityTimer.start(m_options.inactivityTimeout);
    m_socket->connectToHost(m_address, m_port);
}

void PeerConnection::start()
{
    Q_ASSERT(m_direction == Direction::Incoming && m_state == State::Idle);
    m_state = State::Handshaking;
    m_lastReceived.start();
    m_inactivityTimer.start(m_options.inactivityTimeout);
    // Bytes may have arrived between accept() and now; readyRead will not repeat them.
    if (m_socket->bytesAvailable() > 0)
        onReadyRead();
}

void PeerConnection::disconnectFromPeer(const QString& reason)
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_keepAliveTimer.stop();
    m_inactivityTimer.stop();
    qCInfo(lcPeer).noquote() << describe() << "disconnected:" << reason;
    m_socket->disconnect(this);
    m_socket->abort();
    Q_EMIT disconnected(reason);
}

QString PeerConnection::describe() const
{
    return endpointText(m_address, m_port);
}

void PeerConnection::onConnected()
{
    if (m_state != State::Connecting)
        return;
    m_state = State::Handshaking;
    sendHandshake();
}

void PeerConnection::onReadyRead()
{
    if (m_state != State::Handshaking && m_state != State::Active)
        return;
    const QByteArray chunk = m_socket->readAll();
    if (chunk.isEmpty())
        return;
    m_lastReceived.restart();
    QByteArrayView rest(chunk);
    if (m_state == State::Handshaking) {
        const qsizetype used = readHandshake(rest);
        if (used < 0)
            return;
        rest = rest.sliced(used);
    }
    if (m_state == State::Active && !rest.isEmpty())
        readMessages(rest);
}

void PeerConnection::onSocketError()
{
    if (m_state == State::Closed)
        return;
    // A peer's last words (a violation, say) arrive just before its close; read them first so
    // the reason names them.
    if (m_socket->bytesAvailable() > 0)
        onReadyRead();
    if (m_state == State::Closed)
        return;
    // A graceful close by the peer reports no error at all, or RemoteHostClosedError.
    const QAbstractSocket::SocketError error = m_socket->error();
    if (error == QAbstractSocket::RemoteHostClosedError ||
        error == QAbstractSocket::UnknownSocketError)
        disconnectFromPeer(QStringLiteral("peer closed the connection"));
    else
        disconnectFromPeer(QStringLiteral("socket error: %1").arg(m_socket->errorString()));
}

void PeerConnection::onKeepAliveTimer()
{
    const auto interval = m_options.keepAliveInterval;
    const auto quiet = std::chrono::milliseconds(m_lastSent.elapsed());
    if (quiet >= interval) {
        sendKeepAlive();
        m_keepAliveTimer.start(interval);
    } else {
        m_keepAliveTimer.start(interval - quiet);
    }
}

void PeerConnection::onInactivityTimer()
{
    const auto timeout = m_options.inactivityTimeout;
    const auto silent = std::chrono::milliseconds(m_lastReceived.elapsed());
    if (silent >= timeout) {
        disconnectFromPeer(m_state == State::Active
                               ? QStringLiteral("peer silent for %1 ms").arg(silent.count())
                               : QStringLiteral("no handshake within %1 ms").arg(silent.count()));
    } else {
        m_inactivityTimer.start(timeout - silent);
    }
}

qsizetype PeerConnection::readHandshake(QByteArrayView bytes)
{
    const HandshakeReader::Progress progress = m_handshakeReader.feed(bytes);
    if (progress.status == HandshakeReader::Status::Failed) {
        disconnectFromPeer(m_handshakeReader.error().message);
        return -1;
    }
    if (!m_checkedInfoHash && m_handshakeReader.hasInfoHash()) {
        m_checkedInfoHash = true;
        if (!acceptInfoHash())
            return -1;
    }
    if (progress.status != HandshakeReader::Status::Parsed)
        return progress.consumed;

    m_remote = m_handshakeReader.handshake();
    // Trackers hand out our own address; connecting to it is a wasted slot, not an error.
    if (m_remote.peerId == m_ourPeerId) {
        disconnectFromPeer(QStringLiteral("connected to ourselves (the peer id is our own)"));
        return -1;
    }
    m_codec.emplace(*m_geometry);
    m_state = State::Active;
    m_inactivityTimer.start(m_options.inactivityTimeout);
    m_keepAliveTimer.start(m_options.keepAliveInterval);
    QPointer<PeerConnection> self(this);
    Q_EMIT handshakeReceived(m_remote);
    if (!self || m_state == State::Closed)
        return -1;
    return progress.consumed;
}

bool PeerConnection::acceptInfoHash()
{
    const QByteArray theirs = m_handshakeReader.infoHash();
    if (m_direction == Direction::Outgoing) {
        if (theirs == m_infoHash)
            return true;
        disconnectFromPeer(QStringLiteral("peer answered with info-hash %1, expected %2")
                               .arg(hexOf(theirs), hexOf(m_infoHash)));
        return false;
    }
    m_geometry = m_lookup ? m_lookup(theirs) : std::nullopt;
    if (!m_geometry) {
        disconnectFromPeer(QStringLiteral("peer asked for info-hash %1, which we do not serve")
                               .arg(hexOf(theirs)));
        return false;
    }
    m_infoHash = theirs;
    sendHandshake();
    return m_state != State::Closed;
}

void PeerConnection::sendHandshake()
{
    Handshake ours;
    ours.infoHash = m_infoHash;
    ours.peerId = m_ourPeerId;
    write(ours.encode());
    m_sentHandshake = true;
}

void PeerConnection::readMessages(QByteArrayView bytes)
{
    QList<WireMessage> messages;
    const Result<void> result = m_codec->feed(bytes, messages);
    QPointer<PeerConnection> self(this);
    for (const WireMessage& message : std::as_const(messages)) {
        dispatch(message);
        if (!self || m_state == State::Closed)
            return;
    }
    if (!result)
        disconnectFromPeer(result.error().message);
}

void PeerConnection::dispatch(const WireMessage& message)
{
    using Type = WireMessage::Type;
    switch (message.type) {
    case Type::KeepAlive:
        Q_EMIT keepAliveReceived();
        break;
    case Type::Choke:
        m_peerChoking = true;
        Q_EMIT chokeReceived();
        break;
    case Type::Unchoke:
        m_peerChoking = false;
        Q_EMIT unchokeReceived();
        break;
    case Type::Interested:
        m_peerInterested = true;
        Q_EMIT interestedReceived();
        break;
    case Type::NotInterested:
        m_peerInterested = false;
        Q_EMIT notInterestedReceived();
        break;
    case Type::Have:
        Q_EMIT haveReceived(message.index);
        break;
    case Type::Bitfield:
        Q_EMIT bitfieldReceived(message.bitfield);
        break;
    case Type::Request:
        Q_EMIT requestReceived(message.index, message.begin, message.length);
        break;
    case Type::Piece:
        Q_EMIT pieceReceived(message.index, message.begin, message.payload);
        break;
    case Type::Cancel:
        Q_EMIT cancelReceived(message.index, message.begin, message.length);
        break;
    case Type::Port:
    case Type::Unknown:
        // No DHT and no extensions are negotiated; BEP 3 says to ignore what we do not know.
        break;
    }
}

bool PeerConnection::canSend(const char* what) const
{
    if (m_state == State::Active)
        return true;
    qCWarning(lcPeer).noquote() << describe() << "not sending" << what
                                << "outside an established connection";
    return false;
}

void PeerConnection::send(const WireMessage& message)
{
    m_sentMessage = m_sentMessage || message.type != WireMessage::Type::KeepAlive;
    write(WireCodec::encode(message));
}

void PeerConnection::write(const QByteArray& bytes)
{
    m_socket->write(bytes);
    m_lastSent.start();
}

void PeerConnection::sendKeepAlive()
{
    if (canSend("keep-alive"))
        send(WireMessage::keepAlive());
}

void PeerConnection::sendChoke()
{
    if (!canSend("choke"))
        return;
    m_amChoking = true;
    send(WireMessage::choke());
}

void PeerConnection::sendUnchoke()
{
    if (!canSend("unchoke"))
        return;
    m_amChoking = false;
    send(WireMessage::unchoke());
}

void PeerConnection::sendInterested()
{
    if (!canSend("interested"))
        return;
    m_amInterested = true;
    send(WireMessage::interested());
}

void PeerConnection::sendNotInterested()
{
    if (!canSend("not interested"))
        return;
    m_amInterested = false;
    send(WireMessage::notInterested());
}

void PeerConnection::sendHave(int index)
{
    if (canSend("have"))
        send(WireMessage::have(index));
}

void PeerConnection::sendBitfield(const Bitfield& bits)
{
    if (!canSend("bitfield"))
        return;
    Q_ASSERT(bits.size() == m_geometry->pieceCount);
    // A peer drops us for a bitfield that is not our first message (see WireCodec).
    if (m_sentMessage) {
        qCWarning(lcPeer).noquote() << describe() << "not sending a bitfield after other messages";
        return;
    }
    send(WireMessage::bitfieldOf(bits));
}

void PeerConnection::sendRequest(int index, qint64 begin, qint64 length)
{
    if (canSend("request"))
        send(WireMessage::request(index, begin, length));
}

void PeerConnection::sendPiece(int index, qint64 begin, const QByteArray& block)
{
    if (!canSend("piece"))
        return;
    m_sentMessage = true;
    write(WireCodec::encodePieceHeader(index, begin, block.size()));
    write(block);
}

void PeerConnection::sendCancel(int index, qint64 begin, qint64 length)
{
    if (canSend("cancel"))
        send(WireMessage::cancel(index, begin, length));
}

} // namespace swarmshare::peer

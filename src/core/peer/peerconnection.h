// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "peer/handshake.h"
#include "peer/wirecodec.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QTimer>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

class QSocketNotifier;
class QTcpSocket;

namespace swarmshare::peer {

class ReadBuffer;

struct PeerConnectionOptions {
    // BEP 3 peers drop a connection after about two minutes without a byte, so we send a
    // keep-alive once we have been quiet this long.
    std::chrono::milliseconds keepAliveInterval = std::chrono::minutes(2);
    // A peer that sends nothing (not even a keep-alive) for this long is dropped; this also
    // bounds the TCP connect and the handshake.
    std::chrono::milliseconds inactivityTimeout = std::chrono::minutes(3);
};

// One peer over one TCP connection: the thin socket around HandshakeReader and WireCodec. It adds
// the handshake decisions (which torrent, not ourselves), keep-alives, the silence timeout, the
// choke/interest state of both sides, a verb per message to send and a signal per message read.
//
// Outgoing: construct with the torrent, then connectToPeer(); we send our handshake as soon as
// TCP connects. Incoming: construct with an accepted socket and a TorrentLookup, then start();
// the peer's info-hash arrives first, the lookup says whether we serve that torrent, and only
// then do we answer with our handshake. Either way handshakeReceived() means the peer is
// accepted and the verbs may be used; sends before it are dropped.
//
// disconnected() is emitted exactly once, whoever ends the connection, and no signal follows
// it. The owner may delete the object in a slot connected to it only with deleteLater().
//
// I/O. At a gigabyte per second the copies and system calls per 16 KiB block cost more than
// anything else, so the connection does its own buffering around the socket (opened
// QIODevice::Unbuffered where we create it). Reads go straight from the socket, in one readv,
// into per-thread buffers: 16 KiB blocks of piece messages each into a buffer of its own that
// goes on to the storage as it is (WireCodec::feedPiece), everything else into a buffer that
// the WireCodec decodes in place. Messages to send are queued, not
// copied: small ones are packed together, a piece's block is queued as the caller's
// (implicitly shared) QByteArray; the queue goes to the socket in one gathered write
// (sendmsg) at the end of the read that produced the messages or, for those sent from
// elsewhere, once control returns to the event loop. What the socket does not take waits in
// the queue, and a write notifier resumes it (bytesWritten() then reports progress). A block
// may point into a read-only mapping of the shared file (see sendPiece()): the queue holds the
// mapping with it, the kernel copies it into the socket from the page cache, and the
// connection never reads it itself.
class PeerConnection : public QObject {
    Q_OBJECT

public:
    enum class Direction { Outgoing, Incoming };
    enum class State { Idle, Connecting, Handshaking, Active, Closed };

    // For an incoming connection: the geometry of the torrent with this info-hash, or nullopt
    // when we do not serve it.
    using TorrentLookup = std::function<std::optional<PieceGeometry>(const QByteArray& infoHash)>;

    PeerConnection(QByteArray infoHash, QByteArray ourPeerId, PieceGeometry geometry,
                   PeerConnectionOptions options = {}, QObject* parent = nullptr);
    // Takes ownership of an accepted, connected socket.
    PeerConnection(QTcpSocket* socket, QByteArray ourPeerId, TorrentLookup lookup,
                   PeerConnectionOptions options = {}, QObject* parent = nullptr);
    ~PeerConnection() override;

    void connectToPeer(const QHostAddress& address, quint16 port);
    void start();
    // Closes the connection; emits disconnected(reason) unless already closed.
    void disconnectFromPeer(const QString& reason);

    Direction direction() const { return m_direction; }
    State state() const { return m_state; }
    // A peer is its address and port: several peers behind one address are normal.
    QHostAddress address() const { return m_address; }
    quint16 port() const { return m_port; }
    // Ours for an outgoing connection; the peer's (once looked up) for an incoming one.
    QByteArray infoHash() const { return m_infoHash; }
    // Valid after handshakeReceived().
    const Handshake& remoteHandshake() const { return m_remote; }
    QByteArray remotePeerId() const { return m_remote.peerId; }

    // Bytes queued or handed to the socket and not yet sent: the upload side keeps this bounded
    // rather than reading blocks from disk faster than the peer takes them.
    qint64 bytesToWrite() const;

    bool amChoking() const { return m_amChoking; }
    bool amInterested() const { return m_amInterested; }
    bool peerChoking() const { return m_peerChoking; }
    bool peerInterested() const { return m_peerInterested; }

    void sendKeepAlive();
    void sendChoke();
    void sendUnchoke();
    void sendInterested();
    void sendNotInterested();
    void sendHave(int index);
    void sendBitfield(const Bitfield& bits);
    void sendRequest(int index, qint64 begin, qint64 length);
    // The block is written after its 13-byte header without being copied into a message.
    // `keepAlive` is held with the block until it is sent or the connection closes: what the
    // block's bytes point into when the caller does not own them (a file mapping, see
    // storage::FileCache::map()).
    // SAFETY: the bytes of such a block are only handed to the kernel (sendmsg() copies them),
    // never read by the connection: if another program truncates the file meanwhile, a read in
    // user space of a page past its end would raise SIGBUS and kill the app, whereas sendmsg()
    // fails with EFAULT, which ends the connection cleanly with a reason that says so. Keep it
    // that way: no copy, append, comparison or checksum of a queued block (small messages are
    // packed into a segment of their own, never into a block's).
    void sendPiece(int index, qint64 begin, const QByteArray& block,
                   std::shared_ptr<const void> keepAlive = {});
    void sendCancel(int index, qint64 begin, qint64 length);

Q_SIGNALS:
    void handshakeReceived(const swarmshare::peer::Handshake& handshake);
    void keepAliveReceived();
    void chokeReceived();
    void unchokeReceived();
    void interestedReceived();
    void notInterestedReceived();
    void haveReceived(int index);
    void bitfieldReceived(const swarmshare::Bitfield& bits);
    void requestReceived(int index, qint64 begin, qint64 length);
    void pieceReceived(int index, qint64 begin, const QByteArray& block);
    void cancelReceived(int index, qint64 begin, qint64 length);
    void disconnected(const QString& reason);
    // The socket sent some of what was written (see bytesToWrite()).
    void bytesWritten(qint64 bytes);

private:
    PeerConnection(Direction direction, QByteArray ourPeerId, PeerConnectionOptions options,
                   QObject* parent);
    void wireSocket();
    void onConnected();
    void onReadyRead();
    void onSocketError();
    void onSocketClosed();
    void onKeepAliveTimer();
    void onInactivityTimer();

    // Returns the bytes of `bytes` that were handshake, or -1 once the connection is closed.
    qsizetype readHandshake(QByteArrayView bytes);
    bool acceptInfoHash();
    void sendHandshake();
    void readMessages(QByteArrayView bytes);
    // Reads with the block slots (see peerconnection.cpp) and dispatches what it decoded.
    // Returns the bytes read, 0 when a read in place is not possible now, -1 when nothing was
    // read (nothing waiting, the end of the stream, an error); `drained` when the socket had
    // less than the read could take.
    qint64 readInPlace(const ReadBuffer& buffer, bool& drained);
    void dispatchAll(const QList<WireMessage>& messages, const Result<void>& result);
    void dispatch(const WireMessage& message);
    void send(const WireMessage& message);
    // Queues bytes (appended to the small-message tail when `small`, else queued as they are,
    // with what keeps them alive).
    void write(const QByteArray& bytes, bool small = true,
               std::shared_ptr<const void> keepAlive = {});
    void scheduleFlush();
    // Writes as much of the queue as the socket takes; returns the bytes written, -1 on error
    // (the connection is then closed from the event loop).
    qint64 flush();
    void onWritable();
    void failWrite(const QString& reason);
    void releaseNotifier();
    bool canSend(const char* what) const;
    QString describe() const;

    Direction m_direction;
    State m_state = State::Idle;
    QTcpSocket* m_socket = nullptr;
    QHostAddress m_address;
    quint16 m_port = 0;
    QByteArray m_infoHash;
    QByteArray m_ourPeerId;
    PeerConnectionOptions m_options;
    TorrentLookup m_lookup;
    std::optional<PieceGeometry> m_geometry;
    HandshakeReader m_handshakeReader;
    bool m_sentHandshake = false;
    bool m_checkedInfoHash = false;
    bool m_sentMessage = false; // a bitfield may only be our first message
    Handshake m_remote;
    std::optional<WireCodec> m_codec;
    QList<WireMessage> m_decoded;

    // The send queue: segments in order, the first one partly sent (m_outOffset bytes).
    struct Segment {
        QByteArray bytes;
        std::shared_ptr<const void> keepAlive; // what `bytes` points into, if not its own
    };
    std::deque<Segment> m_out;
    qsizetype m_outOffset = 0;
    qint64 m_outBytes = 0;
    bool m_tailSmall = false;   // the last segment packs small messages and may grow
    bool m_flushPosted = false; // a flush() is posted to the event loop
    bool m_writeFailed = false;
    int m_reading = 0;                          // inside onReadyRead: sends wait for its end
    QSocketNotifier* m_writeNotifier = nullptr; // armed while the socket is full

    bool m_amChoking = true;
    bool m_amInterested = false;
    bool m_peerChoking = true;
    bool m_peerInterested = false;

    // The timers are re-armed lazily from these clocks when they fire, rather than restarted on
    // every read and write of a busy connection.
    QElapsedTimer m_lastSent;
    QElapsedTimer m_lastReceived;
    QTimer m_keepAliveTimer;
    QTimer m_inactivityTimer;
};

} // namespace swarmshare::peer

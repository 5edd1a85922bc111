// SPDX-License-Identifier: GPL-3.0-or-later
#include "peer/peerconnection.h"
#include "peer/peerserver.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <memory>

#ifdef Q_OS_UNIX
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

using namespace std::chrono_literals;
using swarmshare::Bitfield;
using swarmshare::peer::Handshake;
using swarmshare::peer::PeerConnection;
using swarmshare::peer::PeerConnectionOptions;
using swarmshare::peer::PeerServer;
using swarmshare::peer::PeerServerOptions;
using swarmshare::peer::PieceGeometry;
using swarmshare::peer::WireCodec;
using swarmshare::peer::WireMessage;

namespace {

// Four pieces of 32 KiB: two 16 KiB blocks each.
constexpr PieceGeometry kGeometry{4, 32 * 1024, 4 * 32 * 1024};

const QByteArray kInfoHash(20, 'a');
const QByteArray kOtherHash(20, 'b');
const QByteArray kServerId("-SW0001-serverserver");
const QByteArray kClientId("-SW0001-clientclient");

PeerConnection::TorrentLookup servesOnlyOurTorrent()
{
    return [](const QByteArray& infoHash) -> std::optional<PieceGeometry> {
        if (infoHash == kInfoHash)
            return kGeometry;
        return std::nullopt;
    };
}

QByteArray handshakeBytes(const QByteArray& infoHash, const QByteArray& peerId)
{
    Handshake handshake;
    handshake.infoHash = infoHash;
    handshake.peerId = peerId;
    return handshake.encode();
}

Bitfield bitsOf(std::initializer_list<int> set)
{
    Bitfield bits(kGeometry.pieceCount);
    for (int index : set)
        bits.set(index);
    return bits;
}

// The server-side connection of each accepted peer, and the reason each one ended, recorded the
// way an owner would: in a slot connected directly, before any message can be missed.
struct Accepted {
    QList<PeerConnection*> peers;
    QStringList reasons;
    QStringList rejections;

    explicit Accepted(PeerServer& server)
    {
        QObject::connect(&server, &PeerServer::peerConnected, &server, [this](PeerConnection* p) {
            peers.append(p);
            QObject::connect(p, &PeerConnection::disconnected, p,
                             [this](const QString& reason) { reasons.append(reason); });
        });
        QObject::connect(&server, &PeerServer::peerRejected, &server,
                         [this](const QHostAddress&, quint16, const QString& reason) {
                             rejections.append(reason);
                         });
    }
};

#ifdef Q_OS_UNIX
// A block the way the storage hands out one from a file mapping: a QByteArray that does not
// own its bytes, and the mapping they live in, unmapped (and `released` set) when the last
// reference to it goes.
struct MappedBlock {
    QByteArray bytes;
    std::shared_ptr<const void> keepAlive;
};
MappedBlock mappedBlock(int fd, qint64 length, bool* released)
{
    void* address = ::mmap(nullptr, size_t(length), PROT_READ, MAP_SHARED, fd, 0);
    if (address == MAP_FAILED)
        qFatal("mmap failed");
    std::shared_ptr<const void> keepAlive(address, [length, released](const void* at) {
        ::munmap(const_cast<void*>(at), size_t(length));
        *released = true;
    });
    return {QByteArray::fromRawData(static_cast<const char*>(address), length),
            std::move(keepAlive)};
}

// A file holding `block`, open for reading and writing.
int blockFile(const QTemporaryDir& dir, const QByteArray& block)
{
    const QByteArray path = dir.filePath(QStringLiteral("block")).toLocal8Bit();
    const int fd = ::open(path.constData(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ::write(fd, block.constData(), size_t(block.size())) != block.size())
        qFatal("cannot write the block file");
    return fd;
}
#endif

} // namespace

class TestPeerConnection : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PeerServer> listeningServer(PeerServerOptions options = {})
    {
        auto server = std::make_unique<PeerServer>(kServerId, servesOnlyOurTorrent(), options);
        if (!server->listen(QHostAddress::LocalHost, 0))
            qFatal("listen failed: %s", qPrintable(server->errorString()));
        return server;
    }

    std::unique_ptr<PeerConnection> connectedClient(quint16 port,
                                                    PeerConnectionOptions options = {},
                                                    const QByteArray& infoHash = kInfoHash,
                                                    const QByteArray& peerId = kClientId)
    {
        auto client = std::make_unique<PeerConnection>(infoHash, peerId, kGeometry, options);
        client->connectToPeer(QHostAddress::LocalHost, port);
        return client;
    }

    // An outgoing connection to a raw peer, past the handshake both ways: the raw side reads
    // and writes whatever bytes a test wants. `receiveBuffer` > 0 shrinks the raw side's socket
    // buffer so that a sender fills it soon.
    struct RawPair {
        std::unique_ptr<QTcpServer> listener;
        std::unique_ptr<PeerConnection> client;
        std::unique_ptr<QTcpSocket> peer;
    };
    RawPair rawPeerPair(int receiveBuffer = 0)
    {
        RawPair pair;
        pair.listener = std::make_unique<QTcpServer>();
        if (!pair.listener->listen(QHostAddress::LocalHost, 0))
            qFatal("listen failed");
        pair.client = connectedClient(pair.listener->serverPort());
        QSignalSpy handshake(pair.client.get(), &PeerConnection::handshakeReceived);
        if (!pair.listener->waitForNewConnection(5000))
            qFatal("no connection");
        pair.peer.reset(pair.listener->nextPendingConnection());
        if (receiveBuffer > 0)
            pair.peer->setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption,
                                       receiveBuffer);
        QByteArray theirs;
        for (int i = 0; i < 500 && theirs.size() < Handshake::kSize; ++i) {
            pair.peer->waitForReadyRead(10);
            theirs += pair.peer->readAll();
            QCoreApplication::processEvents();
        }
        if (theirs != handshakeBytes(kInfoHash, kClientId))
            qFatal("unexpected handshake from the client");
        pair.peer->write(handshakeBytes(kInfoHash, kServerId));
        if (!handshake.wait(5000))
            qFatal("the client did not take the handshake");
        return pair;
    }

    static QByteArray blockOf(int seed)
    {
        QByteArray block(16384, Qt::Uninitialized);
        for (qsizetype i = 0; i < block.size(); ++i)
            block[i] = char(i * 13 + seed);
        return block;
    }

    // A raw socket speaking for a peer, so tests can send what no PeerConnection would.
    std::unique_ptr<QTcpSocket> rawClient(quint16 port)
    {
        auto socket = std::make_unique<QTcpSocket>();
        QSignalSpy connected(socket.get(), &QTcpSocket::connected);
        socket->connectToHost(QHostAddress::LocalHost, port);
        if (!connected.wait(5000))
            qFatal("raw client did not connect");
        return socket;
    }

private slots:
    void handshakesBothWays()
    {
        auto server = listeningServer();
        Accepted accepted(*server);
        auto client = connectedClient(server->serverPort());
        QSignalSpy clientHandshake(client.get(), &PeerConnection::handshakeReceived);

        QTRY_COMPARE(accepted.peers.size(), 1);
        QTRY_COMPARE(clientHandshake.size(), 1);
        PeerConnection* serverSide = accepted.peers.first();

        QCOMPARE(clientHandshake.at(0).at(0).value<Handshake>().peerId, kServerId);
        QCOMPARE(client->remotePeerId(), kServerId);
        QCOMPARE(client->state(), PeerConnection::State::Active);
        QCOMPARE(client->direction(), PeerConnection::Direction::Outgoing);
        QCOMPARE(client->port(), server->serverPort());
        QCOMPARE(serverSide->remotePeerId(), kClientId);
        QCOMPARE(serverSide->infoHash(), kInfoHash);
        QCOMPARE(serverSide->state(), PeerConnection::State::Active);
        QCOMPARE(serverSide->direction(), PeerConnection::Direction::Incoming);
        QCOMPARE(serverSide->address(), QHostAddress(QHostAddress::LocalHost));
        // Both sides start choked and uninterested (BEP 3).
        QVERIFY(client->amChoking() && client->peerChoking());
        QVERIFY(!client->amInterested() && !client->peerInterested());
        QVERIFY(serverSide->amChoking() && serverSide->peerChoking());
    }

    void incomingRejectsTorrentWeDoNotServe()
    {
        auto server = listeningServer();
        Accepted accepted(*server);
        auto client = connectedClient(server->serverPort(), {}, kOtherHash);
        QSignalSpy clientClosed(client.get(), &PeerConnection::disconnected);

        QTRY_COMPARE(accepted.rejections.size(), 1);
        QVERIFY2(accepted.rejections.first().contains(QStringLiteral("do not serve")),
                 qPrintable(accepted.rejections.first()));
        QTRY_COMPARE(clientClosed.size(), 1);
        QVERIFY(accepted.peers.isEmpty());
        QTRY_COMPARE(server->connectionCount(), 0);
    }

    void outgoingRejectsWrongInfoHash()
    {
        QTcpServer raw;
        QVERIFY(raw.listen(QHostAddress::LocalHost, 0));
        auto client = connectedClient(raw.serverPort());
        QSignalSpy closed(client.get(), &PeerConnection::disconnected);
        QTRY_VERIFY(raw.hasPendingConnections());
        std::unique_ptr<QTcpSocket> peer(raw.nextPendingConnection());
        QTRY_COMPARE(peer->bytesAvailable(), Handshake::kSize);
        QCOMPARE(peer->readAll(), handshakeBytes(kInfoHash, kClientId));

        peer->write(handshakeBytes(kOtherHash, kServerId));
        QVERIFY(closed.wait(5000));
        const QString reason = closed.at(0).at(0).toString();
        QVERIFY2(reason.contains(QStringLiteral("expected")), qPrintable(reason));
        QCOMPARE(client->state(), PeerConnection::State::Closed);
        QTRY_COMPARE(peer->state(), QAbstractSocket::UnconnectedState);
    }

    void rejectsOurOwnPeerId()
    {
        // Outgoing: the "peer" answers with our own id, as when a tracker hands us our address.
        QTcpServer raw;
        QVERIFY(raw.listen(QHostAddress::LocalHost, 0));
        auto client = connectedClient(raw.serverPort());
        QSignalSpy closed(client.get(), &PeerConnection::disconnected);
        QTRY_VERIFY(raw.hasPendingConnections());
        std::unique_ptr<QTcpSocket> peer(raw.nextPendingConnection());
        peer->write(handshakeBytes(kInfoHash, kClientId));
        QVERIFY(closed.wait(5000));
        QVERIFY2(closed.at(0).at(0).toString().contains(QStringLiteral("ourselves")),
                 qPrintable(closed.at(0).at(0).toString()));

        // Incoming: a client carrying the server's id connects to it.
        auto server = listeningServer();
        Accepted accepted(*server);
        auto self = connectedClient(server->serverPort(), {}, kInfoHash, kServerId);
        QSignalSpy selfClosed(self.get(), &PeerConnection::disconnected);
        QTRY_COMPARE(accepted.rejections.size(), 1);
        QVERIFY2(accepted.rejections.first().contains(QStringLiteral("ourselves")),
                 qPrintable(accepted.rejections.first()));
        QTRY_COMPARE(selfClosed.size(), 1);
        QVERIFY(accepted.peers.isEmpty());
    }

    void exchangesMessagesBothWays()
    {
        auto server = listeningServer();
        Accepted accepted(*server);
        auto client = connectedClient(server->serverPort());
        QSignalSpy clientHandshake(client.get(), &PeerConnection::handshakeReceived);
        QTRY_COMPARE(accepted.peers.size(), 1);
        QTRY_COMPARE(clientHandshake.size(), 1);
        PeerConnection* serverSide = accepted.peers.first();

        QSignalSpy serverBitfield(serverSide, &PeerConnection::bitfieldReceived);
        QSignalSpy serverInterested(serverSide, &PeerConnection::interestedReceived);
        QSignalSpy serverRequest(serverSide, &PeerConnection::requestReceived);
        QSignalSpy serverHave(serverSide, &PeerConnection::haveReceived);
        QSignalSpy serverCancel(serverSide, &PeerConnection::cancelReceived);
        QSignalSpy clientBitfield(client.get(), &PeerConnection::bitfieldReceived);
        QSignalSpy clientUnchoke(client.get(), &PeerConnection::unchokeReceived);
        QSignalSpy clientPiece(client.get(), &PeerConnection::pieceReceived);

        // Client -> server: what it has, and that it wants more.
        client->sendBitfield(bitsOf({0}));
        client->sendInterested();
        QTRY_COMPARE(serverInterested.size(), 1);
        QCOMPARE(serverBitfield.size(), 1);
        QCOMPARE(serverBitfield.at(0).at(0).value<Bitfield>(), bitsOf({0}));
        QVERIFY(client->amInterested());
        QVERIFY(serverSide->peerInterested());

        // Server -> client: a seed's bitfield, then unchoke.
        serverSide->sendBitfield(bitsOf({0, 1, 2, 3}));
        serverSide->sendUnchoke();
        QTRY_COMPARE(clientUnchoke.size(), 1);
        QCOMPARE(clientBitfield.at(0).at(0).value<Bitfield>(), bitsOf({0, 1, 2, 3}));
        QVERIFY(!serverSide->amChoking());
        QVERIFY(!client->peerChoking());

        // A 16 KiB block, requested and served.
        client->sendRequest(1, 16384, 16384);
        QTRY_COMPARE(serverRequest.size(), 1);
        QCOMPARE(serverRequest.at(0).at(0).toInt(), 1);
        QCOMPARE(serverRequest.at(0).at(1).toLongLong(), 16384);
        QCOMPARE(serverRequest.at(0).at(2).toLongLong(), 16384);
        QByteArray block(16384, Qt::Uninitialized);
        for (qsizetype i = 0; i < block.size(); ++i)
            block[i] = char(i * 7 + 3);
        serverSide->sendPiece(1, 16384, block);
        QTRY_COMPARE(clientPiece.size(), 1);
        QCOMPARE(clientPiece.at(0).at(0).toInt(), 1);
        QCOMPARE(clientPiece.at(0).at(1).toLongLong(), 16384);
        QCOMPARE(clientPiece.at(0).at(2).toByteArray(), block);

        client->sendHave(1);
        client->sendCancel(2, 0, 16384);
        QTRY_COMPARE(serverCancel.size(), 1);
        QCOMPARE(serverHave.size(), 1);
        QCOMPARE(serverHave.at(0).at(0).toInt(), 1);
        QCOMPARE(serverCancel.at(0).at(0).toInt(), 2);
        QCOMPARE(serverCancel.at(0).at(2).toLongLong(), 16384);

        client->sendNotInterested();
        serverSide->sendChoke();
        QTRY_VERIFY(!serverSide->peerInterested());
        QTRY_VERIFY(client->peerChoking());
        QVERIFY(accepted.reasons.isEmpty());
    }

    void protocolViolationsDisconnectWithReason_data()
    {
        QTest::addColumn<QByteArray>("afterHandshake");
        QTest::addColumn<QString>("reasonPart");
        QTest::newRow("oversized length")
            << QByteArray::fromHex("ffffffff") << QStringLiteral("exceeds");
        QTest::newRow("index out of range")
            << WireCodec::encode(WireMessage::have(4)) << QStringLiteral("out of range");
    }

    void protocolViolationsDisconnectWithReason()
    {
        QFETCH(QByteArray, afterHandshake);
        QFETCH(QString, reasonPart);
        auto server = listeningServer();
        Accepted accepted(*server);
        auto raw = rawClient(server->serverPort());
        raw->write(handshakeBytes(kInfoHash, kClientId) + afterHandshake);

        QTRY_COMPARE(accepted.reasons.size(), 1);
        QVERIFY2(accepted.reasons.first().contains(reasonPart, Qt::CaseInsensitive),
                 qPrintable(accepted.reasons.first()));
        QTRY_COMPARE(raw->state(), QAbstractSocket::UnconnectedState);
    }

    void messageBeforeHandshakeDisconnects()
    {
        auto server = listeningServer();
        Accepted accepted(*server);
        auto raw = rawClient(server->serverPort());
        raw->write(WireCodec::encode(WireMessage::interested()));

        QTRY_COMPARE(accepted.rejections.size(), 1);
        QVERIFY2(accepted.rejections.first().contains(QStringLiteral("handshake")),
                 qPrintable(accepted.rejections.first()));
        QTRY_COMPARE(raw->state(), QAbstractSocket::UnconnectedState);
        QVERIFY(accepted.peers.isEmpty());
    }

    void dropsSilentPeers()
    {
        PeerServerOptions options;
        options.connection.inactivityTimeout = 300ms;
        auto server = listeningServer(options);
        Accepted accepted(*server);

        // Silent before the handshake.
        auto raw = rawClient(server->serverPort());
        QTRY_COMPARE_WITH_TIMEOUT(accepted.rejections.size(), 1, 5000);
        QVERIFY2(accepted.rejections.first().contains(QStringLiteral("no handshake")),
                 qPrintable(accepted.rejections.first()));

        // Silent after it: the client's keep-alives are far too rare to save it.
        auto client = connectedClient(server->serverPort());
        QSignalSpy clientClosed(client.get(), &PeerConnection::disconnected);
        QTRY_COMPARE(accepted.peers.size(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(accepted.reasons.size(), 1, 5000);
        QVERIFY2(accepted.reasons.first().contains(QStringLiteral("silent")),
                 qPrintable(accepted.reasons.first()));
        QTRY_COMPARE(clientClosed.size(), 1);
    }

    void keepAlivesKeepAQuietPeer()
    {
        PeerServerOptions options;
        options.connection.inactivityTimeout = 500ms;
        auto server = listeningServer(options);
        Accepted accepted(*server);
        PeerConnectionOptions clientOptions;
        clientOptions.keepAliveInterval = 100ms;
        auto client = connectedClient(server->serverPort(), clientOptions);
        QTRY_COMPARE(accepted.peers.size(), 1);
        QSignalSpy keepAlives(accepted.peers.first(), &PeerConnection::keepAliveReceived);

        QTest::qWait(1200);
        QVERIFY(accepted.reasons.isEmpty());
        QVERIFY2(keepAlives.size() >= 3, qPrintable(QString::number(keepAlives.size())));
        QCOMPARE(client->state(), PeerConnection::State::Active);
    }

    void acceptsTwoPeersFromOneAddress()
    {
        auto server = listeningServer();
        Accepted accepted(*server);
        auto first = connectedClient(server->serverPort());
        auto second = connectedClient(server->serverPort());
        QTRY_COMPARE(accepted.peers.size(), 2);

        const PeerConnection* a = accepted.peers.at(0);
        const PeerConnection* b = accepted.peers.at(1);
        QCOMPARE(a->address(), QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(b->address(), QHostAddress(QHostAddress::LocalHost));
        QVERIFY(a->port() != b->port());
        QCOMPARE(server->connectionCount(), 2);
        QVERIFY(accepted.rejections.isEmpty());
    }

    void queuesWhatASlowPeerDoesNotTake()
    {
        // Far more than the socket buffers hold while the peer reads nothing: the rest waits in
        // the connection's queue, in order, small messages packed between the blocks.
        RawPair pair = rawPeerPair(64 * 1024);
        PeerConnection& client = *pair.client;
        QSignalSpy written(&client, &PeerConnection::bytesWritten);
        QSignalSpy closed(&client, &PeerConnection::disconnected);
        QByteArray expected;
        const int blocks = 1000;
        for (int i = 0; i < blocks; ++i) {
            const QByteArray block = blockOf(i);
            const int piece = i % 4;
            const qint64 begin = (i % 2) * 16384;
            client.sendPiece(piece, begin, block);
            expected += WireCodec::encode(WireMessage::piece(piece, begin, block));
            if (i % 10 == 0) {
                client.sendHave(piece);
                client.sendRequest(piece, 0, 16384);
                expected += WireCodec::encode(WireMessage::have(piece));
                expected += WireCodec::encode(WireMessage::request(piece, 0, 16384));
            }
        }
        // Nothing is written before control returns to the event loop.
        QCOMPARE(client.bytesToWrite(), expected.size());
        QCoreApplication::processEvents();
        QVERIFY2(client.bytesToWrite() > 0, "the socket took everything; the test needs more");

        QByteArray received;
        QTRY_VERIFY_WITH_TIMEOUT((received += pair.peer->readAll()).size() >= expected.size(),
                                 30000);
        QCOMPARE(received.size(), expected.size());
        QVERIFY(received == expected);
        QTRY_COMPARE(client.bytesToWrite(), 0);
        qint64 reported = 0;
        for (const QList<QVariant>& args : std::as_const(written))
            reported += args.at(0).toLongLong();
        QCOMPARE(reported, expected.size());
        QVERIFY(closed.isEmpty());
    }

#ifdef Q_OS_UNIX
    void queuedMappedBlockIsKeptAliveUntilSent()
    {
        // The block's only owner is the reference the queue keeps: the caller dropped its
        // bytes and mapping right after sendPiece(). It waits behind 900 blocks that a slow
        // peer takes its time to read, then arrives intact, and the mapping goes once it left.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const int fd = blockFile(dir, blockOf(77));
        RawPair pair = rawPeerPair(64 * 1024);
        PeerConnection& client = *pair.client;
        QSignalSpy closed(&client, &PeerConnection::disconnected);
        QByteArray expected;
        bool released = false;
        for (int i = 0; i < 1000; ++i) {
            const int piece = i % 4;
            const qint64 begin = (i % 2) * 16384;
            if (i == 900) {
                MappedBlock mapped = mappedBlock(fd, 16384, &released);
                client.sendPiece(piece, begin, mapped.bytes, std::move(mapped.keepAlive));
                expected += WireCodec::encode(WireMessage::piece(piece, begin, blockOf(77)));
                continue;
            }
            client.sendPiece(piece, begin, blockOf(i));
            expected += WireCodec::encode(WireMessage::piece(piece, begin, blockOf(i)));
        }
        ::close(fd); // the mapping does not need the descriptor
        QCoreApplication::processEvents();
        QVERIFY2(client.bytesToWrite() > 100 * 16384,
                 "the socket took too much; the test needs more");
        QVERIFY(!released);

        QByteArray received;
        QTRY_VERIFY_WITH_TIMEOUT((received += pair.peer->readAll()).size() >= expected.size(),
                                 30000);
        QVERIFY(received == expected);
        QTRY_COMPARE(client.bytesToWrite(), 0);
        QVERIFY(released);
        QVERIFY(closed.isEmpty());
    }

    void mappedBlockOfATruncatedFileDisconnectsCleanly()
    {
        // Another program cuts the shared file short while a block of it waits in the queue:
        // sendmsg() cannot copy it (EFAULT, not a SIGBUS as a read of ours would get), and the
        // connection ends with a reason that says what happened.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const int fd = blockFile(dir, blockOf(5));
        RawPair pair = rawPeerPair(64 * 1024);
        PeerConnection& client = *pair.client;
        QSignalSpy closed(&client, &PeerConnection::disconnected);
        bool released = false;
        QByteArray before; // what may go out: the blocks before it, and its header at most
        for (int i = 0; i < 300; ++i) {
            client.sendPiece(i % 4, (i % 2) * 16384, blockOf(i));
            before += WireCodec::encode(WireMessage::piece(i % 4, (i % 2) * 16384, blockOf(i)));
        }
        {
            MappedBlock mapped = mappedBlock(fd, 16384, &released);
            client.sendPiece(1, 0, mapped.bytes, std::move(mapped.keepAlive));
            before += WireCodec::encodePieceHeader(1, 0, 16384);
        }
        client.sendHave(2);
        QCOMPARE(::ftruncate(fd, 0), 0);
        ::close(fd);
        QByteArray received;
        QTRY_VERIFY_WITH_TIMEOUT((received += pair.peer->readAll(), closed.size() == 1), 30000);
        const QString reason = closed.at(0).at(0).toString();
        QVERIFY2(reason.contains(QStringLiteral("changed on disk")), qPrintable(reason));
        QCOMPARE(client.state(), PeerConnection::State::Closed);
        QCOMPARE(client.bytesToWrite(), 0);
        QVERIFY(released);
        QTRY_VERIFY_WITH_TIMEOUT((received += pair.peer->readAll(),
                                  pair.peer->state() == QAbstractSocket::UnconnectedState),
                                 10000);
        received += pair.peer->readAll();
        QVERIFY(received.size() <= before.size());
        QVERIFY(received == before.first(received.size()));
        QCoreApplication::processEvents();
        QCOMPARE(closed.size(), 1);
    }
#endif

    void peerClosingWithQueuedDataDisconnectsOnce()
    {
        RawPair pair = rawPeerPair(64 * 1024);
        PeerConnection& client = *pair.client;
        QSignalSpy closed(&client, &PeerConnection::disconnected);
        for (int i = 0; i < 1000; ++i)
            client.sendPiece(i % 4, (i % 2) * 16384, blockOf(i));
        QCoreApplication::processEvents();
        QVERIFY(client.bytesToWrite() > 0);
        pair.peer->abort();
        QTRY_COMPARE(closed.size(), 1);
        QCOMPARE(client.state(), PeerConnection::State::Closed);
        QCOMPARE(client.bytesToWrite(), 0);
        // Sends after the close are dropped, and nothing more is signalled.
        client.sendHave(1);
        QCoreApplication::processEvents();
        QCOMPARE(closed.size(), 1);
    }

    void readsLongBurstsWhole()
    {
        // Several megabytes in one go, split at odd places: more than one read's worth, so the
        // connection comes back for the rest by itself.
        RawPair pair = rawPeerPair();
        PeerConnection& client = *pair.client;
        QSignalSpy pieces(&client, &PeerConnection::pieceReceived);
        QSignalSpy haves(&client, &PeerConnection::haveReceived);
        QByteArray stream;
        const int blocks = 300;
        for (int i = 0; i < blocks; ++i) {
            stream += WireCodec::encode(WireMessage::piece(i % 4, (i % 2) * 16384, blockOf(i)));
            stream += WireCodec::encode(WireMessage::have(i % 4));
        }
        for (qsizetype at = 0; at < stream.size();) {
            const qsizetype n = std::min<qsizetype>(stream.size() - at, 1000003);
            pair.peer->write(stream.constData() + at, n);
            at += n;
        }
        QTRY_COMPARE_WITH_TIMEOUT(pieces.size(), blocks, 30000);
        QCOMPARE(haves.size(), blocks);
        for (int i = 0; i < blocks; ++i) {
            QCOMPARE(pieces.at(i).at(0).toInt(), i % 4);
            QCOMPARE(pieces.at(i).at(1).toLongLong(), (i % 2) * 16384);
            QVERIFY(pieces.at(i).at(2).toByteArray() == blockOf(i));
        }
        QCOMPARE(client.state(), PeerConnection::State::Active);

        // The peer's close is noticed through the read that finds it.
        QSignalSpy closed(&client, &PeerConnection::disconnected);
        pair.peer->disconnectFromHost();
        QTRY_COMPARE(closed.size(), 1);
        QVERIFY2(closed.at(0).at(0).toString().contains(QStringLiteral("closed")),
                 qPrintable(closed.at(0).at(0).toString()));
    }

    void readsBlocksInPlaceAndChecksThem()
    {
        // Only 16 KiB pieces: the reads put each block in a buffer of its own (see
        // PeerConnection). Then a piece whose index is out of range, with valid ones before it:
        // they arrive, it ends the connection with its reason.
        RawPair pair = rawPeerPair();
        PeerConnection& client = *pair.client;
        QSignalSpy pieces(&client, &PeerConnection::pieceReceived);
        QSignalSpy closed(&client, &PeerConnection::disconnected);
        const int blocks = 400;
        QByteArray stream;
        for (int i = 0; i < blocks; ++i)
            stream += WireCodec::encode(WireMessage::piece(i % 4, (i % 2) * 16384, blockOf(i)));
        pair.peer->write(stream);
        QTRY_COMPARE_WITH_TIMEOUT(pieces.size(), blocks, 30000);
        for (int i = 0; i < blocks; ++i) {
            QCOMPARE(pieces.at(i).at(0).toInt(), i % 4);
            QCOMPARE(pieces.at(i).at(1).toLongLong(), (i % 2) * 16384);
            QVERIFY(pieces.at(i).at(2).toByteArray() == blockOf(i));
        }
        QVERIFY(closed.isEmpty());

        QByteArray bad;
        for (int i = 0; i < 5; ++i)
            bad += WireCodec::encode(WireMessage::piece(1, 0, blockOf(i)));
        bad += WireCodec::encodePieceHeader(4, 0, 16384) + blockOf(99); // 4 pieces: 0..3
        bad += WireCodec::encode(WireMessage::piece(1, 0, blockOf(7)));
        pair.peer->write(bad);
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 30000);
        QCOMPARE(pieces.size(), blocks + 5);
        QVERIFY2(closed.at(0).at(0).toString().contains(QStringLiteral("out of range")),
                 qPrintable(closed.at(0).at(0).toString()));
    }

    void capsConnections()
    {
        PeerServerOptions options;
        options.maxConnections = 1;
        auto server = listeningServer(options);
        Accepted accepted(*server);
        auto first = connectedClient(server->serverPort());
        QTRY_COMPARE(accepted.peers.size(), 1);

        auto second = connectedClient(server->serverPort());
        QSignalSpy secondClosed(second.get(), &PeerConnection::disconnected);
        QTRY_COMPARE(accepted.rejections.size(), 1);
        QVERIFY2(accepted.rejections.first().contains(QStringLiteral("limit")),
                 qPrintable(accepted.rejections.first()));
        QTRY_COMPARE(secondClosed.size(), 1);
        QCOMPARE(server->connectionCount(), 1);

        // The slot frees up when the first peer leaves.
        first->disconnectFromPeer(QStringLiteral("test done"));
        QTRY_COMPARE(server->connectionCount(), 0);
        auto third = connectedClient(server->serverPort());
        QTRY_COMPARE(accepted.peers.size(), 2);
        QCOMPARE(accepted.rejections.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestPeerConnection)
#include "tst_peerconnection.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#include "peer/peerconnection.h"

#include "common/logging.h"
#include "common/netaddress.h"

#include <QPointer>
#include <QSocketNotifier>
#include <QTcpSocket>

#include <array>
#include <utility>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <sys/socket.h>
#include <sys/uio.h>
#endif

namespace swarmshare::peer {

namespace {

// Reads take up to this much at a time: a few hundred kilobytes per system call keep the calls
// few at a gigabyte per second while the buffer stays in the CPU's cache.
constexpr qsizetype kReadChunk = 256 * 1024;
// Bytes read per readyRead at most, so that one fast peer does not starve the others.
constexpr qint64 kMaxReadPerWakeup = 1024 * 1024;
// Segments per gathered write (IOV_MAX is 1024 on Linux): 32 blocks and their headers.
constexpr int kMaxWriteSegments = 64;
// Small messages are packed into one segment up to this size.
constexpr qsizetype kMaxSmallSegment = 4096;

QString hexOf(const QByteArray& bytes)
{
    return QString::fromLatin1(bytes.toHex());
}

// Blocks read in place: a read goes, in one readv, first to what the message in progress still
// lacks, then to these pairs of a 13-byte header and a 16 KiB block, then to the read buffer.
// While the peer sends pieces of 16 KiB blocks, as peers do, each block lands in its own buffer
// and reaches the storage without a copy; any other message, or a block the read splits, is
// decoded from wherever it landed the ordinary way.
constexpr int kBlockSlots = 16;
constexpr qsizetype kSlotBlockSize = WireCodec::kMaxBlockSize;
// Room behind the slots: small messages, and whatever does not fit in them.
constexpr qsizetype kSlotTail = 16 * 1024;

struct BlockSlot {
    char header[WireCodec::kPieceHeaderSize];
    QByteArray block;
};

// The connections of a thread read one after another, and the decoder copies what it keeps of
// a read (or takes a slot's block and puts a new one in its place), so they share one read
// buffer and one set of slots. A read nested in another one (a slot of the first connection
// reading a second) gets a buffer of its own and no slots.
thread_local QByteArray t_readBuffer;
thread_local std::array<BlockSlot, kBlockSlots> t_blockSlots;
thread_local bool t_readBufferBusy = false;

} // namespace

class ReadBuffer {
public:
    ReadBuffer()
        : m_shared(!t_readBufferBusy)
    {
        QByteArray& bytes = m_shared ? t_readBuffer : m_own;
        if (bytes.size() != kReadChunk)
            bytes.resize(kReadChunk);
        m_data = bytes.data();
        if (m_shared)
            t_readBufferBusy = true;
    }
    ~ReadBuffer()
    {
        if (m_shared)
            t_readBufferBusy = false;
    }
    ReadBuffer(const ReadBuffer&) = delete;
    ReadBuffer& operator=(const ReadBuffer&) = delete;

    char* data() const { return m_data; }
    // The block slots, or nullptr for a nested read.
    std::array<BlockSlot, kBlockSlots>* blockSlots() const
    {
        if (!m_shared)
            return nullptr;
        for (BlockSlot& slot : t_blockSlots) {
            if (slot.block.size() != kSlotBlockSize)
                slot.block = QByteArray(kSlotBlockSize, Qt::Uninitialized);
        }
        return &t_blockSlots;
    }

private:
    bool m_shared;
    QByteArray m_own;
    char* m_data = nullptr;
};

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
    // The notifier watches the socket's descriptor: it goes first.
    releaseNotifier();
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
    // Only what another writer left in the socket's own buffer: we write around it (flush()).
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this](qint64 bytes) {
        Q_EMIT bytesWritten(bytes);
        if (m_socket->bytesToWrite() == 0)
            onWritable();
    });
}

qint64 PeerConnection::bytesToWrite() const
{
    return m_outBytes + (m_socket ? m_socket->bytesToWrite() : 0);
}

void PeerConnection::connectToPeer(const QHostAddress& address, quint16 port)
{
    Q_ASSERT(m_direction == Direction::Outgoing && m_state == State::Idle);
    m_address = plainAddress(address);
    m_port = port;
    m_state = State::Connecting;
    m_lastReceived.start();
    m_inactivityTimer.start(m_options.inactivityTimeout);
    // Unbuffered: reads go straight into our buffer (see onReadyRead()).
    m_socket->connectToHost(m_address, m_port, QIODevice::ReadWrite | QIODevice::Unbuffered);
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
    releaseNotifier();
    m_out.clear();
    m_outBytes = 0;
    m_outOffset = 0;
    m_tailSmall = false;
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
    flush();
}

void PeerConnection::onReadyRead()
{
    if (m_state != State::Handshaking && m_state != State::Active)
        return;
    QPointer<PeerConnection> self(this);
    const ReadBuffer buffer;
    // What the messages make us send goes out in one write once the read is done.
    ++m_reading;
    qint64 total = 0;
    bool closed = false;
    while (total < kMaxReadPerWakeup) {
#ifdef Q_OS_UNIX
        if (m_state == State::Active && (m_socket->openMode() & QIODevice::Unbuffered)) {
            bool drained = false;
            const qint64 n = readInPlace(buffer, drained);
            if (!self)
                return;
            if (n > 0) {
                total += n;
                m_lastReceived.restart();
                if (m_state == State::Closed)
                    break;
                if (!drained)
                    continue;
            }
            // Drained, nothing waiting, the end of the stream or an error: the socket's own
            // read below says which, and has the socket watch for more. (0: no read in place
            // this time; the ordinary one below takes its turn.)
        }
#endif
        const qint64 n = m_socket->read(buffer.data(), kReadChunk);
        if (n < 0) {
            closed = true; // an unbuffered socket reports the peer's close (or an error) here
            break;
        }
        if (n == 0)
            break;
        total += n;
        m_lastReceived.restart();
        QByteArrayView rest(buffer.data(), n);
        if (m_state == State::Handshaking) {
            const qsizetype used = readHandshake(rest);
            if (!self)
                return;
            if (used < 0)
                break;
            rest = rest.sliced(used);
        }
        if (m_state == State::Active && !rest.isEmpty())
            readMessages(rest);
        if (!self)
            return;
        if (m_state == State::Closed || n < kReadChunk)
            break;
    }
    --m_reading;
    if (m_state == State::Closed)
        return;
    if (closed) {
        onSocketClosed();
        return;
    }
    if (total >= kMaxReadPerWakeup) {
        // More may wait: come back once the other connections had their turn. (An unbuffered
        // socket would say so again; a buffered one holding the rest would not.)
        QMetaObject::invokeMethod(this, &PeerConnection::onReadyRead, Qt::QueuedConnection);
    }
    if (!m_out.empty())
        onWritable();
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
    onSocketClosed();
}

void PeerConnection::onSocketClosed()
{
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
    dispatchAll(messages, result);
}

#ifdef Q_OS_UNIX
qint64 PeerConnection::readInPlace(const ReadBuffer& buffer, bool& drained)
{
    std::array<BlockSlot, kBlockSlots>* blockSlots = buffer.blockSlots();
    const qsizetype missing = m_codec->bytesToMessageEnd();
    if (!blockSlots || missing < 0 || missing > kReadChunk - kSlotTail)
        return 0;
    const int fd = int(m_socket->socketDescriptor());
    if (fd < 0)
        return -1;
    char* const head = buffer.data();
    char* const tail = head + missing;
    std::array<iovec, 2 * kBlockSlots + 2> vectors;
    int count = 0;
    if (missing > 0)
        vectors[count++] = {head, size_t(missing)};
    for (BlockSlot& slot : *blockSlots) {
        vectors[count++] = {slot.header, sizeof slot.header};
        vectors[count++] = {slot.block.data(), size_t(kSlotBlockSize)};
    }
    vectors[count++] = {tail, size_t(kSlotTail)};
    constexpr qsizetype kSlotSize = WireCodec::kPieceHeaderSize + kSlotBlockSize;
    const qsizetype capacity = missing + kBlockSlots * kSlotSize + kSlotTail;
    ssize_t n = -1;
    do {
        n = ::readv(fd, vectors.data(), count);
    } while (n < 0 && errno == EINTR);
    if (n <= 0)
        return -1;
    drained = n < capacity;

    // Decoded in stream order: the rest of the message in progress, then each slot (in place
    // when it holds a whole 16 KiB piece message at a message boundary), then the tail.
    QList<WireMessage> messages;
    Result<void> result;
    auto feed = [&](const char* data, qsizetype length) {
        if (result && length > 0)
            result = m_codec->feed(QByteArrayView(data, length), messages);
    };
    qsizetype left = n;
    const qsizetype first = std::min(left, missing);
    feed(head, first);
    left -= first;
    for (BlockSlot& slot : *blockSlots) {
        if (left == 0 || !result)
            break;
        const qsizetype got = std::min(left, kSlotSize);
        left -= got;
        const QByteArrayView header(slot.header, sizeof slot.header);
        if (got == kSlotSize && m_codec->bufferedBytes() == 0 &&
            WireCodec::isPieceHeader(header, kSlotBlockSize)) {
            result = m_codec->feedPiece(
                header, std::exchange(slot.block, QByteArray(kSlotBlockSize, Qt::Uninitialized)),
                messages);
        } else {
            const qsizetype inHeader = std::min(got, qsizetype(sizeof slot.header));
            feed(slot.header, inHeader);
            feed(slot.block.constData(), got - inHeader);
        }
    }
    feed(tail, left);
    dispatchAll(messages, result);
    return n;
}
#endif

void PeerConnection::dispatchAll(const QList<WireMessage>& messages, const Result<void>& result)
{
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
    if (m_tailSmall && m_out.back().bytes.size() < kMaxSmallSegment) {
        // Packed into the tail segment, which only this connection holds: no allocation.
        QByteArray& tail = m_out.back().bytes;
        const qsizetype before = tail.size();
        WireCodec::append(tail, message);
        m_outBytes += tail.size() - before;
        m_lastSent.start();
        scheduleFlush();
        return;
    }
    write(WireCodec::encode(message));
}

void PeerConnection::write(const QByteArray& bytes, bool small,
                           std::shared_ptr<const void> keepAlive)
{
    if (bytes.isEmpty() || m_writeFailed)
        return;
    if (small && m_tailSmall && m_out.back().bytes.size() < kMaxSmallSegment) {
        m_out.back().bytes.append(bytes);
    } else {
        m_out.push_back({bytes, std::move(keepAlive)});
        m_tailSmall = small;
    }
    m_outBytes += bytes.size();
    m_lastSent.start();
    scheduleFlush();
}

void PeerConnection::scheduleFlush()
{
    // Inside a read, the read flushes when it is done; elsewhere, what the caller sends until
    // control returns to the event loop goes out together.
    if (m_reading > 0 || m_flushPosted || (m_writeNotifier && m_writeNotifier->isEnabled()))
        return;
    m_flushPosted = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_flushPosted = false;
            onWritable();
        },
        Qt::QueuedConnection);
}

qint64 PeerConnection::flush()
{
    if (m_out.empty() || m_writeFailed || m_state == State::Closed)
        return 0;
    // Bytes that another writer left in the socket's buffer go first; its bytesWritten() brings
    // us back here.
    if (m_socket->bytesToWrite() > 0)
        return 0;
    qint64 written = 0;
#ifdef Q_OS_UNIX
    const int fd = int(m_socket->socketDescriptor());
    if (fd < 0)
        return 0;
    bool full = false;
    while (!m_out.empty() && !full) {
        iovec segments[kMaxWriteSegments];
        int count = 0;
        for (auto it = m_out.begin(); it != m_out.end() && count < kMaxWriteSegments; ++it) {
            const qsizetype skip = count == 0 ? m_outOffset : 0;
            segments[count].iov_base = const_cast<char*>(it->bytes.constData() + skip);
            segments[count].iov_len = size_t(it->bytes.size() - skip);
            ++count;
        }
        msghdr message{};
        message.msg_iov = segments;
        message.msg_iovlen = size_t(count);
        const ssize_t sent = ::sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EFAULT) {
                // Only a block of a file mapping can fault (see sendPiece()): its file was cut
                // short, or could not be read back, since the disk thread checked it.
                failWrite(QStringLiteral("cannot send a block: the shared file changed on disk "
                                         "while it was being sent (truncated or unreadable)"));
                return -1;
            }
            failWrite(QStringLiteral("socket error: %1").arg(qt_error_string(errno)));
            return -1;
        }
        written += sent;
        m_outBytes -= sent;
        qint64 left = sent;
        while (left > 0) {
            const qsizetype rest = m_out.front().bytes.size() - m_outOffset;
            if (left < rest) {
                m_outOffset += qsizetype(left);
                full = true; // a short write: the socket's buffer is full
                break;
            }
            left -= rest;
            m_out.pop_front(); // and with it the block's mapping, if it was the last user
            m_outOffset = 0;
        }
    }
    if (m_out.empty()) {
        m_tailSmall = false;
        if (m_writeNotifier)
            m_writeNotifier->setEnabled(false);
    } else {
        // The socket is full: wait until it takes more.
        if (!m_writeNotifier) {
            m_writeNotifier = new QSocketNotifier(qintptr(fd), QSocketNotifier::Write, this);
            connect(m_writeNotifier, &QSocketNotifier::activated, this,
                    &PeerConnection::onWritable);
        }
        m_writeNotifier->setEnabled(true);
    }
#else
    // Elsewhere the socket buffers (and copies) what it cannot send at once.
    for (const Segment& segment : m_out) {
        written += segment.bytes.size() - m_outOffset;
        m_socket->write(m_outOffset > 0 ? segment.bytes.sliced(m_outOffset) : segment.bytes);
        m_outOffset = 0;
    }
    m_out.clear();
    m_outBytes = 0;
    m_tailSmall = false;
#endif
    return written;
}

// Flushes from the event loop, and says how much went (the upload side reads more from disk).
void PeerConnection::onWritable()
{
    const qint64 written = flush();
    if (written > 0 && m_state != State::Closed)
        Q_EMIT bytesWritten(written);
}

void PeerConnection::failWrite(const QString& reason)
{
    // Closed from the event loop, not from inside the caller's send.
    m_writeFailed = true;
    releaseNotifier();
    QMetaObject::invokeMethod(
        this, [this, reason] { disconnectFromPeer(reason); }, Qt::QueuedConnection);
}

void PeerConnection::releaseNotifier()
{
    delete m_writeNotifier;
    m_writeNotifier = nullptr;
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

void PeerConnection::sendPiece(int index, qint64 begin, const QByteArray& block,
                               std::shared_ptr<const void> keepAlive)
{
    if (!canSend("piece"))
        return;
    m_sentMessage = true;
    write(WireCodec::encodePieceHeader(index, begin, block.size()));
    // Queued as it is, shared with the caller: no copy. Nothing here reads its bytes (see the
    // header): only sendmsg() does.
    write(block, false, std::move(keepAlive));
}

void PeerConnection::sendCancel(int index, qint64 begin, qint64 length)
{
    if (canSend("cancel"))
        send(WireMessage::cancel(index, begin, length));
}

} // namespace swarmshare::peer

// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for what a remote peer sends: the BEP 3 handshake reader and the wire
// codec. The first 4 input bytes choose the torrent's shape (piece count and length); the rest
// is the stream. Beyond "no crash, no sanitizer report" it checks the promises the peer engine
// relies on: the stream decodes the same however it is split, every decoded message encodes
// back to the bytes it came from, and limits hold.
#include "peer/handshake.h"
#include "peer/wirecodec.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace swarmshare;
using namespace swarmshare::peer;

namespace {

void check(bool condition, const char* what)
{
    if (condition)
        return;
    std::fprintf(stderr, "fuzz_wire: broken promise: %s\n", what);
    std::abort();
}

struct Decoded {
    QList<WireMessage> messages;
    bool ok = true;
    qint64 errorOffset = -1;
};

// Feeds `stream` in chunks whose sizes come from `sizes` (cycled), 1 byte at the least.
Decoded decode(const PieceGeometry& geometry, QByteArrayView stream, QByteArrayView sizes)
{
    WireCodec codec(geometry);
    Decoded result;
    qsizetype at = 0;
    for (qsizetype i = 0; at < stream.size(); ++i) {
        const qsizetype size =
            sizes.isEmpty() ? stream.size() : 1 + uchar(sizes[i % sizes.size()]) % 97;
        const Result<void> fed =
            codec.feed(stream.sliced(at, qMin(size, stream.size() - at)), result.messages);
        at += size;
        if (!fed) {
            result.ok = false;
            result.errorOffset = fed.error().offset;
            break;
        }
    }
    return result;
}

void checkMessages(const PieceGeometry& geometry, QByteArrayView stream, const Decoded& whole)
{
    QByteArray reencoded;
    for (const WireMessage& message : whole.messages) {
        check(message.payload.size() <= WireCodec::kMaxMessageLength, "payload within limits");
        if (message.type == WireMessage::Type::Request ||
            message.type == WireMessage::Type::Cancel) {
            check(message.length >= 1 && message.length <= WireCodec::kMaxBlockSize,
                  "request length 1..16 KiB");
            check(message.index >= 0 && message.index < geometry.pieceCount, "index in range");
        }
        WireCodec::append(reencoded, message);
    }
    // What decoded must be exactly the start of the stream.
    check(QByteArrayView(reencoded) == stream.first(qMin(reencoded.size(), stream.size())),
          "messages encode back to their bytes");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 4)
        return 0;
    const QByteArrayView input(reinterpret_cast<const char*>(data), qsizetype(size));
    // Shape: 1..4096 pieces of 16 KiB * 2^(0..4), the last one a little short.
    PieceGeometry geometry;
    geometry.pieceCount = 1 + ((uchar(input[0]) << 8 | uchar(input[1])) % 4096);
    geometry.pieceLength = qint64(16384) << (uchar(input[2]) % 5);
    geometry.totalLength = qint64(geometry.pieceCount) * geometry.pieceLength -
                           (uchar(input[3]) % 2 ? geometry.pieceLength / 3 : 0);
    const QByteArrayView stream = input.sliced(4);

    // The handshake reader: whole or byte by byte, the same verdict and the same length.
    HandshakeReader whole;
    const HandshakeReader::Progress all = whole.feed(stream);
    HandshakeReader bytewise;
    qsizetype consumed = 0;
    for (qsizetype i = 0;
         i < stream.size() && bytewise.status() == HandshakeReader::Status::NeedMore; ++i)
        consumed += bytewise.feed(stream.sliced(i, 1)).consumed;
    check(bytewise.status() == whole.status(), "handshake verdict independent of splitting");
    if (whole.status() == HandshakeReader::Status::Parsed)
        check(consumed == all.consumed, "a handshake is the same bytes however split");
    if (whole.status() == HandshakeReader::Status::Failed)
        check(bytewise.error().offset == whole.error().offset,
              "a bad handshake fails at the same byte however split");
    check(all.consumed <= 68, "a handshake is 68 bytes at most");

    // The wire codec on what follows a handshake (or on everything when there is none): split
    // differently, the same messages and the same verdict.
    const QByteArrayView wire =
        all.status == HandshakeReader::Status::Parsed ? stream.sliced(all.consumed) : stream;
    const Decoded once = decode(geometry, wire, {});
    const Decoded split = decode(geometry, wire, stream.first(qMin<qsizetype>(16, stream.size())));
    check(once.ok == split.ok, "codec verdict independent of splitting");
    check(once.messages.size() == split.messages.size(), "same number of messages");
    for (qsizetype i = 0; i < once.messages.size(); ++i)
        check(once.messages[i] == split.messages[i], "same messages");
    if (!once.ok)
        check(once.errorOffset == split.errorOffset && once.errorOffset >= 0 &&
                  once.errorOffset <= wire.size(),
              "errors at the same offset, inside the stream");
    checkMessages(geometry, wire, once);
    return 0;
}

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <array>
#include <memory>

namespace swarmshare {

// SHA-1, the hash of BitTorrent v1's pieces and info-hashes, on every hot path that hashes data.
//
// Where the CPU has the SHA instructions (x86 SHA-NI), the rounds are ours, written with those
// instructions; elsewhere it is OpenSSL's EVP interface. One message at a time both are the same
// speed: each SHA round instruction waits for the previous one's result, so a single message
// leaves the unit mostly idle. The several-message addData() interleaves the rounds of up to
// kMaxLanes independent messages (pieces), which the CPU then runs side by side: 2.2x the speed
// of one message with four (4.3 vs 1.9 GB/s on the reference machine), where libraries offer no
// such thing for SHA-1 (OpenSSL hashes one message per call; Intel's multi-buffer libraries are
// either not packaged by Debian or take whole contiguous messages, not pieces that arrive block
// by block).
//
// SWARMSHARE_SHA1=openssl in the environment makes Engine::Auto use OpenSSL (for comparisons).
class Sha1 {
public:
    static constexpr int kSize = 20;
    static constexpr int kMaxLanes = 4;

    enum class Engine {
        Auto,    // the SHA instructions where the CPU has them, else OpenSSL
        OpenSsl, // always OpenSSL
    };

    explicit Sha1(Engine engine = Engine::Auto);
    ~Sha1();
    Sha1(const Sha1&) = delete;
    Sha1& operator=(const Sha1&) = delete;

    void addData(QByteArrayView data);
    // Returns the 20-byte digest and resets, ready for the next message.
    QByteArray result();

    // Adds data[i] to *hashes[i] for i < count: the same as calling addData() on each, but up to
    // kMaxLanes messages are hashed at once where the SHA instructions are used. The hashes must
    // be distinct objects; the data may have any lengths (equal lengths interleave best).
    static void addData(Sha1* const* hashes, const QByteArrayView* data, int count);

    static QByteArray hash(QByteArrayView data);
    // Whether Engine::Auto uses this CPU's SHA instructions.
    static bool usesShaInstructions();

private:
    struct Evp;
    struct State {
        std::array<quint32, 5> h;
        quint64 length = 0; // bytes added since the start of the message
        std::array<unsigned char, 64> buffer;
        int buffered = 0;
    };

    void reset();
    // Completes a partly filled 64-byte block from `data`; returns the bytes it took.
    qsizetype fillBuffer(QByteArrayView data);

    State m_state;
    std::unique_ptr<Evp> m_evp; // set for the OpenSSL engine
};

} // namespace swarmshare

// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/sha1.h"

#include <QVarLengthArray>
#include <QtEndian>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <openssl/evp.h>
#include <stdexcept>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SWARMSHARE_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace swarmshare {

namespace {

constexpr std::array<quint32, 5> kInitialState = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476,
                                                  0xC3D2E1F0};

#ifdef SWARMSHARE_SHA_NI

// The SHA-1 compression of `blocks` 64-byte blocks of each of N messages, with the SHA
// instructions (the scheme of Intel's "New Instructions Supporting the Secure Hash Algorithm on
// Intel Architecture Processors", 2013). Each group of four rounds of every message is issued
// before the next group of any: the messages are independent, so the CPU overlaps their
// instruction latencies.
template<int N>
__attribute__((target("sha,sse4.1"))) void
compress(quint32* const* states, const unsigned char* const* data, qsizetype blocks)
{
    // Big-endian words, and the word order sha1rnds4 expects (the first word in the high lane).
    const __m128i byteSwap = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
    __m128i abcd[N];
    __m128i e0[N];
#pragma GCC unroll 4
    for (int k = 0; k < N; ++k) {
        abcd[k] =
            _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(states[k])), 0x1B);
        e0[k] = _mm_set_epi32(int(states[k][4]), 0, 0, 0);
    }
    for (qsizetype block = 0; block < blocks; ++block) {
        __m128i w[N][4]; // the message schedule, four words a vector, a ring of four vectors
        __m128i abcdSaved[N];
        __m128i eSaved[N];
        __m128i e[N];
        __m128i previous[N]; // abcd before the last group of rounds: the next group's e
#pragma GCC unroll 4
        for (int k = 0; k < N; ++k) {
            abcdSaved[k] = abcd[k];
            eSaved[k] = e0[k];
        }
        // Group G (rounds 4G..4G+3) with round function F: its four schedule words, then e
        // derived from the previous group's a, then the four rounds.
#define SWARMSHARE_SHA1_GROUP(G, F)                                                                \
    _Pragma("GCC unroll 4") for (int k = 0; k < N; ++k)                                            \
    {                                                                                              \
        if constexpr ((G) < 4) {                                                                   \
            w[k][G] = _mm_shuffle_epi8(                                                            \
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(data[k] + block * 64 + (G)*16)),  \
                byteSwap);                                                                         \
        } else {                                                                                   \
            w[k][(G) % 4] = _mm_sha1msg2_epu32(                                                    \
                _mm_xor_si128(_mm_sha1msg1_epu32(w[k][(G) % 4], w[k][((G) + 1) % 4]),              \
                              w[k][((G) + 2) % 4]),                                                \
                w[k][((G) + 3) % 4]);                                                              \
        }                                                                                          \
        if constexpr ((G) == 0)                                                                    \
            e[k] = _mm_add_epi32(e0[k], w[k][0]);                                                  \
        else                                                                                       \
            e[k] = _mm_sha1nexte_epu32(previous[k], w[k][(G) % 4]);                                \
        previous[k] = abcd[k];                                                                     \
        abcd[k] = _mm_sha1rnds4_epu32(abcd[k], e[k], F);                                           \
    }
        SWARMSHARE_SHA1_GROUP(0, 0)
        SWARMSHARE_SHA1_GROUP(1, 0)
        SWARMSHARE_SHA1_GROUP(2, 0)
        SWARMSHARE_SHA1_GROUP(3, 0)
        SWARMSHARE_SHA1_GROUP(4, 0)
        SWARMSHARE_SHA1_GROUP(5, 1)
        SWARMSHARE_SHA1_GROUP(6, 1)
        SWARMSHARE_SHA1_GROUP(7, 1)
        SWARMSHARE_SHA1_GROUP(8, 1)
        SWARMSHARE_SHA1_GROUP(9, 1)
        SWARMSHARE_SHA1_GROUP(10, 2)
        SWARMSHARE_SHA1_GROUP(11, 2)
        SWARMSHARE_SHA1_GROUP(12, 2)
        SWARMSHARE_SHA1_GROUP(13, 2)
        SWARMSHARE_SHA1_GROUP(14, 2)
        SWARMSHARE_SHA1_GROUP(15, 3)
        SWARMSHARE_SHA1_GROUP(16, 3)
        SWARMSHARE_SHA1_GROUP(17, 3)
        SWARMSHARE_SHA1_GROUP(18, 3)
        SWARMSHARE_SHA1_GROUP(19, 3)
#undef SWARMSHARE_SHA1_GROUP
#pragma GCC unroll 4
        for (int k = 0; k < N; ++k) {
            e0[k] = _mm_sha1nexte_epu32(previous[k], eSaved[k]);
            abcd[k] = _mm_add_epi32(abcd[k], abcdSaved[k]);
        }
    }
#pragma GCC unroll 4
    for (int k = 0; k < N; ++k) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(states[k]), _mm_shuffle_epi32(abcd[k], 0x1B));
        states[k][4] = quint32(_mm_extract_epi32(e0[k], 3));
    }
}

bool cpuHasShaInstructions()
{
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_SSE4_1))
        return false;
    return __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & bit_SHA);
}

#else

template<int N>
void compress(quint32* const*, const unsigned char* const*, qsizetype)
{
    Q_UNREACHABLE();
}

bool cpuHasShaInstructions()
{
    return false;
}

#endif

void compressLanes(int lanes, quint32* const* states, const unsigned char* const* data,
                   qsizetype blocks)
{
    switch (lanes) {
    case 1:
        compress<1>(states, data, blocks);
        break;
    case 2:
        compress<2>(states, data, blocks);
        break;
    case 3:
        compress<3>(states, data, blocks);
        break;
    default:
        compress<4>(states, data, blocks);
        break;
    }
}

bool useShaInstructions(Sha1::Engine engine)
{
    static const bool available = [] {
        const char* choice = std::getenv("SWARMSHARE_SHA1");
        return cpuHasShaInstructions() && !(choice && std::strcmp(choice, "openssl") == 0);
    }();
    return engine == Sha1::Engine::Auto && available;
}

} // namespace

struct Sha1::Evp {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Evp() { EVP_MD_CTX_free(ctx); }
};

Sha1::Sha1(Engine engine)
{
    if (!useShaInstructions(engine)) {
        m_evp = std::make_unique<Evp>();
        // Allocation failure or a missing digest is a broken installation, not a runtime
        // condition.
        if (!m_evp->ctx || EVP_DigestInit_ex(m_evp->ctx, EVP_sha1(), nullptr) != 1)
            throw std::runtime_error("OpenSSL SHA-1 is unavailable");
    }
    reset();
}

Sha1::~Sha1() = default;

void Sha1::reset()
{
    m_state.h = kInitialState;
    m_state.length = 0;
    m_state.buffered = 0;
}

bool Sha1::usesShaInstructions()
{
    return useShaInstructions(Engine::Auto);
}

qsizetype Sha1::fillBuffer(QByteArrayView data)
{
    if (m_state.buffered == 0 && data.size() >= 64)
        return 0;
    const qsizetype take = std::min<qsizetype>(64 - m_state.buffered, data.size());
    std::memcpy(m_state.buffer.data() + m_state.buffered, data.data(), size_t(take));
    m_state.buffered += int(take);
    m_state.length += quint64(take);
    if (m_state.buffered == 64) {
        quint32* state = m_state.h.data();
        const unsigned char* block = m_state.buffer.data();
        compress<1>(&state, &block, 1);
        m_state.buffered = 0;
    }
    return take;
}

void Sha1::addData(QByteArrayView data)
{
    Sha1* self = this;
    addData(&self, &data, 1);
}

void Sha1::addData(Sha1* const* hashes, const QByteArrayView* data, int count)
{
    struct Lane {
        quint32* state;
        const unsigned char* bytes;
        qsizetype blocks;
    };
    QVarLengthArray<Lane, kMaxLanes> lanes;
    for (int i = 0; i < count; ++i) {
        Sha1& sha = *hashes[i];
        if (sha.m_evp) {
            EVP_DigestUpdate(sha.m_evp->ctx, data[i].data(), size_t(data[i].size()));
            continue;
        }
        const QByteArrayView bytes = data[i].sliced(sha.fillBuffer(data[i]));
        if (bytes.isEmpty())
            continue;
        // The buffer is empty now: the tail can go into it before the whole blocks are hashed
        // from where they are.
        const qsizetype whole = bytes.size() / 64 * 64;
        const QByteArrayView tail = bytes.sliced(whole);
        std::memcpy(sha.m_state.buffer.data(), tail.data(), size_t(tail.size()));
        sha.m_state.buffered = int(tail.size());
        sha.m_state.length += quint64(bytes.size());
        if (whole > 0)
            lanes.append({sha.m_state.h.data(),
                          reinterpret_cast<const unsigned char*>(bytes.data()), whole / 64});
    }
    // Up to kMaxLanes lanes at a time, as far as the shortest of them goes; the rest go on with
    // fewer lanes.
    while (!lanes.isEmpty()) {
        std::sort(lanes.begin(), lanes.end(),
                  [](const Lane& a, const Lane& b) { return a.blocks > b.blocks; });
        const int group = int(std::min<qsizetype>(lanes.size(), kMaxLanes));
        const qsizetype blocks = lanes[group - 1].blocks;
        quint32* states[kMaxLanes];
        const unsigned char* bytes[kMaxLanes];
        for (int k = 0; k < group; ++k) {
            states[k] = lanes[k].state;
            bytes[k] = lanes[k].bytes;
        }
        compressLanes(group, states, bytes, blocks);
        for (int k = 0; k < group; ++k) {
            lanes[k].bytes += blocks * 64;
            lanes[k].blocks -= blocks;
        }
        lanes.removeIf([](const Lane& lane) { return lane.blocks == 0; });
    }
}

QByteArray Sha1::result()
{
    QByteArray digest(kSize, Qt::Uninitialized);
    if (m_evp) {
        unsigned int length = 0;
        EVP_DigestFinal_ex(m_evp->ctx, reinterpret_cast<unsigned char*>(digest.data()), &length);
        EVP_DigestInit_ex(m_evp->ctx, EVP_sha1(), nullptr);
        return digest;
    }
    // The padding: 0x80, zeros, and the length in bits as a big-endian 64-bit number, to the
    // end of one or two blocks.
    unsigned char last[128] = {};
    const int buffered = m_state.buffered;
    std::memcpy(last, m_state.buffer.data(), size_t(buffered));
    last[buffered] = 0x80;
    const int blocks = buffered < 56 ? 1 : 2;
    qToBigEndian<quint64>(m_state.length * 8, last + blocks * 64 - 8);
    quint32* state = m_state.h.data();
    const unsigned char* padded = last;
    compress<1>(&state, &padded, blocks);
    for (int i = 0; i < 5; ++i)
        qToBigEndian<quint32>(m_state.h[size_t(i)], digest.data() + i * 4);
    reset();
    return digest;
}

QByteArray Sha1::hash(QByteArrayView data)
{
    Sha1 sha;
    sha.addData(data);
    return sha.result();
}

} // namespace swarmshare

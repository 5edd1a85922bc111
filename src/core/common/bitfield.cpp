// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/bitfield.h"

#include <bit>

namespace swarmshare {

namespace {

constexpr qsizetype byteCount(int bits)
{
    return (qsizetype(bits) + 7) / 8;
}

constexpr char maskOf(int index)
{
    return char(0x80u >> (index % 8));
}

// Mask of the bits in the last byte that do not belong to any index.
constexpr unsigned char spareMask(int bits)
{
    const int used = bits % 8;
    return used == 0 ? 0 : static_cast<unsigned char>(0xffu >> used);
}

int popcount(QByteArrayView bytes)
{
    int count = 0;
    for (const char byte : bytes)
        count += std::popcount(static_cast<unsigned char>(byte));
    return count;
}

} // namespace

Bitfield::Bitfield(int size, bool value)
    : m_size(qMax(size, 0))
{
    Q_ASSERT(size >= 0);
    m_bytes = QByteArray(byteCount(m_size), '\0');
    fill(value);
}

bool Bitfield::test(int index) const
{
    Q_ASSERT(index >= 0 && index < m_size);
    return (m_bytes.at(index / 8) & maskOf(index)) != 0;
}

void Bitfield::set(int index, bool value)
{
    Q_ASSERT(index >= 0 && index < m_size);
    if (test(index) == value)
        return;
    char& byte = m_bytes[index / 8];
    if (value) {
        byte = char(byte | maskOf(index));
        ++m_count;
    } else {
        byte = char(byte & ~maskOf(index));
        --m_count;
    }
}

void Bitfield::fill(bool value)
{
    m_bytes.fill(value ? char(0xff) : '\0');
    if (value && !m_bytes.isEmpty())
        m_bytes.back() = char(static_cast<unsigned char>(m_bytes.back()) & ~spareMask(m_size));
    m_count = value ? m_size : 0;
}

Result<Bitfield> Bitfield::fromBytes(QByteArrayView bytes, int bitCount)
{
    if (bitCount < 0)
        return makeError(tr("invalid bitfield size %1").arg(bitCount));
    if (bytes.size() != byteCount(bitCount)) {
        return makeError(tr("bitfield of %1 bytes, expected %2 for %3 pieces")
                             .arg(bytes.size())
                             .arg(byteCount(bitCount))
                             .arg(bitCount));
    }
    if (!bytes.isEmpty() && (static_cast<unsigned char>(bytes.back()) & spareMask(bitCount)) != 0)
        return makeError(tr("bitfield has spare bits set"), bytes.size() - 1);
    Bitfield bitfield;
    bitfield.m_size = bitCount;
    bitfield.m_bytes = bytes.toByteArray();
    bitfield.m_count = popcount(bytes);
    return bitfield;
}

} // namespace swarmshare

// SPDX-License-Identifier: GPL-3.0-or-later
#include "picker/availability.h"

#include "common/logging.h"

#include <algorithm>

namespace swarmshare::picker {

Availability::Availability(int pieceCount)
{
    reset(pieceCount);
}

void Availability::reset(int pieceCount)
{
    m_counts = QList<int>(std::max(pieceCount, 0), 0);
    m_seeders = 0;
}

void Availability::addPeer(const Bitfield& bits)
{
    if (bits.size() != pieceCount()) {
        qCWarning(lcPicker) << "ignoring a bitfield of" << bits.size() << "bits for" << pieceCount()
                            << "pieces";
        return;
    }
    if (bits.all())
        ++m_seeders;
    else
        apply(bits, +1);
}

void Availability::removePeer(const Bitfield& bits)
{
    if (bits.size() != pieceCount()) {
        qCWarning(lcPicker) << "ignoring a bitfield of" << bits.size() << "bits for" << pieceCount()
                            << "pieces";
        return;
    }
    if (bits.all())
        --m_seeders;
    else
        apply(bits, -1);
}

void Availability::addHave(int piece, const Bitfield& bitsAfter)
{
    if (piece < 0 || piece >= pieceCount() || bitsAfter.size() != pieceCount()) {
        qCWarning(lcPicker) << "ignoring have" << piece << "for" << pieceCount() << "pieces";
        return;
    }
    ++m_counts[piece];
    // The peer just became a seeder: move it to the shared counter so that its disconnect (which
    // will pass a full bitfield) is O(1) and matches. Every count stays the same.
    if (bitsAfter.all()) {
        apply(bitsAfter, -1);
        ++m_seeders;
    }
}

QList<int> Availability::snapshot() const
{
    if (m_seeders == 0)
        return m_counts;
    QList<int> result = m_counts;
    for (int& c : result)
        c += m_seeders;
    return result;
}

int Availability::min() const
{
    if (m_counts.isEmpty())
        return 0;
    return *std::min_element(m_counts.cbegin(), m_counts.cend()) + m_seeders;
}

int Availability::max() const
{
    if (m_counts.isEmpty())
        return 0;
    return *std::max_element(m_counts.cbegin(), m_counts.cend()) + m_seeders;
}

void Availability::apply(const Bitfield& bits, int delta)
{
    // Walk the wire bytes: a sparse bitfield (a peer that just joined) skips 8 pieces per zero
    // byte instead of testing each bit.
    const QByteArray bytes = bits.toBytes();
    const int n = pieceCount();
    int* counts = m_counts.data();
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const auto byte = static_cast<unsigned char>(bytes.at(i));
        if (byte == 0)
            continue;
        for (int bit = 0; bit < 8; ++bit) {
            const int piece = int(i) * 8 + bit;
            if (piece < n && (byte & (0x80u >> bit)) != 0)
                counts[piece] += delta;
        }
    }
}

} // namespace swarmshare::picker

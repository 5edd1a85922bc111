// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>

namespace swarmshare {

// A fixed number of bits, one per piece. Stored directly in the BitTorrent wire layout (BEP 3:
// the high bit of the first byte is piece 0, spare bits at the end are zero) so that encoding
// for a `bitfield` message or for resume data is a shallow copy of an implicitly shared buffer.
// The number of set bits is kept up to date, so count(), all() and none() are O(1).
class Bitfield {
    Q_DECLARE_TR_FUNCTIONS(Bitfield)

public:
    Bitfield() = default;
    explicit Bitfield(int size, bool value = false);

    int size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }

    bool test(int index) const;
    void set(int index, bool value = true);
    void reset(int index) { set(index, false); }
    void fill(bool value);

    int count() const { return m_count; }
    // Vacuously true for a Bitfield of size 0.
    bool all() const { return m_count == m_size; }
    bool none() const { return m_count == 0; }

    // Wire encoding: ceil(size / 8) bytes, spare bits zero.
    QByteArray toBytes() const { return m_bytes; }
    // Decodes untrusted bytes: the length must be exactly ceil(bitCount / 8) and the spare bits
    // of the last byte must be zero (BEP 3 lets a peer be dropped for either).
    static Result<Bitfield> fromBytes(QByteArrayView bytes, int bitCount);

    friend bool operator==(const Bitfield& a, const Bitfield& b)
    {
        return a.m_size == b.m_size && a.m_bytes == b.m_bytes;
    }

private:
    QByteArray m_bytes;
    int m_size = 0;
    int m_count = 0;
};

} // namespace swarmshare

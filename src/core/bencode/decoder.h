// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bencode/value.h"
#include "common/result.h"

#include <map>

namespace swarmshare::bencode {

// Limits for decoding untrusted input. The defaults suit .torrent files (the largest real ones
// are a few MiB) and still bound memory and time for hostile input.
struct DecodeLimits {
    // Lists and dictionaries inside each other; the outermost counts as 1. The decoder does not
    // recurse, but Value's destructor and encode() do, so anything above kHardMaxDepth is
    // lowered to it.
    static constexpr int kHardMaxDepth = 1000;
    int maxDepth = 64;
    qsizetype maxInputSize = 64 * 1024 * 1024;
    qsizetype maxStringLength = 64 * 1024 * 1024;
    // Values of any kind, dictionary keys included (libtorrent loads torrents with the same cap).
    qsizetype maxTokens = 3'000'000;
};

// A strict decoder: the input must be exactly one canonical bencoded value. It rejects leading
// zeros, "-0", "ie", "i-e", integers beyond 64 bits, unsorted or duplicate dictionary keys,
// keys that are not byte strings, truncated input and trailing bytes. Because only canonical
// input is accepted, encode(decode(input)) == input. Errors read
// "bencode: <reason> at offset N" and carry N in Error::offset.
Result<Value> decode(QByteArrayView input, const DecodeLimits& limits = {});

// Where a value lies in the input, in bytes.
struct Span {
    qsizetype offset = 0;
    qsizetype length = 0;

    QByteArrayView in(QByteArrayView input) const { return input.sliced(offset, length); }
    friend bool operator==(const Span&, const Span&) = default;
};

// The decoded value and, when it is a dictionary, the exact span of each entry's value. A
// .torrent's info-hash is the SHA-1 of the `info` entry's bytes as they are in the file, never
// of a re-encoding (which would differ for input another decoder might have accepted).
struct SpannedValue {
    Value value;
    std::map<QByteArray, Span> entrySpans;
};

Result<SpannedValue> decodeWithSpans(QByteArrayView input, const DecodeLimits& limits = {});

} // namespace swarmshare::bencode

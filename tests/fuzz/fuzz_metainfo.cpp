// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for everything that reads an untrusted .torrent: the bencode decoder (with
// spans) and Metainfo::parse with its path sanitising. Beyond "no crash, no sanitizer report",
// it checks the promises the rest of the engine relies on; a broken one aborts, which libFuzzer
// reports as a crash with the input saved.
#include "bencode/decoder.h"
#include "bencode/encoder.h"
#include "common/sha1.h"
#include "torrent/metainfo.h"
#include "torrent/pathsanitizer.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace swarmshare;

namespace {

void check(bool condition, const char* what)
{
    if (condition)
        return;
    std::fprintf(stderr, "fuzz_metainfo: broken promise: %s\n", what);
    std::abort();
}

void checkBencode(QByteArrayView input)
{
    const Result<bencode::SpannedValue> spanned = bencode::decodeWithSpans(input);
    const Result<bencode::Value> plain = bencode::decode(input);
    check(spanned.ok() == plain.ok(), "decode and decodeWithSpans agree");
    if (!spanned) {
        check(spanned.error().offset >= 0 && spanned.error().offset <= input.size(),
              "error offset inside the input");
        check(spanned.error().message.startsWith(QStringLiteral("bencode: ")),
              "decoder messages say where they come from");
        check(spanned.error().offset == plain.error().offset, "both decoders fail alike");
        return;
    }
    check(spanned->value == *plain, "both decoders give the same value");
    // Strict decoding accepts only canonical input, so re-encoding reproduces it exactly.
    check(bencode::encode(spanned->value) == input, "encode(decode(x)) == x");
    for (const auto& [key, span] : spanned->entrySpans) {
        check(span.offset >= 0 && span.length > 0 && span.offset + span.length <= input.size(),
              "span inside the input");
        const Result<bencode::Value> alone = bencode::decode(span.in(input));
        check(alone.ok() && *alone == *spanned->value.find(key), "a span holds its value");
    }
}

void checkFiles(const torrent::Metainfo& meta)
{
    qint64 total = 0;
    for (const torrent::FileEntry& file : meta.files()) {
        check(file.length >= 0, "file length not negative");
        total += file.length;
        const QStringList components = file.path.split(u'/');
        check(torrent::PathSanitizer::join(components).ok(), "file paths are sanitised");
        if (meta.isMultiFile())
            check(components.size() >= 2 && components.constFirst() == meta.name(),
                  "multi-file paths start with the name");
        else
            check(file.path == meta.name(), "a single file is named after the torrent");
    }
    check(total == meta.totalLength(), "file lengths add up to the total");
}

void checkMetainfo(QByteArrayView input)
{
    const Result<torrent::Metainfo> parsed = torrent::Metainfo::parse(input);
    if (!parsed) {
        check(!parsed.error().message.isEmpty(), "errors have a message");
        return;
    }
    const torrent::Metainfo& meta = *parsed;
    check(meta.infoHash() == Sha1::hash(meta.infoBytes()), "info-hash is SHA-1 of the info bytes");
    check(QByteArrayView(input).indexOf(meta.infoBytes()) >= 0, "info bytes come from the input");
    check(!meta.name().isEmpty(), "name not empty");
    const qint64 pieceLength = meta.pieceLength();
    check(pieceLength >= torrent::Metainfo::kMinPieceLength &&
              pieceLength <= torrent::Metainfo::kMaxPieceLength &&
              (pieceLength & (pieceLength - 1)) == 0,
          "piece length is a sane power of two");
    check(meta.totalLength() > 0 && meta.totalLength() <= torrent::Metainfo::kMaxTotalLength,
          "total length in range");
    check(meta.pieceCount() == (meta.totalLength() + pieceLength - 1) / pieceLength,
          "piece count matches the total length");
    check(meta.pieceHashes().size() == qsizetype(meta.pieceCount()) * 20, "20 bytes per piece");
    check(meta.pieceHash(meta.pieceCount() - 1).size() == 20, "last piece hash readable");
    check(meta.pieceHash(meta.pieceCount()).isEmpty(), "no hash past the end");
    check(meta.infoHashHex().size() == 40, "hex info-hash is 40 characters");
    checkFiles(meta);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char*>(data), qsizetype(size));
    checkBencode(input);
    checkMetainfo(input);
    return 0;
}

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"
#include "torrent/fileentry.h"

#include <QCoreApplication>
#include <QList>
#include <QVarLengthArray>

namespace swarmshare::storage {

// A contiguous run of bytes inside one file of a torrent.
struct FileSpan {
    int file = 0;      // index in the torrent's file list
    qint64 offset = 0; // byte offset inside that file
    qint64 length = 0; // always > 0

    friend bool operator==(const FileSpan&, const FileSpan&) = default;
};

// Most blocks and pieces touch one or two files: no heap allocation on the hot path.
using FileSpans = QVarLengthArray<FileSpan, 4>;

// Half-open range of piece indices [first, last).
struct PieceRange {
    int first = 0;
    int last = 0;

    bool isEmpty() const { return first >= last; }
    int size() const { return last - first; }
    friend bool operator==(const PieceRange&, const PieceRange&) = default;
};

// How the pieces of a torrent map onto its files: the torrent is the concatenation of its files
// in order, cut into pieces of pieceLength bytes (the last one shorter), each piece cut into
// 16 KiB blocks (the last one shorter). Pure arithmetic, no I/O; look-ups are O(log files).
// Zero-length files take no bytes: they appear in no span and touch no piece.
class FileLayout {
    Q_DECLARE_TR_FUNCTIONS(FileLayout)

public:
    static constexpr int kBlockSize = 16 * 1024;
    // Larger pieces exist nowhere in practice and would make a piece's block count absurd.
    static constexpr qint64 kMaxPieceLength = qint64(1) << 30;

    FileLayout() = default;
    // Fails on a non-positive or oversized piece length, a negative file length, a total that
    // overflows, more pieces than an int can count, or a path that is not a plain relative one
    // ('/'-separated, no empty, "." or ".." component, no backslash).
    static Result<FileLayout> create(torrent::FileList files, qint64 pieceLength);

    qint64 pieceLength() const { return m_pieceLength; }
    int pieceCount() const { return m_pieceCount; }
    qint64 totalLength() const { return m_totalLength; }
    qint64 pieceSize(int piece) const;
    qint64 pieceOffset(int piece) const { return qint64(piece) * m_pieceLength; }

    int blockCount(int piece) const;
    int blockSize(int piece, int block) const;
    // True for a block the way the wire protocol addresses it: a valid piece, an offset on a
    // 16 KiB boundary inside it, and exactly the length of that block.
    bool isValidBlock(int piece, qint64 offset, qint64 length) const;
    // True for what a peer may ask for: 1 to 16 KiB inside a valid piece, at any offset.
    bool isValidRequest(int piece, qint64 offset, qint64 length) const;

    int fileCount() const { return int(m_files.size()); }
    const torrent::FileList& files() const { return m_files; }
    const torrent::FileEntry& file(int index) const { return m_files.at(index); }
    qint64 fileOffset(int index) const { return m_fileStarts.at(index); }

    // The spans of the torrent byte range [offset, offset + length), in order. The range must lie
    // inside the torrent.
    FileSpans spans(qint64 offset, qint64 length) const;
    FileSpans pieceSpans(int piece) const;
    FileSpans blockSpans(int piece, qint64 offset, qint64 length) const;

    // Pieces holding at least one byte of `file` (empty for a zero-length file).
    PieceRange piecesOfFile(int file) const;

private:
    torrent::FileList m_files;
    QList<qint64> m_fileStarts;    // per file, its offset in the torrent
    QList<int> m_nonEmpty;         // indices of files with bytes, in order
    QList<qint64> m_nonEmptyStart; // their offsets, strictly increasing: binary-searchable
    qint64 m_pieceLength = 0;
    qint64 m_totalLength = 0;
    int m_pieceCount = 0;
};

} // namespace swarmshare::storage

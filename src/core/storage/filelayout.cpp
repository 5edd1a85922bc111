// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/filelayout.h"

#include <QDir>

#include <algorithm>
#include <limits>

namespace swarmshare::storage {

namespace {

// The metainfo parser sanitises paths; this is the last line before they are joined to the
// download folder, so anything that could leave it is refused again here.
bool isSafeRelativePath(const QString& path)
{
    if (path.isEmpty() || QDir::isAbsolutePath(path) || path.contains(QLatin1Char('\\')) ||
        path.contains(QChar(0)))
        return false;
    for (const QStringView part : QStringView(path).split(QLatin1Char('/'))) {
        if (part.isEmpty() || part == u"." || part == u"..")
            return false;
    }
    return true;
}

} // namespace

Result<FileLayout> FileLayout::create(torrent::FileList files, qint64 pieceLength)
{
    if (pieceLength <= 0 || pieceLength > kMaxPieceLength)
        return makeError(tr("invalid piece length %1").arg(pieceLength));
    FileLayout layout;
    layout.m_pieceLength = pieceLength;
    layout.m_fileStarts.reserve(files.size());
    qint64 total = 0;
    for (qsizetype i = 0; i < files.size(); ++i) {
        const qint64 length = files.at(i).length;
        if (length < 0)
            return makeError(tr("file %1 has a negative length").arg(files.at(i).path));
        if (!isSafeRelativePath(files.at(i).path))
            return makeError(tr("unsafe file path \"%1\"").arg(files.at(i).path));
        if (length > std::numeric_limits<qint64>::max() - total)
            return makeError(tr("the files are too large in total"));
        layout.m_fileStarts.append(total);
        if (length > 0) {
            layout.m_nonEmpty.append(int(i));
            layout.m_nonEmptyStart.append(total);
        }
        total += length;
    }
    const qint64 pieces = total / pieceLength + (total % pieceLength != 0 ? 1 : 0);
    if (pieces > std::numeric_limits<int>::max())
        return makeError(tr("the torrent has too many pieces"));
    layout.m_totalLength = total;
    layout.m_pieceCount = int(pieces);
    layout.m_files = std::move(files);
    return layout;
}

qint64 FileLayout::pieceSize(int piece) const
{
    Q_ASSERT(piece >= 0 && piece < m_pieceCount);
    return qMin(m_pieceLength, m_totalLength - pieceOffset(piece));
}

int FileLayout::blockCount(int piece) const
{
    return int((pieceSize(piece) + kBlockSize - 1) / kBlockSize);
}

int FileLayout::blockSize(int piece, int block) const
{
    Q_ASSERT(block >= 0 && block < blockCount(piece));
    return int(qMin<qint64>(kBlockSize, pieceSize(piece) - qint64(block) * kBlockSize));
}

bool FileLayout::isValidBlock(int piece, qint64 offset, qint64 length) const
{
    if (piece < 0 || piece >= m_pieceCount || offset < 0 || offset % kBlockSize != 0)
        return false;
    if (offset >= pieceSize(piece))
        return false;
    return length == blockSize(piece, int(offset / kBlockSize));
}

bool FileLayout::isValidRequest(int piece, qint64 offset, qint64 length) const
{
    return piece >= 0 && piece < m_pieceCount && offset >= 0 && length > 0 &&
           length <= kBlockSize && offset + length <= pieceSize(piece);
}

FileSpans FileLayout::spans(qint64 offset, qint64 length) const
{
    Q_ASSERT(offset >= 0 && length >= 0 && offset + length <= m_totalLength);
    FileSpans result;
    if (length <= 0)
        return result;
    // The last non-empty file starting at or before `offset` holds it.
    auto it = std::upper_bound(m_nonEmptyStart.cbegin(), m_nonEmptyStart.cend(), offset);
    qsizetype at = (it - m_nonEmptyStart.cbegin()) - 1;
    while (length > 0 && at < m_nonEmpty.size()) {
        const int file = m_nonEmpty.at(at);
        const qint64 inFile = offset - m_nonEmptyStart.at(at);
        const qint64 take = qMin(length, m_files.at(file).length - inFile);
        result.append(FileSpan{file, inFile, take});
        offset += take;
        length -= take;
        ++at;
    }
    return result;
}

FileSpans FileLayout::pieceSpans(int piece) const
{
    return spans(pieceOffset(piece), pieceSize(piece));
}

FileSpans FileLayout::blockSpans(int piece, qint64 offset, qint64 length) const
{
    Q_ASSERT(piece >= 0 && piece < m_pieceCount && offset >= 0 &&
             offset + length <= pieceSize(piece));
    return spans(pieceOffset(piece) + offset, length);
}

PieceRange FileLayout::piecesOfFile(int file) const
{
    const qint64 start = m_fileStarts.at(file);
    const qint64 length = m_files.at(file).length;
    if (length == 0) {
        const int at = int(qMin<qint64>(start / m_pieceLength, m_pieceCount));
        return PieceRange{at, at};
    }
    return PieceRange{int(start / m_pieceLength), int((start + length - 1) / m_pieceLength) + 1};
}

} // namespace swarmshare::storage

// SPDX-License-Identifier: GPL-3.0-or-later
#include "torrent/torrentcreator.h"

#include "bencode/encoder.h"
#include "common/sha1.h"
#include "storage/filelayout.h"
#include "storage/piecechecker.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QThread>
#include <QThreadPool>

#include <algorithm>
#include <numeric>
#include <swarmshare/version.h>

namespace swarmshare::torrent {

using bencode::Value;

namespace {

bool isPowerOfTwo(qint64 n)
{
    return n > 0 && (n & (n - 1)) == 0;
}

Value text(const QString& string)
{
    return Value(string.toUtf8());
}

} // namespace

TorrentCreator::TorrentCreator(CreateOptions options)
    : m_options(std::move(options))
{}

TorrentCreator::~TorrentCreator() = default;

qint64 TorrentCreator::automaticPieceLength(qint64 totalBytes)
{
    qint64 length = kMinPieceLength;
    while (length < kMaxAutoPieceLength && (totalBytes + length - 1) / length > 2000)
        length *= 2;
    return length;
}

int TorrentCreator::pieceCount() const
{
    return m_pieceLength > 0 ? int((m_totalBytes + m_pieceLength - 1) / m_pieceLength) : 0;
}

Result<void> TorrentCreator::prepare()
{
    m_files.clear();
    m_totalBytes = 0;
    const QFileInfo source(m_options.sourcePath);
    if (!source.exists())
        return makeError(tr("%1 does not exist").arg(m_options.sourcePath));
    m_name = source.absoluteFilePath() == QDir::rootPath() ? QString() : source.fileName();
    if (m_name.isEmpty())
        return makeError(tr("%1 has no name to share it under").arg(m_options.sourcePath));
    m_root = source.absolutePath();

    if (source.isFile()) {
        m_multiFile = false;
        m_files << FileEntry{m_name, source.size()};
        m_totalBytes = source.size();
    } else if (source.isDir()) {
        m_multiFile = true;
        if (Result<void> listed = listFolder(source.absoluteFilePath()); !listed)
            return listed;
    } else {
        return makeError(tr("%1 is neither a file nor a folder").arg(m_options.sourcePath));
    }
    if (m_totalBytes == 0)
        return makeError(
            tr("%1 holds no data to share (empty files only)").arg(m_options.sourcePath));

    for (const QString& url : std::as_const(m_options.trackers)) {
        if (url.trimmed().isEmpty())
            return makeError(tr("a tracker URL is empty"));
    }
    if (m_options.pieceLength == 0) {
        m_pieceLength = automaticPieceLength(m_totalBytes);
    } else if (!isPowerOfTwo(m_options.pieceLength) || m_options.pieceLength < kMinPieceLength ||
               m_options.pieceLength > kMaxPieceLength) {
        return makeError(tr("piece length %1 is not a power of two from 16 KiB to 64 MiB")
                             .arg(m_options.pieceLength));
    } else {
        m_pieceLength = m_options.pieceLength;
    }
    if ((m_totalBytes + m_pieceLength - 1) / m_pieceLength > std::numeric_limits<int>::max() / 20)
        return makeError(tr("too many pieces: choose a larger piece length"));
    return {};
}

Result<void> TorrentCreator::listFolder(const QString& root)
{
    struct Found {
        QByteArray key; // relative UTF-8 path: the sort key
        QString relative;
        qint64 size;
    };
    QList<Found> found;
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::NoSymLinks | QDir::System,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        const QFileInfo info = it.fileInfo();
        if (!info.isFile() || info.isSymLink())
            continue; // sockets, devices, FIFOs, links
        if (!info.isReadable())
            return makeError(tr("cannot read %1").arg(info.absoluteFilePath()));
        const QString relative = QDir(root).relativeFilePath(info.absoluteFilePath());
        found << Found{relative.toUtf8(), relative, info.size()};
    }
    std::sort(found.begin(), found.end(),
              [](const Found& a, const Found& b) { return a.key < b.key; });
    for (const Found& file : std::as_const(found)) {
        m_files << FileEntry{m_name + QLatin1Char('/') + file.relative, file.size};
        m_totalBytes += file.size;
    }
    if (m_files.isEmpty())
        return makeError(tr("%1 is an empty folder").arg(root));
    return {};
}

void TorrentCreator::cancel()
{
    m_cancelled.store(true);
}

qint64 TorrentCreator::bytesHashed() const
{
    return qMin(m_totalBytes, qint64(m_piecesHashed.load()) * m_pieceLength);
}

Result<CreatedTorrent> TorrentCreator::create()
{
    if (m_pieceLength == 0) {
        if (Result<void> prepared = prepare(); !prepared)
            return prepared.error();
    }
    Result<storage::FileLayout> layout = storage::FileLayout::create(m_files, m_pieceLength);
    if (!layout)
        return layout.error();
    QList<int> pieces(layout->pieceCount());
    std::iota(pieces.begin(), pieces.end(), 0);
    QThreadPool pool;
    pool.setMaxThreadCount(m_options.threads > 0 ? m_options.threads
                                                 : qMax(1, QThread::idealThreadCount()));
    // No expected hashes: the checker records the digest of every piece.
    storage::PieceChecker checker(*layout, m_root, {}, pieces);
    checker.start(&pool, [this](int done, int) { m_piecesHashed.store(done); }, {});
    while (!pool.waitForDone(50)) {
        if (m_cancelled.load())
            checker.cancel();
    }
    const storage::PieceChecker::Outcome outcome = checker.outcome();
    if (outcome.error)
        return *outcome.error;
    if (m_cancelled.load() || outcome.cancelled)
        return makeError(tr("hashing was cancelled"));
    if (!outcome.good.all())
        return makeError(tr("a file under %1 changed while it was being hashed (it is shorter "
                            "than when it was listed)")
                             .arg(m_options.sourcePath));
    // Bencode is canonical: the info dict encodes to the same bytes alone or inside the file.
    const Value info = makeInfo(outcome.digests);
    return CreatedTorrent{encodeTorrent(info), Sha1::hash(bencode::encode(info))};
}

Value TorrentCreator::makeInfo(const QByteArray& pieceHashes) const
{
    Value::Dict info;
    if (m_multiFile) {
        Value::List files;
        const qsizetype prefix = m_name.size() + 1;
        for (const FileEntry& file : m_files) {
            Value::List path;
            for (const QString& part : file.path.mid(prefix).split(QLatin1Char('/')))
                path << text(part);
            files << Value(Value::Dict{{"length", Value(file.length)}, {"path", Value(path)}});
        }
        info["files"] = Value(files);
    } else {
        info["length"] = Value(m_totalBytes);
    }
    info["name"] = text(m_name);
    info["piece length"] = Value(m_pieceLength);
    info["pieces"] = Value(pieceHashes);
    if (m_options.isPrivate)
        info["private"] = Value(qint64(1));
    return Value(info);
}

QByteArray TorrentCreator::encodeTorrent(const Value& info) const
{
    Value::Dict top;
    if (!m_options.trackers.isEmpty()) {
        top["announce"] = text(m_options.trackers.constFirst());
        if (m_options.trackers.size() > 1) {
            Value::List tiers;
            for (const QString& url : m_options.trackers)
                tiers << Value(Value::List{text(url)});
            top["announce-list"] = Value(tiers);
        }
    }
    if (!m_options.comment.isEmpty())
        top["comment"] = text(m_options.comment);
    top["created by"] =
        text(m_options.createdBy.isEmpty() ? QStringLiteral("Swarmshare " SWARMSHARE_VERSION)
                                           : m_options.createdBy);
    if (m_options.includeCreationDate)
        top["creation date"] = Value(QDateTime::currentSecsSinceEpoch());
    top["info"] = info;
    return bencode::encode(Value(top));
}

} // namespace swarmshare::torrent

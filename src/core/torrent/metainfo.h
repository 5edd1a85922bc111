// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"
#include "torrent/fileentry.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDateTime>
#include <QStringList>

namespace swarmshare::bencode {
class Value;
}

namespace swarmshare::torrent {

// A BitTorrent v1 metainfo file (BEP 3, single- and multi-file, BEP 12 tracker tiers, BEP 27
// private flag), validated and with every file path sanitised (see PathSanitizer), so that the
// rest of the engine can trust it. The raw bytes of the `info` dictionary are kept as they were
// in the file: the info-hash is their SHA-1, and they are what peers ask for.
//
// Names come from `name.utf-8` / `path.utf-8` when present (some old clients wrote the plain
// keys in a local code page and added these), otherwise from `name` / `path`; whichever is used
// must be well-formed UTF-8. Invalid text is rejected rather than repaired: a repaired name
// could collide with another file.
class Metainfo {
    Q_DECLARE_TR_FUNCTIONS(Metainfo)

public:
    static constexpr qint64 kMaxFileSize = 64 * 1024 * 1024;
    static constexpr qint64 kMinPieceLength = 16 * 1024;
    static constexpr qint64 kMaxPieceLength = 64 * 1024 * 1024;
    // 1 PiB: far beyond any real share, far below where sums could overflow.
    static constexpr qint64 kMaxTotalLength = qint64(1) << 50;
    static constexpr int kHashSize = 20;

    static Result<Metainfo> parse(QByteArrayView torrentFileBytes);
    // Reads and parses a .torrent file of at most kMaxFileSize bytes; errors name the file.
    static Result<Metainfo> load(const QString& path);
    // The bytes of a .torrent file (at most kMaxFileSize), unparsed; errors name the file.
    static Result<QByteArray> readFile(const QString& path);

    const QByteArray& infoHash() const { return m_infoHash; }
    QString infoHashHex() const { return QString::fromLatin1(m_infoHash.toHex()); }
    const QByteArray& infoBytes() const { return m_infoBytes; }

    const QString& name() const { return m_name; }
    qint64 pieceLength() const { return m_pieceLength; }
    int pieceCount() const { return int(m_pieces.size() / kHashSize); }
    // The 20-byte SHA-1 of piece `index`; empty when out of range.
    QByteArray pieceHash(int index) const;
    const QByteArray& pieceHashes() const { return m_pieces; }
    qint64 totalLength() const { return m_totalLength; }
    // In torrent order. Multi-file paths are "name/dir/file"; a single file's path is the name.
    const FileList& files() const { return m_files; }
    bool isMultiFile() const { return m_multiFile; }

    // `announce-list` tiers when present, else the `announce` URL as one tier; may be empty.
    const QList<QStringList>& trackerTiers() const { return m_trackerTiers; }
    bool isPrivate() const { return m_private; }
    const QString& comment() const { return m_comment; }
    const QString& createdBy() const { return m_createdBy; }
    // UTC; invalid when the torrent does not say.
    const QDateTime& creationDate() const { return m_creationDate; }

private:
    Result<void> readInfo(const bencode::Value& info);
    Result<void> readPieces(const bencode::Value& info);
    Result<void> readFiles(const bencode::Value& files);
    Result<void> readTrackers(const bencode::Value& root);
    Result<void> readDescription(const bencode::Value& root);

    QByteArray m_infoBytes;
    QByteArray m_infoHash;
    QByteArray m_pieces;
    QString m_name;
    qint64 m_pieceLength = 0;
    qint64 m_totalLength = 0;
    FileList m_files;
    bool m_multiFile = false;
    QList<QStringList> m_trackerTiers;
    bool m_private = false;
    QString m_comment;
    QString m_createdBy;
    QDateTime m_creationDate;
};

} // namespace swarmshare::torrent

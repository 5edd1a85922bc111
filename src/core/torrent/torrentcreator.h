// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bencode/value.h"
#include "common/result.h"
#include "torrent/fileentry.h"

#include <QCoreApplication>
#include <QStringList>

#include <memory>

namespace swarmshare::torrent {

struct CreateOptions {
    QString sourcePath{};   // a file (single-file torrent) or a folder (multi-file)
    qint64 pieceLength = 0; // 0: automatic, about 1000-2000 pieces
    QStringList trackers{}; // announce URLs in order; each becomes its own tier (BEP 12)
    bool isPrivate = false;
    QString comment{};
    QString createdBy{}; // "" = "Swarmshare <version>"
    bool includeCreationDate = true;
    int threads = 0; // 0: one per core
};

struct CreatedTorrent {
    QByteArray torrentFile; // bencoded .torrent
    QByteArray infoHash;    // 20 bytes, SHA-1 of the info dict
};

// Makes a BitTorrent v1 .torrent from a file or a folder: prepare() lists the files (cheap),
// create() hashes them on all cores with the storage's PieceChecker (blocking; run it off the
// GUI thread; memory stays at threads x 1 MiB whatever the piece length) and encodes.
// Folders are walked recursively in byte order of their UTF-8 paths; symbolic links and special
// files are left out so that a share never reaches outside the folder.
class TorrentCreator {
    Q_DECLARE_TR_FUNCTIONS(TorrentCreator)

public:
    static constexpr qint64 kMinPieceLength = 16 * 1024;
    static constexpr qint64 kMaxAutoPieceLength = 16 * 1024 * 1024;
    static constexpr qint64 kMaxPieceLength = 64 * 1024 * 1024;

    explicit TorrentCreator(CreateOptions options);
    ~TorrentCreator();

    Result<void> prepare();
    Result<CreatedTorrent> create();
    // Thread-safe while create() runs.
    void cancel();
    qint64 bytesHashed() const;

    const QString& name() const { return m_name; }
    // The folder the torrent's paths (name/...) are relative to.
    const QString& root() const { return m_root; }
    const FileList& files() const { return m_files; } // paths as in the torrent: name/dir/file
    qint64 totalBytes() const { return m_totalBytes; }
    qint64 pieceLength() const { return m_pieceLength; }
    int pieceCount() const;

    // The smallest power of two from 16 KiB to 16 MiB giving at most 2000 pieces.
    static qint64 automaticPieceLength(qint64 totalBytes);

private:
    Result<void> listFolder(const QString& root);
    bencode::Value makeInfo(const QByteArray& pieceHashes) const;
    QByteArray encodeTorrent(const bencode::Value& info) const;

    CreateOptions m_options;
    QString m_name;
    bool m_multiFile = false;
    FileList m_files;
    QString m_root;
    qint64 m_totalBytes = 0;
    qint64 m_pieceLength = 0;
    std::atomic<bool> m_cancelled{false};
    std::atomic<int> m_piecesHashed{0};
};

} // namespace swarmshare::torrent

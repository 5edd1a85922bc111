// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/bitfield.h"
#include "common/result.h"
#include "storage/filelayout.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QList>
#include <QString>

#include <optional>

namespace swarmshare::storage {

// What a file looked like when the bitfield was saved. Size and mtime are cheap to read and change
// whenever anything writes the file, which is all a restart needs to decide what to trust.
struct FileStat {
    bool exists = false;
    qint64 size = 0;
    qint64 mtimeMs = 0; // milliseconds since the epoch

    friend bool operator==(const FileStat&, const FileStat&) = default;
};

// Resume data of one torrent: the verified pieces and the state of its files when they were
// verified. Stored as JSON (QJsonDocument is a strict parser already in QtCore, the file is small
// and can be read when debugging a user's problem; bencode, libtorrent's choice, is not available
// to this layer yet). Version 1:
//
//   {
//     "format": "swarmshare-resume", "version": 1,
//     "pieceLength": 262144, "pieceCount": 40,
//     "piecesSha1": "<40 hex>",  SHA-1 of the concatenated piece hashes: binds the file to one
//                                torrent, so another torrent's resume data is never trusted
//     "have": "<base64>",        the verified pieces, BEP 3 bitfield layout (spare bits zero)
//     "files": [ {"path": "dir/a.bin", "length": 1000,           as in the torrent, in order
//                 "exists": true, "size": 1000, "mtimeMs": 1700000000123}, ... ]
//   }
//
// A resume file is untrusted input: anything missing, unknown, of the wrong type or not matching
// the torrent makes fromJson() fail, and the caller falls back to a full recheck.
class ResumeData {
    Q_DECLARE_TR_FUNCTIONS(ResumeData)

public:
    static constexpr int kVersion = 1;
    static constexpr qint64 kMaxFileSize = 64 * 1024 * 1024;

    Bitfield have;
    QList<FileStat> files; // one per file of the layout

    static QList<FileStat> statFiles(const FileLayout& layout, const QString& root);

    QByteArray toJson(const FileLayout& layout, QByteArrayView pieceHashes) const;
    static Result<ResumeData> fromJson(QByteArrayView json, const FileLayout& layout,
                                       QByteArrayView pieceHashes);

    // Atomic: written to a temporary file and renamed over the old one (QSaveFile), so a crash
    // leaves either the old or the new resume data, never a mix.
    Result<void> save(const QString& path, const FileLayout& layout,
                      QByteArrayView pieceHashes) const;
    static Result<ResumeData> load(const QString& path, const FileLayout& layout,
                                   QByteArrayView pieceHashes);
};

// What to do on start given the saved data (nullopt when there is none or it was rejected) and
// the files as they are now.
struct ResumePlan {
    Bitfield trusted;   // verified pieces all of whose files are unchanged: no hashing needed
    QList<int> toCheck; // pieces touching a file that changed: hash them
};

// A file missing now drops every piece touching it. A file whose existence, size or mtime differs
// from the saved state has every piece touching it rechecked. Without saved data every piece is
// checked except those touching a missing file.
ResumePlan planResume(const FileLayout& layout, const std::optional<ResumeData>& saved,
                      const QList<FileStat>& now);

} // namespace swarmshare::storage

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"
#include "torrent/fileentry.h"

#include <QCoreApplication>
#include <QFile>

#include <memory>
#include <vector>

namespace swarmshare::storage {

// The open files of one torrent, at most `maxOpen` at a time (least recently used closed first),
// so that a torrent of 10,000 files neither reopens a file per block nor runs out of descriptors.
// Files are opened lazily: read-only for reading (seeding a read-only share works), read-write
// on the first write. Opening for writing creates the parent folders and extends a regular file
// to its full length with ftruncate, so a download is a sparse file of the right size from the
// first block on (see PieceStorage for why sparse rather than preallocated).
// I/O is positional (pread/pwrite on Unix): one system call per span, no seek state.
// Not thread-safe: each thread that does I/O has its own FileCache.
class FileCache {
    Q_DECLARE_TR_FUNCTIONS(FileCache)

public:
    enum class Access { Read, Write };

    FileCache(torrent::FileList files, QString root, int maxOpen);
    ~FileCache();
    FileCache(const FileCache&) = delete;
    FileCache& operator=(const FileCache&) = delete;

    // Reads up to `length` bytes at `offset` of `file` and returns how many were read: fewer at
    // the end of the file, 0 when the file does not exist. An error for anything else (the file
    // exists but cannot be opened or read, or was deleted while open).
    Result<qint64> read(int file, qint64 offset, char* data, qint64 length);
    // Writes all of `data`; an error (no space, file too large, cannot create...) otherwise.
    Result<void> write(int file, qint64 offset, const char* data, qint64 length);
    // Creates the zero-length files of the torrent (and their folders): they get no block, so
    // nothing else would ever create them.
    Result<void> createEmptyFiles();

    void closeAll();
    int openCount() const;
    QString filePath(int file) const;

private:
    struct Slot {
        int file = -1;
        bool writable = false;
        quint64 lastUse = 0;
        std::unique_ptr<QFile> handle;
    };

    // Returns the open file, or nullptr for Access::Read when the file does not exist.
    Result<QFile*> open(int file, Access access);
    Result<std::unique_ptr<QFile>> openNew(int file, Access access) const;
    Slot& freeSlot();
    void close(Slot& slot);

    torrent::FileList m_files;
    QString m_root;
    std::vector<Slot> m_slots;
    std::vector<int> m_slotOfFile; // per file, its slot or -1
    quint64 m_clock = 0;
};

} // namespace swarmshare::storage

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
// I/O is positional (pread/pwrite on Unix): one system call per span, no seek state; the vectored
// calls move several buffers to or from one contiguous range of a file in one system call
// (preadv/pwritev). A file deleted while open is noticed (fstat) at its first use in each Batch,
// or at every use outside one.
// Not thread-safe: each thread that does I/O has its own FileCache.
class FileCache {
    Q_DECLARE_TR_FUNCTIONS(FileCache)

public:
    enum class Access { Read, Write };

    // Buffers of one vectored call, in file order.
    struct Buffer {
        char* data = nullptr;
        qint64 length = 0;
    };
    struct ConstBuffer {
        const char* data = nullptr;
        qint64 length = 0;
    };

    // While a Batch lives, each open file is checked for deletion once, not at every access.
    class Batch {
    public:
        explicit Batch(FileCache& cache)
            : m_cache(cache)
        {
            ++m_cache.m_batch;
            m_cache.m_batching = true;
        }
        ~Batch() { m_cache.m_batching = false; }
        Batch(const Batch&) = delete;
        Batch& operator=(const Batch&) = delete;

    private:
        FileCache& m_cache;
    };

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
    // read() and write() of consecutive bytes of `file` into or from several buffers.
    Result<qint64> read(int file, qint64 offset, const Buffer* buffers, int count);
    Result<void> write(int file, qint64 offset, const ConstBuffer* buffers, int count);
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
        quint64 checkedInBatch = 0; // the batch that last checked the file for deletion
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
    quint64 m_batch = 0;
    bool m_batching = false;
};

} // namespace swarmshare::storage

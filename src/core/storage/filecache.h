// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"
#include "torrent/fileentry.h"

#include <QCoreApplication>
#include <QFile>

#include <memory>
#include <optional>
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
// Seeding can skip the read's copy: map() hands out a range of a file as a pointer into a
// read-only shared mapping (on Linux), whose pages are the page cache itself. Files are mapped
// in aligned windows of kMapWindowBytes, kept in a least-recently-used list of at most
// kMaxMappedBytes per FileCache and dropped from it when their file is closed (deleted,
// replaced, the open-file limit, closeAll). A window lives on, unmapped only when the last
// MappedRange::keepAlive of it is gone, on whatever thread that happens. A range is populated
// (read into memory, on the caller's thread) once per window. Only code that hands
// the bytes to the kernel may use a mapped range: see map().
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
    // Bytes of a file seen through a mapping of it (see map()): `data` stays valid while a copy
    // of `keepAlive` lives, whatever happens to the FileCache meanwhile.
    struct MappedRange {
        const char* data = nullptr;
        qint64 length = 0;
        std::shared_ptr<const void> keepAlive;
    };

    // Windows are mapped whole and populated only where map() hands something out: address
    // space is cheap on 64-bit, and each populated GiB costs about 2 MiB of page tables. The
    // windows of one FileCache map at most kMaxMappedBytes: every window of a 1 GiB file stays
    // mapped, a larger file recycles the least recently used window (an munmap and, later, an
    // mmap and minor faults: far less than the copies it saves). Few windows either way: only
    // open files (at most `maxOpen`) have windows, and at most 64 of them are full ones.
    static constexpr qint64 kMapWindowBytes = qint64(16) << 20;
    static constexpr qint64 kMaxMappedBytes = qint64(1) << 30;

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
    // The `length` bytes at `offset` of `file` as a range of a read-only shared mapping, with
    // their pages read in (madvise MADV_POPULATE_READ: any disk I/O happens here, not as a page
    // fault in whoever sends the bytes, and a failure is an error code, not a signal).
    // nullopt when mapping is not possible or not sure to work, and the caller then read()s,
    // which tells precisely what is wrong, if anything: the range crosses a window's end (fewer
    // than one 128 KiB run in a hundred), the file is missing, is not a regular file or is
    // shorter than the range, mmap or populating fails, the kernel lacks MADV_POPULATE_READ
    // (Linux < 5.14: mapping is then off for this FileCache), or not on 64-bit Linux. An error
    // only where read() would fail too before any I/O: the file cannot be opened, or was
    // deleted while open.
    //
    // SAFETY: the bytes may only be handed to the kernel (sendmsg copies them), never read by
    // user-space code. Another program may truncate the file at any time; a user-space read of a
    // page past the new end raises SIGBUS and kills the app, whereas the kernel's copy fails
    // with EFAULT. The same goes for any QByteArray made over the range (QByteArray::data(),
    // comparisons, hashing... all read it).
    Result<std::optional<MappedRange>> map(int file, qint64 offset, qint64 length);
    // Windows in the cache and the bytes they map (windows dropped from it but kept alive by a
    // MappedRange are not counted).
    int mappedWindowCount() const;
    qint64 mappedBytes() const;

    void closeAll();
    int openCount() const;
    QString filePath(int file) const;

private:
    struct Mapping;
    // A mapped window of an open file, from index * kMapWindowBytes on; `length` counts whole
    // pages.
    struct Window {
        qint64 index = 0;
        qint64 length = 0;
        quint64 lastUse = 0;
        std::shared_ptr<const Mapping> mapping;
        // The pages populated so far, a bit each: populating pages that are already mapped
        // still walks and counts them, a cost the seeders of one file share on every block.
        std::vector<quint64> populated;
    };
    // What the deletion check of an open file found (one fstat).
    struct FileCheck {
        bool unlinked = false;
        bool regular = false;
        qint64 size = -1;
    };
    struct Slot {
        int file = -1;
        bool writable = false;
        bool unmappable = false; // mmap failed for this file (or it is not a regular file)
        quint64 lastUse = 0;
        quint64 checkedInBatch = 0; // the batch that last checked the file for deletion
        FileCheck checked;          // what that check found
        std::unique_ptr<QFile> handle;
        std::vector<Window> windows;
    };

    static FileCheck checkFile(QFile& file);
    // Returns the open file, or nullptr for Access::Read when the file does not exist.
    Result<QFile*> open(int file, Access access);
    Result<std::unique_ptr<QFile>> openNew(int file, Access access) const;
    Slot& freeSlot();
    void close(Slot& slot);
    Window* window(Slot& slot, qint64 index);
    void dropWindows(Slot& slot);
    void evictWindows(qint64 room);

    torrent::FileList m_files;
    QString m_root;
    std::vector<Slot> m_slots;
    std::vector<int> m_slotOfFile; // per file, its slot or -1
    quint64 m_clock = 0;
    quint64 m_batch = 0;
    bool m_batching = false;
    qint64 m_mappedBytes = 0;   // by the windows of every slot
    bool m_mapDisabled = false; // the kernel cannot populate mappings: read() only
};

} // namespace swarmshare::storage

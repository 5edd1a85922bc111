// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/filecache.h"

#include "common/logging.h"

#include <QDir>
#include <QFileInfo>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <climits>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#endif
#ifdef Q_OS_LINUX
#include <sys/mman.h>
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 // Linux 5.14; glibc defines it from 2.36 on
#endif
#endif

#include <QVarLengthArray>

#include <algorithm>

namespace swarmshare::storage {

namespace {

QString displayPath(const QString& path)
{
    return QDir::toNativeSeparators(path);
}

#ifdef Q_OS_UNIX
// preadv/pwritev loops over buffers laid end to end in the file: a regular file only returns
// short at its end, but signals and devices may interrupt or split a transfer. Return the bytes
// moved, or -1 with errno set.
template<typename Buffer, typename Call>
qint64 vectoredAt(QFile& file, qint64 offset, const Buffer* buffers, int count, Call call,
                  bool stopAtEnd)
{
    qint64 total = 0;
    for (int i = 0; i < count; ++i)
        total += buffers[i].length;
    qint64 done = 0;
    int first = 0;        // the first buffer not complete
    qint64 firstDone = 0; // bytes of it already moved
    while (done < total) {
        QVarLengthArray<iovec, 64> vectors;
        for (int i = first; i < count && vectors.size() < IOV_MAX; ++i) {
            const qint64 skip = i == first ? firstDone : 0;
            vectors.append(
                {const_cast<char*>(buffers[i].data) + skip, size_t(buffers[i].length - skip)});
        }
        const ssize_t n =
            call(file.handle(), vectors.constData(), int(vectors.size()), off_t(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            if (stopAtEnd)
                break;
            return -1;
        }
        done += n;
        qint64 left = n;
        while (left > 0 && first < count) {
            const qint64 rest = buffers[first].length - firstDone;
            if (left < rest) {
                firstDone += left;
                left = 0;
            } else {
                left -= rest;
                ++first;
                firstDone = 0;
            }
        }
    }
    return done;
}

qint64 readAt(QFile& file, qint64 offset, const FileCache::Buffer* buffers, int count)
{
    return vectoredAt(file, offset, buffers, count, ::preadv, true);
}

qint64 writeAt(QFile& file, qint64 offset, const FileCache::ConstBuffer* buffers, int count)
{
    return vectoredAt(file, offset, buffers, count, ::pwritev, false);
}

QString lastError()
{
    return qt_error_string(errno);
}

#else
qint64 readAt(QFile& file, qint64 offset, char* data, qint64 length)
{
    return file.seek(offset) ? file.read(data, length) : -1;
}

qint64 writeAt(QFile& file, qint64 offset, const char* data, qint64 length)
{
    return file.seek(offset) && file.write(data, length) == length ? length : -1;
}

qint64 readAt(QFile& file, qint64 offset, const FileCache::Buffer* buffers, int count)
{
    qint64 done = 0;
    for (int i = 0; i < count; ++i) {
        const qint64 n = readAt(file, offset + done, buffers[i].data, buffers[i].length);
        if (n < 0)
            return -1;
        done += n;
        if (n < buffers[i].length)
            break;
    }
    return done;
}

qint64 writeAt(QFile& file, qint64 offset, const FileCache::ConstBuffer* buffers, int count)
{
    qint64 done = 0;
    for (int i = 0; i < count; ++i) {
        if (writeAt(file, offset + done, buffers[i].data, buffers[i].length) != buffers[i].length)
            return -1;
        done += buffers[i].length;
    }
    return done;
}

QString lastError()
{
    return QString();
}

#endif

#ifdef Q_OS_LINUX
// Mapped windows on 64-bit Linux only: a 32-bit process has too little address space to spare,
// and MADV_POPULATE_READ is Linux's.
constexpr bool kCanMap = sizeof(void*) >= 8;

qint64 pageSize()
{
    static const qint64 size = ::sysconf(_SC_PAGESIZE);
    return size;
}
#else
constexpr bool kCanMap = false;
#endif

} // namespace

// A window's mapping, unmapped by whoever drops the last reference to it.
struct FileCache::Mapping {
    void* address = nullptr;
    size_t length = 0;

    Mapping(void* address, size_t length)
        : address(address)
        , length(length)
    {}
    ~Mapping()
    {
#ifdef Q_OS_LINUX
        ::munmap(address, length);
#endif
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
};

// A file deleted (or replaced by a rename) while we hold it open can still be read and written
// on Unix, silently: the data would go nowhere the user can see. The same fstat tells map() how
// long the file is.
FileCache::FileCheck FileCache::checkFile(QFile& file)
{
#ifdef Q_OS_UNIX
    struct stat info {};
    if (::fstat(file.handle(), &info) != 0)
        return {};
    return {info.st_nlink == 0, S_ISREG(info.st_mode), qint64(info.st_size)};
#else
    return {!file.exists(), true, file.size()};
#endif
}

FileCache::FileCache(torrent::FileList files, QString root, int maxOpen)
    : m_files(std::move(files))
    , m_root(std::move(root))
    , m_slots(size_t(qMax(maxOpen, 1)))
    , m_slotOfFile(size_t(m_files.size()), -1)
{}

FileCache::~FileCache() = default;

QString FileCache::filePath(int file) const
{
    return QDir(m_root).filePath(m_files.at(file).path);
}

int FileCache::openCount() const
{
    int count = 0;
    for (const Slot& slot : m_slots)
        count += slot.handle ? 1 : 0;
    return count;
}

void FileCache::closeAll()
{
    for (Slot& slot : m_slots)
        close(slot);
}

void FileCache::close(Slot& slot)
{
    if (slot.file >= 0)
        m_slotOfFile[size_t(slot.file)] = -1;
    // Ranges handed out keep their windows alive; the next map() maps the file afresh (it may
    // have been replaced: that is why it was closed).
    dropWindows(slot);
    slot.handle.reset();
    slot.file = -1;
    slot.writable = false;
    slot.unmappable = false;
}

int FileCache::mappedWindowCount() const
{
    size_t count = 0;
    for (const Slot& slot : m_slots)
        count += slot.windows.size();
    return int(count);
}

qint64 FileCache::mappedBytes() const
{
    return m_mappedBytes;
}

FileCache::Window* FileCache::window(Slot& slot, qint64 index)
{
    for (Window& window : slot.windows) {
        if (window.index == index)
            return &window;
    }
    return nullptr;
}

void FileCache::dropWindows(Slot& slot)
{
    for (const Window& window : slot.windows)
        m_mappedBytes -= window.length;
    slot.windows.clear();
}

// Drops the least recently used windows until `room` more bytes fit under the cap.
void FileCache::evictWindows(qint64 room)
{
    while (m_mappedBytes + room > kMaxMappedBytes) {
        Slot* oldestSlot = nullptr;
        qsizetype oldest = -1;
        for (Slot& slot : m_slots) {
            for (qsizetype i = 0; i < qsizetype(slot.windows.size()); ++i) {
                if (!oldestSlot ||
                    slot.windows[size_t(i)].lastUse < oldestSlot->windows[size_t(oldest)].lastUse) {
                    oldestSlot = &slot;
                    oldest = i;
                }
            }
        }
        if (!oldestSlot)
            return;
        m_mappedBytes -= oldestSlot->windows[size_t(oldest)].length;
        oldestSlot->windows.erase(oldestSlot->windows.begin() + oldest);
    }
}

FileCache::Slot& FileCache::freeSlot()
{
    Slot* oldest = &m_slots.front();
    for (Slot& slot : m_slots) {
        if (!slot.handle)
            return slot;
        if (slot.lastUse < oldest->lastUse)
            oldest = &slot;
    }
    close(*oldest);
    return *oldest;
}

Result<std::unique_ptr<QFile>> FileCache::openNew(int file, Access access) const
{
    const QString path = filePath(file);
    auto handle = std::make_unique<QFile>(path);
    if (access == Access::Read) {
        if (!handle->open(QIODevice::ReadOnly | QIODevice::Unbuffered)) {
            if (!QFileInfo::exists(path))
                return std::unique_ptr<QFile>();
            return makeError(
                tr("Cannot open \"%1\": %2").arg(displayPath(path), handle->errorString()));
        }
        return handle;
    }
    const QString folder = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(folder))
        return makeError(tr("Cannot create the folder \"%1\"").arg(displayPath(folder)));
    if (!handle->open(QIODevice::ReadWrite | QIODevice::Unbuffered))
        return makeError(
            tr("Cannot open \"%1\": %2").arg(displayPath(path), handle->errorString()));
    // Only regular files have a size to set: a symlink to a device is used as it is. A longer
    // file is left alone: the bytes past the torrent's end are the user's, not ours to cut.
    const qint64 length = m_files.at(file).length;
    if (QFileInfo(path).isFile() && handle->size() < length && !handle->resize(length)) {
        return makeError(
            tr("Cannot allocate \"%1\": %2").arg(displayPath(path), handle->errorString()));
    }
    return handle;
}

Result<QFile*> FileCache::open(int file, Access access)
{
    const int index = m_slotOfFile[size_t(file)];
    if (index >= 0) {
        Slot& slot = m_slots[size_t(index)];
        const bool check = !m_batching || slot.checkedInBatch != m_batch;
        slot.checkedInBatch = m_batch;
        if (check) {
            slot.checked = checkFile(*slot.handle);
            if (slot.checked.unlinked) {
                close(slot);
                return makeError(
                    tr("\"%1\" was deleted while in use").arg(displayPath(filePath(file))));
            }
        }
        if (access == Access::Read || slot.writable) {
            slot.lastUse = ++m_clock;
            return slot.handle.get();
        }
        close(slot); // reopen read-write below
    }
    Result<std::unique_ptr<QFile>> opened = openNew(file, access);
    if (!opened)
        return opened.error();
    if (!*opened)
        return static_cast<QFile*>(nullptr);
    Slot& slot = freeSlot();
    slot.file = file;
    slot.writable = access == Access::Write;
    slot.lastUse = ++m_clock;
    slot.checkedInBatch = m_batch;
    slot.handle = std::move(*opened);
    slot.checked = checkFile(*slot.handle);
    m_slotOfFile[size_t(file)] = int(&slot - m_slots.data());
    return slot.handle.get();
}

Result<qint64> FileCache::read(int file, qint64 offset, char* data, qint64 length)
{
    const Buffer buffer{data, length};
    return read(file, offset, &buffer, 1);
}

Result<void> FileCache::write(int file, qint64 offset, const char* data, qint64 length)
{
    const ConstBuffer buffer{data, length};
    return write(file, offset, &buffer, 1);
}

Result<qint64> FileCache::read(int file, qint64 offset, const Buffer* buffers, int count)
{
    Result<QFile*> opened = open(file, Access::Read);
    if (!opened)
        return opened.error();
    if (*opened == nullptr)
        return qint64(0);
    const qint64 n = readAt(**opened, offset, buffers, count);
    if (n < 0)
        return makeError(
            tr("Cannot read \"%1\": %2").arg(displayPath(filePath(file)), lastError()));
    return n;
}

Result<std::optional<FileCache::MappedRange>> FileCache::map(int file, qint64 offset, qint64 length)
{
    using Mapped = std::optional<MappedRange>;
    if (!kCanMap || m_mapDisabled || length <= 0 || offset < 0)
        return Mapped();
    const qint64 index = offset / kMapWindowBytes;
    const qint64 windowStart = index * kMapWindowBytes;
    const qint64 windowLength = qMin(kMapWindowBytes, m_files.at(file).length - windowStart);
    if (offset + length > windowStart + windowLength)
        return Mapped(); // crosses the window's end (or the file's, in the torrent)
    Result<QFile*> opened = open(file, Access::Read);
    if (!opened)
        return opened.error();
    if (*opened == nullptr)
        return Mapped(); // missing
#ifdef Q_OS_LINUX
    Slot& slot = m_slots[size_t(m_slotOfFile[size_t(file)])];
    if (slot.unmappable)
        return Mapped();
    const int fd = slot.handle->handle();
    // The range must be inside the file as open() last checked it (once per Batch): a page past
    // the end is not populated, but the part of the last page past it is, as zeros. (A
    // truncation from then on is another program's race: see the SAFETY note.)
    if (!slot.checked.regular) {
        slot.unmappable = true; // a device, say: read() it
        return Mapped();
    }
    if (slot.checked.size < offset + length)
        return Mapped(); // short: read() finds out how short
    Window* found = window(slot, index);
    if (!found) {
        const qint64 mappedLength = (windowLength + pageSize() - 1) / pageSize() * pageSize();
        evictWindows(mappedLength);
        void* address =
            ::mmap(nullptr, size_t(windowLength), PROT_READ, MAP_SHARED, fd, off_t(windowStart));
        if (address == MAP_FAILED) {
            qCDebug(lcStorage) << "cannot map" << filePath(file) << "at" << windowStart << ":"
                               << lastError() << "(reading it instead)";
            slot.unmappable = true;
            return Mapped();
        }
        const qint64 pages = mappedLength / pageSize();
        slot.windows.push_back({index, mappedLength, 0,
                                std::make_shared<const Mapping>(address, size_t(windowLength)),
                                std::vector<quint64>(size_t((pages + 63) / 64), 0)});
        m_mappedBytes += mappedLength;
        found = &slot.windows.back();
    }
    found->lastUse = ++m_clock;
    char* const base = static_cast<char*>(found->mapping->address);
    const qint64 inWindow = offset - windowStart;
    const qint64 pageFirst = inWindow / pageSize();
    const qint64 pageLast = (inWindow + length - 1) / pageSize();
    const auto isPopulated = [found](qint64 page) {
        return (found->populated[size_t(page / 64)] >> (page % 64)) & 1;
    };
    bool done = true;
    for (qint64 page = pageFirst; page <= pageLast && done; ++page)
        done = isPopulated(page);
    // Populated once: should the kernel reclaim a page meanwhile, sendmsg faults it back in.
    if (done)
        return Mapped(MappedRange{base + inWindow, length, found->mapping});
    const qint64 populateFrom = pageFirst * pageSize();
    if (::madvise(base + populateFrom, size_t(inWindow + length - populateFrom),
                  MADV_POPULATE_READ) != 0) {
        if (errno == EINVAL) {
            // Linux < 5.14 (or a file system that cannot): no mapping for this cache from now.
            qCInfo(lcStorage) << "cannot populate file mappings:" << lastError()
                              << "- seeding reads with preadv";
            m_mapDisabled = true;
            for (Slot& each : m_slots)
                dropWindows(each);
        } else {
            // EFAULT: the file shrank since the check; EIO: unreadable. read() says which.
            qCDebug(lcStorage) << "cannot populate" << filePath(file) << "at" << offset << ":"
                               << lastError() << "(reading it instead)";
        }
        return Mapped();
    }
    for (qint64 page = pageFirst; page <= pageLast; ++page)
        found->populated[size_t(page / 64)] |= quint64(1) << (page % 64);
    return Mapped(MappedRange{base + inWindow, length, found->mapping});
#else
    return Mapped();
#endif
}

Result<void> FileCache::write(int file, qint64 offset, const ConstBuffer* buffers, int count)
{
    Result<QFile*> opened = open(file, Access::Write);
    if (!opened)
        return opened.error();
    qint64 length = 0;
    for (int i = 0; i < count; ++i)
        length += buffers[i].length;
    if (writeAt(**opened, offset, buffers, count) != length) {
        const QString why = lastError();
        qCWarning(lcStorage) << "write failed:" << filePath(file) << why;
        return makeError(tr("Cannot write to \"%1\": %2").arg(displayPath(filePath(file)), why));
    }
    return {};
}

Result<void> FileCache::createEmptyFiles()
{
    for (int file = 0; file < m_files.size(); ++file) {
        if (m_files.at(file).length != 0 || QFileInfo::exists(filePath(file)))
            continue;
        Result<std::unique_ptr<QFile>> created = openNew(file, Access::Write);
        if (!created)
            return created.error();
    }
    return {};
}

} // namespace swarmshare::storage

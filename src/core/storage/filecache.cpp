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

// A file deleted (or replaced by a rename) while we hold it open can still be read and written
// on Unix, silently: the data would go nowhere the user can see.
bool isUnlinked(QFile& file)
{
    struct stat info {};
    return ::fstat(file.handle(), &info) == 0 && info.st_nlink == 0;
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

bool isUnlinked(QFile& file)
{
    return !file.exists();
}
#endif

} // namespace

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
    slot.handle.reset();
    slot.file = -1;
    slot.writable = false;
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
        if (check && isUnlinked(*slot.handle)) {
            close(slot);
            return makeError(
                tr("\"%1\" was deleted while in use").arg(displayPath(filePath(file))));
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

// SPDX-License-Identifier: GPL-3.0-or-later
// A torrent made up in memory (random content, real piece hashes) and the helpers that put it on
// disk, shared by the storage tests.
#pragma once

#include "common/sha1.h"
#include "storage/filelayout.h"
#include "storage/piecestorage.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSysInfo>
#include <QThread>
#include <QThreadPool>
#include <QVersionNumber>

#include <memory>

namespace swarmshare::test {

// What FileCache::map() needs: 64-bit Linux 5.14 or later (MADV_POPULATE_READ).
inline bool canMap()
{
#ifdef Q_OS_LINUX
    return sizeof(void*) >= 8 &&
           QVersionNumber::fromString(QSysInfo::kernelVersion()) >= QVersionNumber(5, 14);
#else
    return false;
#endif
}

struct TorrentFixture {
    storage::FileLayout layout;
    QByteArray content; // the whole torrent, files concatenated
    QByteArray hashes;

    static TorrentFixture make(const torrent::FileList& files, qint64 pieceLength, quint32 seed = 1)
    {
        TorrentFixture fixture;
        Result<storage::FileLayout> layout = storage::FileLayout::create(files, pieceLength);
        if (!layout)
            qFatal("bad fixture: %s", qPrintable(layout.error().message));
        fixture.layout = *layout;
        fixture.content = QByteArray(fixture.layout.totalLength(), Qt::Uninitialized);
        QRandomGenerator random(seed);
        for (char& byte : fixture.content)
            byte = char(random.bounded(256));
        for (int piece = 0; piece < fixture.layout.pieceCount(); ++piece)
            fixture.hashes += Sha1::hash(fixture.pieceData(piece));
        return fixture;
    }

    QByteArray pieceData(int piece) const
    {
        return content.mid(layout.pieceOffset(piece), layout.pieceSize(piece));
    }

    QByteArray block(int piece, int offset, int length) const
    {
        return content.mid(layout.pieceOffset(piece) + offset, length);
    }

    QByteArray fileData(int file) const
    {
        return content.mid(layout.fileOffset(file), layout.file(file).length);
    }

    QString path(const QString& root, int file) const
    {
        return QDir(root).filePath(layout.file(file).path);
    }

    // Writes every file (folders included) as a finished download would be.
    void writeFiles(const QString& root) const
    {
        for (int file = 0; file < layout.fileCount(); ++file)
            writeFile(root, file, fileData(file));
    }

    void writeFile(const QString& root, int file, const QByteArray& data) const
    {
        const QString target = path(root, file);
        QDir().mkpath(QFileInfo(target).absolutePath());
        QFile out(target);
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(data) != data.size())
            qFatal("cannot write %s", qPrintable(target));
    }

    // The pieces whose data is intact in `root`, computed independently of the storage code.
    Bitfield expectedHave(const QString& root) const
    {
        QByteArray onDisk;
        for (int file = 0; file < layout.fileCount(); ++file) {
            QFile in(path(root, file));
            QByteArray data = in.open(QIODevice::ReadOnly) ? in.readAll() : QByteArray();
            data = data.leftJustified(layout.file(file).length, '\0', true);
            if (!in.exists())
                data.fill('\x01'); // missing: never matches, whatever the content
            onDisk += data;
        }
        Bitfield have(layout.pieceCount());
        for (int piece = 0; piece < layout.pieceCount(); ++piece) {
            const QByteArray data = onDisk.mid(layout.pieceOffset(piece), layout.pieceSize(piece));
            have.set(piece, Sha1::hash(data) == hashes.mid(piece * 20, 20));
        }
        return have;
    }
};

// A disk thread, a hash thread (or none: hashing then shares the disk thread) and a small
// checking pool per test, torn down in order.
class StorageHarness {
public:
    explicit StorageHarness(bool separateHashThread = true)
        : m_owner(QThread::currentThread())
        , m_separateHashThread(separateHashThread)
    {
        m_pool.setMaxThreadCount(2);
        m_diskThread.setObjectName(QStringLiteral("disk"));
        m_hashThread.setObjectName(QStringLiteral("hash"));
        startThreads();
    }

    ~StorageHarness()
    {
        m_storages.clear();
        stopThreads();
    }

    QThreadPool& pool() { return m_pool; }

    // Returns once the disk thread has handled everything posted to it before this call.
    void syncDiskThread()
    {
        QObject probe;
        probe.moveToThread(&m_diskThread);
        QMetaObject::invokeMethod(
            &probe, [] {}, Qt::BlockingQueuedConnection);
        // Back to this thread so that it is destroyed where it lives.
        QMetaObject::invokeMethod(
            &probe, [&probe, this] { probe.moveToThread(m_owner); }, Qt::BlockingQueuedConnection);
    }

    storage::PieceStorage& create(const TorrentFixture& fixture, const QString& root,
                                  const QString& resumePath = {}, int maxOpenFiles = 8,
                                  int saveIntervalMs = 0)
    {
        storage::PieceStorage::Options options;
        options.downloadDir = root;
        options.resumePath = resumePath;
        options.maxOpenFiles = maxOpenFiles;
        options.resumeSaveIntervalMs = saveIntervalMs;
        options.hashPool = &m_pool;
        options.hashThread = m_separateHashThread ? &m_hashThread : nullptr;
        m_storages.push_back(std::make_unique<storage::PieceStorage>(fixture.layout, fixture.hashes,
                                                                     options, &m_diskThread));
        return *m_storages.back();
    }

    // Destroys every storage and waits until their workers are gone (and saved their resume
    // data): a thread processes the deferred deletes before it stops.
    void destroyAll()
    {
        m_storages.clear();
        stopThreads();
        startThreads();
    }

    // Opens and waits for the check; returns the number of pieces hashed, or -1 on timeout.
    static int openAndWait(storage::PieceStorage& storage)
    {
        QSignalSpy finished(&storage, &storage::PieceStorage::checkFinished);
        storage.open();
        if (!finished.wait(30000))
            return -1;
        return finished.constFirst().at(0).toInt();
    }

    static int recheckAndWait(storage::PieceStorage& storage)
    {
        QSignalSpy finished(&storage, &storage::PieceStorage::checkFinished);
        storage.recheck();
        if (!finished.wait(30000))
            return -1;
        return finished.constFirst().at(0).toInt();
    }

private:
    void startThreads()
    {
        m_diskThread.start();
        if (m_separateHashThread)
            m_hashThread.start();
    }

    void stopThreads()
    {
        for (QThread* thread : {&m_diskThread, &m_hashThread}) {
            thread->quit();
            thread->wait();
        }
    }

    QThread* m_owner;
    bool m_separateHashThread;
    QThreadPool m_pool;
    QThread m_diskThread;
    QThread m_hashThread;
    std::vector<std::unique_ptr<storage::PieceStorage>> m_storages;
};

} // namespace swarmshare::test

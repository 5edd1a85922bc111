// SPDX-License-Identifier: GPL-3.0-or-later
// Shared steps of the tracker integration tests: clients, accounts, peers, real .torrent files.
#pragma once

#include "support/awaitreply.h"
#include "support/files.h"
#include "support/torrentbuilder.h"
#include "tracker_client/trackerclient.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

#include <functional>
#include <memory>

namespace swarmshare::test {

using namespace swarmshare::trackerclient;

inline TrackerClient::Options clientOptions(const QList<QUrl>& urls)
{
    TrackerClient::Options options;
    options.urls = urls;
    options.requestTimeoutMs = 5000;
    options.retry.rounds = 2;
    options.retry.initialBackoffMs = 50;
    options.retry.maxBackoffMs = 200;
    return options;
}

inline std::unique_ptr<TrackerClient> makeClient(const QList<QUrl>& urls)
{
    return std::make_unique<TrackerClient>(clientOptions(urls));
}

inline QByteArray randomId()
{
    QByteArray id(20, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32*>(id.data()), 5);
    return id;
}

// Registers `username` (if needed) and logs `client` in. Returns "" or the problem.
inline QByteArray signUp(TrackerClient& client, const QString& username,
                         const QString& password = QStringLiteral("correct horse battery"))
{
    const Reply<QString> made =
        awaitReply<QString>([&](auto done) { client.registerAccount(username, password, done); });
    if (!made && made.error().code != u"conflict")
        return describe(made);
    const Reply<Session> session =
        awaitReply<Session>([&](auto done) { client.login(username, password, done); });
    return session ? QByteArray() : describe(session);
}

// A file of `pieceCount` pieces of 16 KiB (the last one shorter), not backed by data: the
// tracker only checks that the numbers fit together.
inline SharedFile sharedFile(const QByteArray& infoHash, const QString& name, int pieceCount,
                             bool complete, const QByteArray& have = {})
{
    constexpr qint64 kPiece = 16 * 1024;
    return {infoHash, name, (pieceCount - 1) * kPiece + 1000, kPiece, pieceCount, complete,
            have,     {}};
}

inline Reply<RegisterResult> registerPeer(TrackerClient& client, const QByteArray& peerId,
                                          quint16 port, int uploadSlots,
                                          const QList<SharedFile>& files)
{
    return awaitReply<RegisterResult>([&](auto done) {
        client.registerPeer({peerId, port, uploadSlots, files}, done);
    });
}

inline Reply<IdlePeers> idlePeers(TrackerClient& client, const QByteArray& peerId,
                                  const QByteArray& infoHash, int n)
{
    return awaitReply<IdlePeers>([&](auto done) { client.idlePeers(peerId, infoHash, n, done); });
}

inline Reply<FileDetails> fileDetails(TrackerClient& client, const QByteArray& infoHash)
{
    return awaitReply<FileDetails>([&](auto done) { client.fileDetails(infoHash, done); });
}

// Evaluates `condition` (which may wait for replies itself) until it holds or `timeoutMs`
// pass, letting the event loop run in between.
inline bool waitUntil(const std::function<bool()>& condition, int timeoutMs = 15000)
{
    QElapsedTimer clock;
    clock.start();
    while (!condition()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        QTest::qWait(100);
    }
    return true;
}

// A real single-file .torrent over `size` bytes of seeded random data written to `path`.
inline Result<torrent::CreatedTorrent> makeTorrent(const QString& path, qint64 size, quint32 seed)
{
    if (!writeFile(path, randomBytes(size, seed)))
        return makeError(QStringLiteral("cannot write ") + path);
    return createTorrent(path, 16 * 1024, {QStringLiteral("http://127.0.0.1:7070/announce")});
}

} // namespace swarmshare::test

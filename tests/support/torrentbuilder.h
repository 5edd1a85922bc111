// SPDX-License-Identifier: GPL-3.0-or-later
// Builds .torrent bytes for tests: valid by default, with every field open to tampering.
#pragma once

#include "bencode/encoder.h"
#include "bencode/value.h"
#include "common/sha1.h"
#include "torrent/torrentcreator.h"

#include <QByteArrayList>
#include <QFile>
#include <QString>

namespace swarmshare::test {

using bencode::Value;

// Distinct 20-byte hashes, as many as `totalLength` bytes in pieces of `pieceLength` need.
inline QByteArray fakePieceHashes(qint64 totalLength, qint64 pieceLength)
{
    QByteArray hashes;
    const qint64 count = (totalLength + pieceLength - 1) / pieceLength;
    for (qint64 i = 0; i < count; ++i)
        hashes += Sha1::hash(QByteArray::number(i));
    return hashes;
}

inline Value::Dict singleFileInfo(const QByteArray& name = "file.bin", qint64 length = 40000,
                                  qint64 pieceLength = 16384)
{
    Value::Dict info;
    info["name"] = Value(name);
    info["length"] = Value(length);
    info["piece length"] = Value(pieceLength);
    info["pieces"] = Value(fakePieceHashes(length, pieceLength));
    return info;
}

struct TestFile {
    QByteArrayList path;
    qint64 length = 0;
};

inline Value pathValue(const QByteArrayList& components)
{
    Value::List list;
    for (const QByteArray& component : components)
        list.append(Value(component));
    return Value(list);
}

inline Value::Dict multiFileInfo(const QByteArray& name, const QList<TestFile>& files,
                                 qint64 pieceLength = 16384)
{
    Value::List list;
    qint64 total = 0;
    for (const TestFile& file : files) {
        Value::Dict entry;
        entry["length"] = Value(file.length);
        entry["path"] = pathValue(file.path);
        list.append(Value(entry));
        total += file.length;
    }
    Value::Dict info;
    info["name"] = Value(name);
    info["files"] = Value(list);
    info["piece length"] = Value(pieceLength);
    info["pieces"] = Value(fakePieceHashes(total, pieceLength));
    return info;
}

// The whole file: `top` plus the `info` entry.
inline QByteArray torrentBytes(const Value::Dict& info, Value::Dict top = {})
{
    top["info"] = Value(info);
    return bencode::encode(Value(top));
}

inline QByteArray infoHashOf(const Value::Dict& info)
{
    return Sha1::hash(bencode::encode(Value(info)));
}

inline bool writeBytes(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(bytes) == bytes.size() && file.flush();
}

// A real .torrent of the file or folder at `source`, hashed by TorrentCreator.
inline Result<torrent::CreatedTorrent> createTorrent(const QString& source, qint64 pieceLength,
                                                     const QStringList& trackers = {})
{
    torrent::CreateOptions options;
    options.sourcePath = source;
    options.pieceLength = pieceLength;
    options.trackers = trackers;
    torrent::TorrentCreator creator(options);
    if (Result<void> prepared = creator.prepare(); !prepared)
        return prepared.error();
    return creator.create();
}

} // namespace swarmshare::test

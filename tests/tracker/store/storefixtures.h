// SPDX-License-Identifier: GPL-3.0-or-later
// Records and checks shared by the store conformance suite.
#pragma once

#include "tracker/store/store.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QDateTime>
#include <QString>
#include <QTest>

// Fails the test with the error's message when `result` is an error.
#define VERIFY_OK(result)                                                                          \
    do {                                                                                           \
        const auto& result_ = (result);                                                            \
        QVERIFY2(result_.ok(), result_.ok() ? "" : qPrintable(result_.error().message));           \
    } while (false)

// Fails unless `result` is an error with this code.
#define VERIFY_ERROR(result, expectedCode)                                                         \
    do {                                                                                           \
        const auto& result_ = (result);                                                            \
        QVERIFY2(!result_.ok(), "expected an error, got success");                                 \
        QCOMPARE(result_.error().code, QStringLiteral(expectedCode));                              \
        QVERIFY(!result_.error().message.isEmpty());                                               \
    } while (false)

namespace swarmshare::test {

using tracker::FileRecord;
using tracker::TokenRecord;

// A fixed instant, plus `seconds` (records are compared to the millisecond).
inline QDateTime at(qint64 seconds)
{
    return QDateTime::fromMSecsSinceEpoch(1'767'225'600'123 + seconds * 1000, Qt::UTC);
}

// 20 bytes derived from `seed`; different seeds give different hashes.
inline QByteArray infoHash(int seed)
{
    return QCryptographicHash::hash(QByteArray::number(seed), QCryptographicHash::Sha1);
}

inline QByteArray tokenHash(const QByteArray& token)
{
    return QCryptographicHash::hash(token, QCryptographicHash::Sha256);
}

inline FileRecord file(int seed, const QString& name, const QDateTime& addedAt = at(0),
                       qint64 addedBy = 0)
{
    FileRecord record;
    record.infoHash = infoHash(seed);
    record.name = name;
    record.size = 1000 + seed;
    record.pieceLength = 16384;
    record.pieceCount = 1;
    record.addedBy = addedBy;
    record.addedAt = addedAt;
    return record;
}

inline TokenRecord token(const QByteArray& secret, qint64 accountId, const QDateTime& expiresAt)
{
    return TokenRecord{tokenHash(secret), accountId, at(0), expiresAt};
}

inline QStringList namesOf(const QList<FileRecord>& files)
{
    QStringList names;
    for (const FileRecord& record : files)
        names.append(record.name);
    return names;
}

} // namespace swarmshare::test

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker/apierror.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace swarmshare::tracker {

// The JSON body of an API request, read field by field with the checks every field needs.
// Each getter throws ApiError (400 invalid_argument) with a message naming the field, so a
// handler reads its input in a few lines and the frontend turns the first problem into the
// reply.
class JsonBody {
public:
    // Throws when the body is not a JSON object.
    static JsonBody parse(const QByteArray& body);
    explicit JsonBody(QJsonObject object, QString prefix = {});

    bool has(const QString& key) const;
    QString string(const QString& key, int maxLength, int minLength = 1) const;
    std::optional<QString> optionalString(const QString& key, int maxLength) const;
    // Exactly 40 hex digits (either case) -> 20 bytes.
    QByteArray hash(const QString& key) const;
    qint64 integer(const QString& key, qint64 minimum, qint64 maximum) const;
    qint64 integer(const QString& key, qint64 minimum, qint64 maximum, qint64 fallback) const;
    bool boolean(const QString& key, bool fallback) const;
    // Standard base64, decoded; at most maxBytes once decoded.
    QByteArray base64(const QString& key, qsizetype maxBytes) const;
    QJsonArray array(const QString& key, qsizetype maxItems) const;
    // Each element of an array as an object body ("files[3].name" in messages).
    JsonBody element(const QJsonArray& array, qsizetype index, const QString& arrayKey) const;
    QByteArray hashAt(const QJsonArray& array, qsizetype index, const QString& arrayKey) const;

private:
    QJsonValue required(const QString& key) const;
    QString name(const QString& key) const;
    [[noreturn]] void fail(const QString& key, const QString& problem) const;

    QJsonObject m_object;
    QString m_prefix;
};

// 40 hex digits -> 20 bytes, or empty when `text` is not exactly that.
QByteArray hashFromHex(QStringView text);

} // namespace swarmshare::tracker

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/jsonbody.h"

#include <QJsonDocument>

#include <cmath>

namespace swarmshare::tracker {

namespace {

QString describe(const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

} // namespace

QByteArray hashFromHex(QStringView text)
{
    if (text.size() != 40)
        return {};
    for (QChar c : text) {
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F')))
            return {};
    }
    return QByteArray::fromHex(text.toLatin1());
}

JsonBody JsonBody::parse(const QByteArray& body)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        throw ApiError::invalidArgument(QStringLiteral("the body is not valid JSON: %1 at byte %2")
                                            .arg(error.errorString())
                                            .arg(error.offset));
    if (!document.isObject())
        throw ApiError::invalidArgument(QStringLiteral("the body must be a JSON object"));
    return JsonBody(document.object());
}

JsonBody::JsonBody(QJsonObject object, QString prefix)
    : m_object(std::move(object))
    , m_prefix(std::move(prefix))
{}

QString JsonBody::name(const QString& key) const
{
    return m_prefix.isEmpty() ? key : m_prefix + QLatin1Char('.') + key;
}

void JsonBody::fail(const QString& key, const QString& problem) const
{
    throw ApiError::invalidArgument(QStringLiteral("%1: %2").arg(name(key), problem));
}

bool JsonBody::has(const QString& key) const
{
    const QJsonValue value = m_object.value(key);
    return !value.isUndefined() && !value.isNull();
}

QJsonValue JsonBody::required(const QString& key) const
{
    if (!has(key))
        fail(key, QStringLiteral("missing"));
    return m_object.value(key);
}

QString JsonBody::string(const QString& key, int maxLength, int minLength) const
{
    const QJsonValue value = required(key);
    if (!value.isString())
        fail(key, QStringLiteral("expected a string, got %1").arg(describe(value)));
    const QString text = value.toString();
    if (text.size() < minLength || text.size() > maxLength)
        fail(key, QStringLiteral("must be %1 to %2 characters long").arg(minLength).arg(maxLength));
    return text;
}

std::optional<QString> JsonBody::optionalString(const QString& key, int maxLength) const
{
    if (!has(key))
        return std::nullopt;
    return string(key, maxLength, 0);
}

QByteArray JsonBody::hash(const QString& key) const
{
    const QJsonValue value = required(key);
    const QByteArray bytes = value.isString() ? hashFromHex(value.toString()) : QByteArray();
    if (bytes.isEmpty())
        fail(key, QStringLiteral("expected 40 hexadecimal digits"));
    return bytes;
}

qint64 JsonBody::integer(const QString& key, qint64 minimum, qint64 maximum) const
{
    const QJsonValue value = required(key);
    const double number = value.toDouble(std::nan(""));
    if (!value.isDouble() || std::floor(number) != number || std::fabs(number) > 9.0e15)
        fail(key, QStringLiteral("expected an integer, got %1").arg(describe(value)));
    const qint64 n = qint64(number);
    if (n < minimum || n > maximum)
        fail(key, QStringLiteral("must be from %1 to %2").arg(minimum).arg(maximum));
    return n;
}

qint64 JsonBody::integer(const QString& key, qint64 minimum, qint64 maximum, qint64 fallback) const
{
    return has(key) ? integer(key, minimum, maximum) : fallback;
}

bool JsonBody::boolean(const QString& key, bool fallback) const
{
    if (!has(key))
        return fallback;
    const QJsonValue value = m_object.value(key);
    if (!value.isBool())
        fail(key, QStringLiteral("expected true or false, got %1").arg(describe(value)));
    return value.toBool();
}

QByteArray JsonBody::base64(const QString& key, qsizetype maxBytes) const
{
    const QJsonValue value = required(key);
    if (!value.isString())
        fail(key, QStringLiteral("expected a base64 string, got %1").arg(describe(value)));
    const QByteArray text = value.toString().toLatin1();
    if (text.size() > (maxBytes + 2) / 3 * 4 + 4)
        fail(key, QStringLiteral("larger than %1 bytes").arg(maxBytes));
    const auto decoded =
        QByteArray::fromBase64Encoding(text, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        fail(key, QStringLiteral("not valid base64"));
    if (decoded.decoded.size() > maxBytes)
        fail(key, QStringLiteral("larger than %1 bytes").arg(maxBytes));
    return decoded.decoded;
}

QJsonArray JsonBody::array(const QString& key, qsizetype maxItems) const
{
    const QJsonValue value = required(key);
    if (!value.isArray())
        fail(key, QStringLiteral("expected an array, got %1").arg(describe(value)));
    const QJsonArray items = value.toArray();
    if (items.size() > maxItems)
        fail(key, QStringLiteral("at most %1 items").arg(maxItems));
    return items;
}

JsonBody JsonBody::element(const QJsonArray& array, qsizetype index, const QString& arrayKey) const
{
    const QString itemName = QStringLiteral("%1[%2]").arg(arrayKey).arg(index);
    if (!array[index].isObject())
        fail(itemName, QStringLiteral("expected an object, got %1").arg(describe(array[index])));
    return JsonBody(array[index].toObject(), name(itemName));
}

QByteArray JsonBody::hashAt(const QJsonArray& array, qsizetype index, const QString& arrayKey) const
{
    const QJsonValue value = array[index];
    const QByteArray bytes = value.isString() ? hashFromHex(value.toString()) : QByteArray();
    if (bytes.isEmpty())
        fail(QStringLiteral("%1[%2]").arg(arrayKey).arg(index),
             QStringLiteral("expected 40 hexadecimal digits"));
    return bytes;
}

} // namespace swarmshare::tracker

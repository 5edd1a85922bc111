// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/jsonreader.h"

#include <QTimeZone>

#include <cmath>

namespace swarmshare {

JsonReader::JsonReader(QJsonObject object, QString where)
    : m_object(std::move(object))
    , m_where(std::move(where))
{}

QString JsonReader::string(const QString& key)
{
    const QJsonValue value = m_object.value(key);
    if (!value.isString())
        fail(key);
    return value.toString();
}

qint64 JsonReader::integer(const QString& key, qint64 minimum)
{
    const QJsonValue value = m_object.value(key);
    const double number = value.toDouble(-1);
    if (!value.isDouble() || std::floor(number) != number || number < double(minimum) ||
        number > 9.0e15) {
        fail(key);
        return minimum;
    }
    return qint64(number);
}

bool JsonReader::boolean(const QString& key)
{
    const QJsonValue value = m_object.value(key);
    if (!value.isBool())
        fail(key);
    return value.toBool();
}

QByteArray JsonReader::hex(const QString& key, int size)
{
    const QString text = string(key);
    const QByteArray bytes = QByteArray::fromHex(text.toLatin1());
    // fromHex skips what is not a hex digit: compare back to refuse such text.
    if (text.size() != 2 * size || bytes.size() != size ||
        QString::fromLatin1(bytes.toHex()) != text.toLower())
        fail(key);
    return bytes;
}

QByteArray JsonReader::base64(const QString& key)
{
    const auto decoded = QByteArray::fromBase64Encoding(string(key).toLatin1(),
                                                        QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        fail(key);
    return decoded.decoded;
}

QDateTime JsonReader::isoTime(const QString& key)
{
    const QDateTime parsed = QDateTime::fromString(string(key), Qt::ISODate);
    if (!parsed.isValid())
        fail(key);
    return parsed;
}

QDateTime JsonReader::msTime(const QString& key)
{
    const qint64 ms = integer(key);
    return ms == 0 ? QDateTime() : QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc());
}

QJsonObject JsonReader::object(const QString& key)
{
    if (!m_object.value(key).isObject())
        fail(key);
    return m_object.value(key).toObject();
}

QJsonArray JsonReader::array(const QString& key)
{
    if (!m_object.value(key).isArray())
        fail(key);
    return m_object.value(key).toArray();
}

void JsonReader::fail(const QString& key)
{
    if (m_problem.isEmpty())
        m_problem = tr("field '%1' is missing or has the wrong type")
                        .arg(m_where.isEmpty() ? key : m_where + QLatin1Char('.') + key);
}

} // namespace swarmshare

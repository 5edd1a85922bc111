// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace swarmshare {

// Reads the fields of a JSON object that arrived from elsewhere (a tracker's answer, a
// replication delta) strictly: every getter checks the field's type and shape and remembers the
// first field that was wrong, so that decoding reads as a list of fields and one check at the
// end. The caller turns problem() into its own Error (with its own code).
class JsonReader {
    Q_DECLARE_TR_FUNCTIONS(JsonReader)

public:
    // `where` prefixes field names in the problem ("peers[3].port").
    explicit JsonReader(QJsonObject object, QString where = {});

    QString string(const QString& key);
    // A whole number from minimum to 2^53 (what a double holds exactly).
    qint64 integer(const QString& key, qint64 minimum = 0);
    bool boolean(const QString& key);
    // Hex digits of exactly `size` bytes.
    QByteArray hex(const QString& key, int size);
    // Standard base64 (an empty string is no bytes).
    QByteArray base64(const QString& key);
    // An ISO 8601 date and time.
    QDateTime isoTime(const QString& key);
    // Milliseconds since the epoch, UTC; 0 is "no time" (an invalid QDateTime).
    QDateTime msTime(const QString& key);
    QJsonObject object(const QString& key);
    QJsonArray array(const QString& key);

    void fail(const QString& key);
    bool failed() const { return !m_problem.isEmpty(); }
    // "field 'x' is missing or has the wrong type" for the first wrong field; "" when none.
    const QString& problem() const { return m_problem; }

private:
    QJsonObject m_object;
    QString m_where;
    QString m_problem;
};

} // namespace swarmshare

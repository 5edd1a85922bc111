// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace swarmshare::tracker {

// The one error shape of the tracker API (DESIGN.md section 3):
//   {"error": {"code": "<snake_case>", "message": "<human readable>"}}
// with an HTTP status that fits the code. Request handlers throw it; the frontend turns it into
// the reply. Wire text is English and never translated.
class ApiError {
public:
    ApiError(int status, QString code, QString message);

    static ApiError invalidArgument(QString message);
    static ApiError unauthenticated(QString message);
    static ApiError forbidden(QString message);
    static ApiError notFound(QString code, QString message); // e.g. "unknown_peer"
    static ApiError conflict(QString message);
    static ApiError tooLarge(QString message);
    static ApiError rateLimited(QString message, int retryAfterSeconds);
    static ApiError unavailable(QString message);

    int status() const { return m_status; }
    const QString& code() const { return m_code; }
    const QString& message() const { return m_message; }
    int retryAfterSeconds() const { return m_retryAfter; }
    // For 405: the method the endpoint takes (the Allow header).
    const QByteArray& allow() const { return m_allow; }
    void setAllow(QByteArray method) { m_allow = std::move(method); }

    QByteArray toJson() const;

private:
    int m_status;
    QString m_code;
    QString m_message;
    int m_retryAfter = 0;
    QByteArray m_allow;
};

} // namespace swarmshare::tracker

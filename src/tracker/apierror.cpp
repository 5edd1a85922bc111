// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/apierror.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace swarmshare::tracker {

ApiError::ApiError(int status, QString code, QString message)
    : m_status(status)
    , m_code(std::move(code))
    , m_message(std::move(message))
{}

ApiError ApiError::invalidArgument(QString message)
{
    return {400, QStringLiteral("invalid_argument"), std::move(message)};
}

ApiError ApiError::unauthenticated(QString message)
{
    return {401, QStringLiteral("unauthenticated"), std::move(message)};
}

ApiError ApiError::forbidden(QString message)
{
    return {403, QStringLiteral("forbidden"), std::move(message)};
}

ApiError ApiError::notFound(QString code, QString message)
{
    return {404, std::move(code), std::move(message)};
}

ApiError ApiError::conflict(QString message)
{
    return {409, QStringLiteral("conflict"), std::move(message)};
}

ApiError ApiError::tooLarge(QString message)
{
    return {413, QStringLiteral("too_large"), std::move(message)};
}

ApiError ApiError::rateLimited(QString message, int retryAfterSeconds)
{
    ApiError error(429, QStringLiteral("rate_limited"), std::move(message));
    error.m_retryAfter = qMax(1, retryAfterSeconds);
    return error;
}

ApiError ApiError::unavailable(QString message)
{
    return {503, QStringLiteral("unavailable"), std::move(message)};
}

QByteArray ApiError::toJson() const
{
    const QJsonObject inner{{QStringLiteral("code"), m_code},
                            {QStringLiteral("message"), m_message}};
    return QJsonDocument(QJsonObject{{QStringLiteral("error"), inner}})
        .toJson(QJsonDocument::Compact);
}

} // namespace swarmshare::tracker

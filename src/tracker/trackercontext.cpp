// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/trackercontext.h"

#include "common/netaddress.h"
#include "tracker/apimodule.h"

#include <QJsonDocument>

namespace swarmshare::tracker {

QHostAddress TrackerContext::clientAddress(const http::Request& request) const
{
    const QHostAddress peer = request.peerAddress;
    const QByteArray forwarded = request.header("x-forwarded-for");
    if (forwarded.isEmpty())
        return peer;
    const bool trusted =
        std::any_of(options.trustedProxies.cbegin(), options.trustedProxies.cend(),
                    [&peer](const auto& subnet) { return peer.isInSubnet(subnet); });
    if (!trusted)
        return peer;
    // The proxy appends the address it saw last; earlier entries are the client's own claims.
    const QHostAddress client(QString::fromLatin1(forwarded.split(',').constLast().trimmed()));
    return client.isNull() ? peer : plainAddress(client);
}

qint64 TrackerContext::requireAccount(const http::Request& request)
{
    const QByteArray header = request.header("authorization");
    if (!header.startsWith("Bearer ") && !header.startsWith("bearer "))
        throw ApiError::unauthenticated(
            QStringLiteral("log in first: Authorization: Bearer <token>"));
    Result<qint64> account = accounts.authenticate(header.mid(7).trimmed());
    if (!account)
        raise(account.error());
    return *account;
}

ApiError TrackerContext::apiError(const Error& error)
{
    const QString& code = error.code;
    if (code == u"unauthenticated")
        return ApiError::unauthenticated(error.message);
    if (code == u"unknown_peer" || code == u"not_found")
        return ApiError::notFound(code, error.message);
    if (code == u"conflict")
        return ApiError::conflict(error.message);
    if (code == u"invalid_argument")
        return ApiError::invalidArgument(error.message);
    if (code == u"forbidden")
        return ApiError::forbidden(error.message);
    if (code == u"rate_limited") // Accounts put the seconds to wait in `offset`
        return ApiError::rateLimited(error.message, int(error.offset));
    // The store could not answer: the request may be retried.
    return ApiError::unavailable(error.message);
}

void TrackerContext::raise(const Error& error)
{
    throw apiError(error);
}

http::Response jsonResponse(int status, const QJsonObject& object)
{
    return http::Response::json(status, QJsonDocument(object).toJson(QJsonDocument::Compact));
}

http::Response jsonResponse(int status, const QJsonArray& array)
{
    return http::Response::json(status, QJsonDocument(array).toJson(QJsonDocument::Compact));
}

http::Response errorResponse(const ApiError& error)
{
    http::Response response = http::Response::json(error.status(), error.toJson());
    if (error.retryAfterSeconds() > 0)
        response.headers.append({"Retry-After", QByteArray::number(error.retryAfterSeconds())});
    if (!error.allow().isEmpty())
        response.headers.append({"Allow", error.allow()});
    return response;
}

QString hex(const QByteArray& bytes)
{
    return QString::fromLatin1(bytes.toHex());
}

void ApiModule::requireMethod(const http::Request& request, const char* method)
{
    if (request.method != method) {
        ApiError error(405, QStringLiteral("method_not_allowed"),
                       QStringLiteral("use %1 for this endpoint").arg(QLatin1String(method)));
        error.setAllow(method);
        throw error;
    }
}

} // namespace swarmshare::tracker

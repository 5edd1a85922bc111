// SPDX-License-Identifier: GPL-3.0-or-later
// POST /auth/register, /auth/login, /auth/logout.
#include "tracker/apimodule.h"
#include "tracker/jsonbody.h"
#include "tracker/livefeed.h"
#include "tracker/passkeys.h"

namespace swarmshare::tracker {

bool AuthApi::handle(const http::Request& request, const http::Responder& responder)
{
    if (request.path == "/auth/register") {
        requireMethod(request, "POST");
        const JsonBody body = JsonBody::parse(request.body);
        const QString username = body.string(QStringLiteral("username"), 64);
        const QString password = body.string(QStringLiteral("password"), 1024);
        m_context.accounts.registerAccount(username, password, [responder](Result<Account> made) {
            if (!made)
                return responder.send(errorResponse(TrackerContext::apiError(made.error())));
            responder.send(
                jsonResponse(201, QJsonObject{{QStringLiteral("username"), made->username}}));
        });
        return true;
    }
    if (request.path == "/auth/login") {
        requireMethod(request, "POST");
        const JsonBody body = JsonBody::parse(request.body);
        const QString username = body.string(QStringLiteral("username"), 64);
        const QString password = body.string(QStringLiteral("password"), 1024);
        const QByteArray clientKey =
            "addr:" + m_context.clientAddress(request).toString().toLatin1();
        m_context.accounts.login(
            username, password, clientKey, [responder](Result<Accounts::Session> session) {
                if (!session)
                    return responder.send(errorResponse(TrackerContext::apiError(session.error())));
                responder.send(jsonResponse(
                    200,
                    QJsonObject{
                        {QStringLiteral("token"), QString::fromLatin1(session->token)},
                        {QStringLiteral("expires_at"), session->expiresAt.toString(Qt::ISODate)},
                        {QStringLiteral("username"), session->account.username},
                    }));
            });
        return true;
    }
    if (request.path == "/auth/passkey") {
        requireMethod(request, "GET");
        const qint64 account = m_context.requireAccount(request);
        if (!m_context.passkeys)
            throw ApiError::notFound(QStringLiteral("not_found"),
                                     QStringLiteral("this tracker needs no passkey: announce to "
                                                    "/announce"));
        const QByteArray passkey = m_context.passkeys->passkeyFor(account);
        const QByteArray host = request.header("host");
        responder.send(jsonResponse(
            200, QJsonObject{{QStringLiteral("passkey"), QString::fromLatin1(passkey)},
                             {QStringLiteral("announce_url"),
                              QString::fromLatin1("http://" + host + "/announce/" + passkey)}}));
        return true;
    }
    if (request.path == "/auth/logout") {
        requireMethod(request, "POST");
        m_context.requireAccount(request);
        const QByteArray token = request.header("authorization").mid(7).trimmed();
        if (Result<void> done = m_context.accounts.logout(token); !done)
            TrackerContext::raise(done.error());
        m_context.feed.revoke(token);
        responder.send(http::Response::json(204, {}));
        return true;
    }
    return false;
}

} // namespace swarmshare::tracker

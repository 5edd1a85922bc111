// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"
#include "tracker/ratelimiter.h"
#include "tracker/store/store.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QThreadPool>

#include <functional>

namespace swarmshare::tracker {

// Accounts and login tokens (DESIGN.md section 3).
// - Passwords: PBKDF2-HMAC-SHA256 (QPasswordDigestor) with a per-user random salt and a high
//   iteration count, computed on a worker pool so the tracker's thread never waits ~0.1 s per
//   login; compared in constant time. An unknown username costs the same as a wrong password.
// - Tokens: 256 random bits, handed out once (base64url), stored as their SHA-256 only, with an
//   expiry. Lookups are served from memory after the first.
// - Failed logins are throttled per username and per client address (LoginThrottle).
// Callbacks run on the thread that owns this object.
class Accounts : public QObject {
    Q_OBJECT

public:
    struct Options {
        int iterations = 100'000;
        qint64 tokenLifetimeMs = 30LL * 24 * 3600 * 1000;
    };

    struct Session {
        QByteArray token; // what the client sends as "Authorization: Bearer <token>"
        QDateTime expiresAt;
        Account account;
    };

    Accounts(Store& store, Options options, QObject* parent = nullptr);
    ~Accounts() override;

    // Errors carry codes: "invalid_argument" (bad name or password), "conflict" (name taken),
    // "unavailable" (database).
    void registerAccount(const QString& username, const QString& password,
                         std::function<void(Result<Account>)> done);
    // Errors: "unauthenticated" (wrong name or password), "rate_limited" (Error::offset holds
    // the seconds to wait), "unavailable".
    void login(const QString& username, const QString& password, const QByteArray& clientKey,
               std::function<void(Result<Session>)> done);
    Result<void> logout(const QByteArray& token);
    // The account a bearer token belongs to; "unauthenticated" when unknown or expired.
    Result<qint64> authenticate(const QByteArray& token);

    // Periodic housekeeping: expired tokens, old throttle entries.
    // Drops the cache of valid tokens (after a failover: the store is the truth).
    void forgetCachedTokens() { m_tokens.clear(); }
    void purge();

    static QString checkUsername(const QString& username);
    static QString checkPassword(const QString& password);

private:
    struct CachedToken {
        qint64 accountId;
        QDateTime expiresAt;
    };

    void derive(const QString& password, const QByteArray& salt, int iterations,
                std::function<void(QByteArray)> done);
    void finishLogin(const std::optional<Account>& account, const QByteArray& derived,
                     const QString& username, const QByteArray& clientKey,
                     const std::function<void(Result<Session>)>& done);
    static QByteArray tokenHash(const QByteArray& token);

    Store& m_store;
    Options m_options;
    QThreadPool m_pool;
    LoginThrottle m_throttle;
    QHash<QByteArray, CachedToken> m_tokens;
};

} // namespace swarmshare::tracker

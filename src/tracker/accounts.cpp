// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/accounts.h"

#include "common/constanttime.h"

#include <QCryptographicHash>
#include <QFutureWatcher>
#include <QPasswordDigestor>
#include <QPointer>
#include <QRandomGenerator>
#include <QtConcurrent>

namespace swarmshare::tracker {

namespace {

constexpr int kKeyLength = 32;
constexpr qsizetype kMaxCachedTokens = 100'000;

QByteArray randomBytes(int count)
{
    QByteArray bytes(count, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(bytes.data()), count / 4);
    return bytes;
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// Names are throttled the way the store compares them (NFC, case-folded), so that "ß"/"SS"
// or composed/decomposed spellings share one budget of failures.
QByteArray userKey(const QString& username)
{
    return "user:" + username.normalized(QString::NormalizationForm_C).toCaseFolded().toUtf8();
}

} // namespace

Accounts::Accounts(Store& store, Options options, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_options(options)
{
    m_pool.setMaxThreadCount(qMax(1, QThread::idealThreadCount()));
}

Accounts::~Accounts()
{
    m_pool.waitForDone();
}

QString Accounts::checkUsername(const QString& username)
{
    if (username.size() < 3 || username.size() > 32)
        return QStringLiteral("a username has 3 to 32 characters");
    for (QChar c : username) {
        if (!c.isLetterOrNumber() && c != u'_' && c != u'-' && c != u'.')
            return QStringLiteral("a username holds letters, digits, '_', '-' and '.' only");
    }
    return {};
}

QString Accounts::checkPassword(const QString& password)
{
    if (password.size() < 8)
        return QStringLiteral("a password has at least 8 characters");
    if (password.toUtf8().size() > 1024)
        return QStringLiteral("a password has at most 1024 bytes");
    return {};
}

QByteArray Accounts::tokenHash(const QByteArray& token)
{
    return QCryptographicHash::hash(token, QCryptographicHash::Sha256);
}

void Accounts::derive(const QString& password, const QByteArray& salt, int iterations,
                      std::function<void(QByteArray)> done)
{
    auto* watcher = new QFutureWatcher<QByteArray>(this);
    connect(watcher, &QFutureWatcher<QByteArray>::finished, this, [watcher, done] {
        done(watcher->result());
        watcher->deleteLater();
    });
    watcher->setFuture(QtConcurrent::run(&m_pool, [password, salt, iterations] {
        return QPasswordDigestor::deriveKeyPbkdf2(QCryptographicHash::Sha256, password.toUtf8(),
                                                  salt, iterations, kKeyLength);
    }));
}

void Accounts::registerAccount(const QString& username, const QString& password,
                               std::function<void(Result<Account>)> done)
{
    if (QString problem = checkUsername(username); !problem.isEmpty())
        return done(makeCodedError(QStringLiteral("invalid_argument"), problem));
    if (QString problem = checkPassword(password); !problem.isEmpty())
        return done(makeCodedError(QStringLiteral("invalid_argument"), problem));
    // Fail fast on a taken name; the unique index still decides if two race.
    Result<std::optional<Account>> existing = m_store.findAccount(username);
    if (!existing)
        return done(existing.error());
    if (existing->has_value())
        return done(
            makeCodedError(QStringLiteral("conflict"), QStringLiteral("the username is taken")));
    const QByteArray salt = randomBytes(16);
    const int iterations = m_options.iterations;
    derive(password, salt, iterations, [this, username, salt, iterations, done](QByteArray key) {
        done(m_store.createAccount(username, key, salt, iterations,
                                   QDateTime::currentDateTimeUtc()));
    });
}

void Accounts::login(const QString& username, const QString& password, const QByteArray& clientKey,
                     std::function<void(Result<Session>)> done)
{
    const QByteArray userKey = "user:" + username.toLower().toUtf8();
    const qint64 wait =
        qMax(m_throttle.waitFor(userKey, nowMs()), m_throttle.waitFor(clientKey, nowMs()));
    if (wait > 0) {
        Error error = makeCodedError(QStringLiteral("rate_limited"),
                                     QStringLiteral("too many failed logins; try again later"));
        error.offset = (wait + 999) / 1000;
        return done(error);
    }
    Result<std::optional<Account>> found = m_store.findAccount(username);
    if (!found)
        return done(found.error());
    const std::optional<Account> account = *found;
    // Unknown names run the same derivation, so timing does not reveal which names exist.
    const QByteArray salt = account ? account->salt : QByteArray(16, '\0');
    const int iterations = account ? account->iterations : m_options.iterations;
    derive(password, salt, iterations, [=, this](QByteArray derived) {
        finishLogin(account, derived, username, clientKey, done);
    });
}

void Accounts::finishLogin(const std::optional<Account>& account, const QByteArray& derived,
                           const QString& username, const QByteArray& clientKey,
                           const std::function<void(Result<Session>)>& done)
{
    if (!account || !constantTimeEquals(derived, account->passwordHash)) {
        m_throttle.failed(userKey(username), nowMs());
        m_throttle.failed(clientKey, nowMs());
        return done(makeCodedError(QStringLiteral("unauthenticated"),
                                   QStringLiteral("wrong username or password")));
    }
    m_throttle.succeeded(userKey(username));
    m_throttle.succeeded(clientKey);
    const QByteArray token =
        randomBytes(32).toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    TokenRecord record{tokenHash(token), account->id, now, now.addMSecs(m_options.tokenLifetimeMs)};
    if (Result<void> stored = m_store.insertToken(record); !stored)
        return done(stored.error());
    if (m_tokens.size() >= kMaxCachedTokens)
        m_tokens.clear();
    m_tokens.insert(record.tokenHash, {record.accountId, record.expiresAt});
    done(Session{token, record.expiresAt, *account});
}

Result<void> Accounts::logout(const QByteArray& token)
{
    const QByteArray hash = tokenHash(token);
    m_tokens.remove(hash);
    return m_store.deleteToken(hash);
}

Result<qint64> Accounts::authenticate(const QByteArray& token)
{
    const Error unauthenticated = makeCodedError(
        QStringLiteral("unauthenticated"), QStringLiteral("a valid login token is needed: log in"));
    if (token.isEmpty() || token.size() > 256)
        return unauthenticated;
    const QByteArray hash = tokenHash(token);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto cached = m_tokens.constFind(hash);
    if (cached == m_tokens.cend()) {
        Result<std::optional<TokenRecord>> found = m_store.findToken(hash);
        if (!found)
            return found.error();
        if (!found->has_value())
            return unauthenticated;
        if (m_tokens.size() >= kMaxCachedTokens)
            m_tokens.clear();
        cached = m_tokens.insert(hash, {found->value().accountId, found->value().expiresAt});
    }
    if (cached->expiresAt <= now) {
        m_tokens.remove(hash);
        return unauthenticated;
    }
    return cached->accountId;
}

void Accounts::purge()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_tokens.removeIf([&](const auto& item) { return item.value().expiresAt <= now; });
    (void)m_store.deleteExpiredTokens(now);
    m_throttle.forgetOld(nowMs());
}

} // namespace swarmshare::tracker

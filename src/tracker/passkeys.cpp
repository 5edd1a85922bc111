// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/passkeys.h"

#include "common/constanttime.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMessageAuthenticationCode>
#include <QRandomGenerator>
#include <QSaveFile>

namespace swarmshare::tracker {

namespace {

constexpr int kSecretSize = 32;
constexpr int kMacSize = 16;

} // namespace

Result<Passkeys> Passkeys::load(const QString& secretPath)
{
    QFile existing(secretPath);
    if (existing.exists()) {
        if (!existing.open(QIODevice::ReadOnly))
            return makeError(QStringLiteral("cannot read the passkey secret %1: %2")
                                 .arg(secretPath, existing.errorString()));
        const QByteArray secret = existing.read(kSecretSize + 1);
        if (secret.size() != kSecretSize)
            return makeError(QStringLiteral("the passkey secret %1 is damaged (expected %2 bytes); "
                                            "delete it to make a new one (old passkeys stop "
                                            "working)")
                                 .arg(secretPath)
                                 .arg(kSecretSize));
        return Passkeys(secret);
    }
    QByteArray secret(kSecretSize, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(secret.data()),
                                          kSecretSize / 4);
    QDir().mkpath(QFileInfo(secretPath).absolutePath());
    QSaveFile file(secretPath);
    if (!file.open(QIODevice::WriteOnly) ||
        !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
        file.write(secret) != kSecretSize || !file.commit())
        return makeError(QStringLiteral("cannot write the passkey secret %1: %2")
                             .arg(secretPath, file.errorString()));
    return Passkeys(secret);
}

QByteArray Passkeys::mac(qint64 accountId) const
{
    return QMessageAuthenticationCode::hash(QByteArray::number(accountId), m_secret,
                                            QCryptographicHash::Sha256)
        .left(kMacSize);
}

QByteArray Passkeys::passkeyFor(qint64 accountId) const
{
    return QByteArray::number(accountId) + '-' + mac(accountId).toHex();
}

std::optional<qint64> Passkeys::accountOf(QByteArrayView passkey) const
{
    const qsizetype dash = passkey.indexOf('-');
    if (dash <= 0 || passkey.size() - dash - 1 != kMacSize * 2 || passkey.size() > 64)
        return std::nullopt;
    bool ok = false;
    const qint64 account = passkey.first(dash).toLongLong(&ok);
    if (!ok || account <= 0)
        return std::nullopt;
    const QByteArray given = QByteArray::fromHex(passkey.sliced(dash + 1).toByteArray());
    if (!constantTimeEquals(given, mac(account)))
        return std::nullopt;
    return account;
}

} // namespace swarmshare::tracker

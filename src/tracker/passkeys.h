// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace swarmshare::tracker {

// Per-user passkeys for BitTorrent announce URLs (/announce/PASSKEY), derived rather than
// stored: "<account id>-<first 16 bytes of HMAC-SHA256(secret, account id), hex>". Checking one
// needs no database look-up, and a new secret revokes them all. The secret is 32 random bytes
// in a file only the tracker's user can read, made on first start.
class Passkeys {
public:
    static Result<Passkeys> load(const QString& secretPath);

    QByteArray passkeyFor(qint64 accountId) const;
    // The account a passkey belongs to, or nothing when it is not one of ours.
    std::optional<qint64> accountOf(QByteArrayView passkey) const;

private:
    explicit Passkeys(QByteArray secret)
        : m_secret(std::move(secret))
    {}
    QByteArray mac(qint64 accountId) const;

    QByteArray m_secret;
};

} // namespace swarmshare::tracker

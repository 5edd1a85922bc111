// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCoreApplication>
#include <QString>

#include <optional>

namespace swarmshare {

// Byte counts as people type and read them, the same in every command and window.
class Units {
    Q_DECLARE_TR_FUNCTIONS(Units)

public:
    static constexpr qint64 kMaxBytes = qint64(1) << 50;

    // "262144", "256K", "256KiB", "4M", "4MiB", "1G", "1GiB" (powers of 1024; case and a space
    // before the unit do not matter) -> bytes; nullopt for anything else or above kMaxBytes.
    static std::optional<qint64> parseBytes(const QString& text);
    // "3.0 MB": the user's locale, one decimal.
    static QString formatBytes(qint64 bytes);
    // "3.0 MB/s".
    static QString formatRate(qint64 bytesPerSecond);
};

} // namespace swarmshare

// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/units.h"

#include <QLocale>
#include <QRegularExpression>

namespace swarmshare {

std::optional<qint64> Units::parseBytes(const QString& text)
{
    static const QRegularExpression pattern(QStringLiteral("^(\\d{1,16})\\s*(?:([kmg])(?:ib)?)?$"),
                                            QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch match = pattern.match(text.trimmed());
    if (!match.hasMatch())
        return std::nullopt;
    const qint64 value = match.captured(1).toLongLong();
    const QString unit = match.captured(2).toLower();
    const int shift = unit == u"k" ? 10 : unit == u"m" ? 20 : unit == u"g" ? 30 : 0;
    if (value > (kMaxBytes >> shift))
        return std::nullopt;
    return value << shift;
}

QString Units::formatBytes(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString Units::formatRate(qint64 bytesPerSecond)
{
    return tr("%1/s").arg(formatBytes(bytesPerSecond));
}

} // namespace swarmshare

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLocale>
#include <QString>
#include <QStringList>

namespace swarmshare::i18n {

// Languages with a Swarmshare catalog.
QStringList available();

// Installs Swarmshare's catalog and Qt's own for `language` ("system", "en", "vi") on the
// running Q(Core)Application, replacing what an earlier call installed. "system" follows the
// user's locale and falls back to English. Returns the language actually used ("en" or "vi").
QString install(const QString& language);

} // namespace swarmshare::i18n

// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/i18n.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

#include <memory>

namespace swarmshare::i18n {

namespace {

std::unique_ptr<QTranslator>& ownTranslator()
{
    static std::unique_ptr<QTranslator> translator;
    return translator;
}

std::unique_ptr<QTranslator>& qtTranslator()
{
    static std::unique_ptr<QTranslator> translator;
    return translator;
}

void replace(std::unique_ptr<QTranslator>& slot, std::unique_ptr<QTranslator> next)
{
    if (slot)
        QCoreApplication::removeTranslator(slot.get());
    slot = std::move(next);
    if (slot)
        QCoreApplication::installTranslator(slot.get());
}

QString pick(const QString& language)
{
    if (available().contains(language))
        return language;
    // "system" (or anything unknown): the first of the user's UI languages we have a catalog for.
    for (const QString& name : QLocale().uiLanguages()) {
        const QString code = name.section(u'-', 0, 0).section(u'_', 0, 0).toLower();
        if (available().contains(code))
            return code;
    }
    return QStringLiteral("en");
}

} // namespace

QStringList available()
{
    return {QStringLiteral("en"), QStringLiteral("vi")};
}

QString install(const QString& language)
{
    const QString chosen = pick(language);
    auto own = std::make_unique<QTranslator>();
    if (!own->load(QStringLiteral(":/i18n/swarmshare_") + chosen))
        own.reset();
    replace(ownTranslator(), std::move(own));

    // Qt's own strings (standard buttons, ...). Debian ships no Vietnamese catalog for Qt, so
    // for vi this finds nothing and Qt's dialogs stay in English.
    auto qt = std::make_unique<QTranslator>();
    if (!qt->load(QLocale(chosen), QStringLiteral("qtbase"), QStringLiteral("_"),
                  QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        qt.reset();
    replace(qtTranslator(), std::move(qt));
    return chosen;
}

} // namespace swarmshare::i18n

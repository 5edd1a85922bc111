// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/i18n.h"

#include <QCoreApplication>
#include <QTest>

using namespace swarmshare;

class TestI18n : public QObject {
    Q_OBJECT

private slots:
    void vietnameseCatalogTranslatesCommandLineText()
    {
        QCOMPARE(i18n::install(QStringLiteral("vi")), QStringLiteral("vi"));
        const QString translated = QCoreApplication::translate("CommandLine", "Show the version.");
        QVERIFY2(translated != QStringLiteral("Show the version."), qPrintable(translated));
        QCOMPARE(i18n::install(QStringLiteral("en")), QStringLiteral("en"));
        QCOMPARE(QCoreApplication::translate("CommandLine", "Show the version."),
                 QStringLiteral("Show the version."));
    }

    void systemFallsBackToEnglishForUnknownLocales()
    {
        QLocale::setDefault(QLocale(QLocale::Swahili, QLocale::Kenya));
        QCOMPARE(i18n::install(QStringLiteral("system")), QStringLiteral("en"));
        QLocale::setDefault(QLocale(QLocale::Vietnamese, QLocale::Vietnam));
        QCOMPARE(i18n::install(QStringLiteral("system")), QStringLiteral("vi"));
        QLocale::setDefault(QLocale::c());
    }
};

QTEST_GUILESS_MAIN(TestI18n)
#include "tst_i18n.moc"

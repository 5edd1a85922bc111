// SPDX-License-Identifier: GPL-3.0-or-later
#include "common/i18n.h"
#include "common/units.h"

#include <QTest>

using swarmshare::Units;

class UnitsTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { swarmshare::i18n::install(QStringLiteral("en")); }

    void parsesWhatPeopleType_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("bytes");
        QTest::newRow("plain") << QStringLiteral("262144") << qint64(262144);
        QTest::newRow("K") << QStringLiteral("256K") << qint64(256 * 1024);
        QTest::newRow("KiB, space") << QStringLiteral("256 KiB") << qint64(256 * 1024);
        QTest::newRow("m") << QStringLiteral("4m") << qint64(4 * 1024 * 1024);
        QTest::newRow("MiB") << QStringLiteral("4MiB") << qint64(4 * 1024 * 1024);
        QTest::newRow("G") << QStringLiteral(" 1G ") << (qint64(1) << 30);
        QTest::newRow("zero") << QStringLiteral("0") << qint64(0);
        QTest::newRow("the limit") << QStringLiteral("1048576G") << Units::kMaxBytes;
    }

    void parsesWhatPeopleType()
    {
        QFETCH(QString, text);
        QFETCH(qint64, bytes);
        QCOMPARE(Units::parseBytes(text), std::optional<qint64>(bytes));
    }

    void refusesTheRest_data()
    {
        QTest::addColumn<QString>("text");
        for (const char* text :
             {"", "K", "-1", "1.5M", "4 MB", "4T", "12x", "1048577G", "99999999999999999"})
            QTest::newRow(text) << QString::fromLatin1(text);
    }

    void refusesTheRest()
    {
        QFETCH(QString, text);
        QCOMPARE(Units::parseBytes(text), std::nullopt);
    }

    void formatsTheSameEverywhere()
    {
        QCOMPARE(Units::formatBytes(3 * 1000 * 1000),
                 QLocale().formattedDataSize(3'000'000, 1, QLocale::DataSizeTraditionalFormat));
        QVERIFY(Units::formatRate(2048).endsWith(QStringLiteral("/s")));
        QVERIFY(Units::formatRate(2048).startsWith(Units::formatBytes(2048)));
    }
};

QTEST_GUILESS_MAIN(UnitsTest)
#include "tst_units.moc"

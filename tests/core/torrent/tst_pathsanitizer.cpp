// SPDX-License-Identifier: GPL-3.0-or-later
// File names from untrusted torrents: what is let through and what is refused, on each rule set.
#include "torrent/pathsanitizer.h"

#include <QTest>

using swarmshare::Result;
using swarmshare::torrent::PathSanitizer;
using Rules = PathSanitizer::Rules;

Q_DECLARE_METATYPE(PathSanitizer::Rules)

class TestPathSanitizer : public QObject {
    Q_OBJECT

private:
    static QString chars(std::initializer_list<char16_t> units)
    {
        QString text;
        for (const char16_t unit : units)
            text += QChar(unit);
        return text;
    }

private slots:
    void acceptsOrdinaryNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("plain") << QStringLiteral("file.txt");
        QTest::newRow("no extension") << QStringLiteral("README");
        QTest::newRow("spaces inside") << QStringLiteral("my holiday photos");
        QTest::newRow("hidden file") << QStringLiteral(".config");
        QTest::newRow("dots inside") << QStringLiteral("a..b");
        QTest::newRow("leading dash") << QStringLiteral("-rf");
        QTest::newRow("vietnamese") << QStringLiteral("Tài liệu ghi chú.txt");
        QTest::newRow("cjk") << QStringLiteral("日本語のファイル");
        QTest::newRow("emoji") << QStringLiteral("🎵 music");
        QTest::newRow("255 bytes") << QString(255, u'x');
        QTest::newRow("255 bytes of CJK") << QString(85, QChar(0x65e5));
        QTest::newRow("unicode slash lookalike") << QStringLiteral("a∕b");
    }

    void acceptsOrdinaryNames()
    {
        QFETCH(QString, name);
        for (const Rules rules : {Rules::Posix, Rules::Windows}) {
            QCOMPARE(PathSanitizer::problem(name, rules), QString());
            const Result<QString> joined =
                PathSanitizer::join({QStringLiteral("top"), name}, rules);
            QVERIFY(joined.ok());
            QCOMPARE(*joined, QStringLiteral("top/") + name);
        }
    }

    void rejectsHostileNamesEverywhere_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("reason");
        const auto row = [](const char* tag, const QString& name, const char* reason) {
            QTest::newRow(tag) << name << QString::fromUtf8(reason);
        };
        row("empty", QString(), "a name is empty");
        row("dot", QStringLiteral("."), "\".\" is not allowed");
        row("dot dot", QStringLiteral(".."), "\"..\" is not allowed");
        row("slash", QStringLiteral("a/b"), "contains '/'");
        row("parent through slash", QStringLiteral("../../etc/passwd"), "contains '/'");
        row("absolute", QStringLiteral("/etc"), "contains '/'");
        row("lone slash", QStringLiteral("/"), "contains '/'");
        row("backslash", QStringLiteral("a\\b"), "contains a backslash");
        row("windows parent", QStringLiteral("..\\..\\Windows"), "contains a backslash");
        row("unc", QStringLiteral("\\\\server\\share"), "contains a backslash");
        row("drive letter", QStringLiteral("C:"), "starts with a drive letter");
        row("drive relative", QStringLiteral("c:evil.exe"), "starts with a drive letter");
        row("drive letter lower", QStringLiteral("z:"), "starts with a drive letter");
        row("nul", chars({u'a', 0, u'b'}), "control character U+0000");
        row("only nul", chars({0}), "control character U+0000");
        row("newline", QStringLiteral("two\nlines"), "control character U+000a");
        row("tab", QStringLiteral("\t"), "control character U+0009");
        row("escape sequence", QStringLiteral("\x1b[31mred"), "control character U+001b");
        row("delete", QStringLiteral("a\x7f"), "control character U+007f");
        row("256 bytes", QString(256, u'x'), "longer than 255 bytes");
        row("258 bytes of CJK", QString(86, QChar(0x65e5)), "longer than 255 bytes");
    }

    void rejectsHostileNamesEverywhere()
    {
        QFETCH(QString, name);
        QFETCH(QString, reason);
        for (const Rules rules : {Rules::Posix, Rules::Windows}) {
            const QString problem = PathSanitizer::problem(name, rules);
            QVERIFY2(problem.contains(reason), qPrintable(problem));
            const Result<QString> joined =
                PathSanitizer::join({QStringLiteral("top"), name}, rules);
            QVERIFY(!joined.ok());
            QVERIFY2(joined.error().message.contains(reason), qPrintable(joined.error().message));
        }
    }

    void windowsRulesRefuseWhatWindowsWouldMangle_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("reason");
        const auto row = [](const char* tag, const QString& name, const char* reason) {
            QTest::newRow(tag) << name << QString::fromUtf8(reason);
        };
        row("CON", QStringLiteral("CON"), "reserved device name");
        row("con lowercase", QStringLiteral("con"), "reserved device name");
        row("nul with extension", QStringLiteral("nul.txt"), "reserved device name");
        row("aux with two extensions", QStringLiteral("Aux.tar.gz"), "reserved device name");
        row("prn", QStringLiteral("PRN"), "reserved device name");
        row("com1", QStringLiteral("COM1"), "reserved device name");
        row("com9", QStringLiteral("com9.log"), "reserved device name");
        row("com0", QStringLiteral("COM0"), "reserved device name");
        row("lpt1", QStringLiteral("LPT1"), "reserved device name");
        row("superscript com", QStringLiteral("COM¹"), "reserved device name");
        row("superscript lpt", QStringLiteral("lpt³.txt"), "reserved device name");
        row("space before extension", QStringLiteral("CON .txt"), "reserved device name");
        row("less than", QStringLiteral("a<b"), "contains '<'");
        row("greater than", QStringLiteral("a>b"), "contains '>'");
        row("colon", QStringLiteral("ab:stream"), "contains ':'");
        row("quote", QStringLiteral("say \"hi\""), "contains '\"'");
        row("pipe", QStringLiteral("a|b"), "contains '|'");
        row("question mark", QStringLiteral("why?"), "contains '?'");
        row("star", QStringLiteral("*"), "contains '*'");
        row("trailing dot", QStringLiteral("name."), "ends with a dot or space");
        row("trailing space", QStringLiteral("name "), "ends with a dot or space");
        row("only dots and spaces", QStringLiteral(". ."), "ends with a dot or space");
        row("three dots", QStringLiteral("..."), "ends with a dot or space");
        row("digit and colon", QStringLiteral("1:2"), "contains ':'");
    }

    void windowsRulesRefuseWhatWindowsWouldMangle()
    {
        QFETCH(QString, name);
        QFETCH(QString, reason);
        const QString problem = PathSanitizer::problem(name, Rules::Windows);
        QVERIFY2(problem.contains(reason), qPrintable(problem));
        // The same name is fine where only POSIX rules apply (Linux, macOS).
        QCOMPARE(PathSanitizer::problem(name, Rules::Posix), QString());
    }

    void windowsRulesAllowNamesThatOnlyLookReserved_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("longer word") << QStringLiteral("CONSOLE");
        QTest::newRow("com10") << QStringLiteral("COM10");
        QTest::newRow("bare com") << QStringLiteral("COM");
        QTest::newRow("lpt letter") << QStringLiteral("LPTX");
        QTest::newRow("auxiliary") << QStringLiteral("auxiliary.txt");
        QTest::newRow("suffix") << QStringLiteral("my_con");
        QTest::newRow("extension only") << QStringLiteral(".nul");
    }

    void windowsRulesAllowNamesThatOnlyLookReserved()
    {
        QFETCH(QString, name);
        QCOMPARE(PathSanitizer::problem(name, Rules::Windows), QString());
    }

    void nativeRulesMatchThePlatform()
    {
#ifdef Q_OS_WIN
        QCOMPARE(PathSanitizer::kNativeRules, Rules::Windows);
#else
        QCOMPARE(PathSanitizer::kNativeRules, Rules::Posix);
        QCOMPARE(PathSanitizer::problem(QStringLiteral("aux.c")), QString());
#endif
    }

    void joinBuildsARelativePath()
    {
        const Result<QString> joined = PathSanitizer::join(
            {QStringLiteral("Album"), QStringLiteral("CD 1"), QStringLiteral("01 Song.flac")});
        QVERIFY(joined.ok());
        QCOMPARE(*joined, QStringLiteral("Album/CD 1/01 Song.flac"));
        const Result<QString> single = PathSanitizer::join({QStringLiteral("file.iso")});
        QVERIFY(single.ok());
        QCOMPARE(*single, QStringLiteral("file.iso"));
    }

    void joinRefusesAnEmptyPath()
    {
        const Result<QString> joined = PathSanitizer::join({});
        QVERIFY(!joined.ok());
        QVERIFY2(joined.error().message.contains(QStringLiteral("empty")),
                 qPrintable(joined.error().message));
    }

    void joinErrorNamesTheWholePathWithControlsEscaped()
    {
        const Result<QString> joined = PathSanitizer::join(
            {QStringLiteral("top"), QStringLiteral("dir"), chars({u'b', u'a', u'd', 0x1b})});
        QVERIFY(!joined.ok());
        QCOMPARE(joined.error().message,
                 QStringLiteral("unsafe file path \"top/dir/bad\\u001b\": \"bad\\u001b\" contains "
                                "the control character U+001b"));
    }

    void joinRejectsTraversalAnywhereInThePath_data()
    {
        QTest::addColumn<QStringList>("components");
        QTest::newRow("first") << QStringList{QStringLiteral(".."), QStringLiteral("x")};
        QTest::newRow("middle") << QStringList{QStringLiteral("a"), QStringLiteral(".."),
                                               QStringLiteral(".."), QStringLiteral("x")};
        QTest::newRow("last") << QStringList{QStringLiteral("a"), QStringLiteral("..")};
        QTest::newRow("absolute as empty first")
            << QStringList{QString(), QStringLiteral("etc"), QStringLiteral("passwd")};
        QTest::newRow("empty middle")
            << QStringList{QStringLiteral("a"), QString(), QStringLiteral("b")};
        QTest::newRow("dot middle")
            << QStringList{QStringLiteral("a"), QStringLiteral("."), QStringLiteral("b")};
    }

    void joinRejectsTraversalAnywhereInThePath()
    {
        QFETCH(QStringList, components);
        const Result<QString> joined = PathSanitizer::join(components);
        QVERIFY(!joined.ok());
        QVERIFY2(joined.error().message.startsWith(
                     QStringLiteral("unsafe file path \"%1\"").arg(components.join(u'/'))),
                 qPrintable(joined.error().message));
    }
};

QTEST_GUILESS_MAIN(TestPathSanitizer)
#include "tst_pathsanitizer.moc"

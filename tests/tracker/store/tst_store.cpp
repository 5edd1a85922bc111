// SPDX-License-Identifier: GPL-3.0-or-later
// The Store conformance suite: every rule of tracker/store/store.h, run against SQLite
// (tst_store_sqlite) and a real PostgreSQL server (tst_store_postgresql) from this one source.
#include "storebackend.h"
#include "storefixtures.h"
#include "support/files.h"
#include "tracker/store/sqlstore.h"
#include "tracker/store/store.h"

#include <QLoggingCategory>
#include <QRegularExpression>
#include <QTest>

using namespace swarmshare;
using namespace swarmshare::test;
using namespace swarmshare::tracker;

class TestStore : public QObject {
    Q_OBJECT

private:
    StoreBackend m_backend;
    std::unique_ptr<Store> m_store;

    // A new store on `url` (default: the test's database), opened.
    Result<std::unique_ptr<Store>> openStore(const QString& url = {})
    {
        Result<std::unique_ptr<Store>> store =
            createStore(url.isEmpty() ? m_backend.currentUrl() : url, {});
        if (!store)
            return store;
        if (Result<void> opened = (*store)->open(); !opened)
            return opened.error();
        return store;
    }

    qint64 addAccount(const QString& username)
    {
        const Result<Account> account = m_store->createAccount(username, QByteArray(32, 'h'),
                                                               QByteArray(16, 's'), 100000, at(0));
        return account ? account->id : 0;
    }

    static int latestVersion() { return schemaMigrations().constLast().version; }

    // Every byte value once: binary columns must not be treated as text.
    static QByteArray everyByte()
    {
        QByteArray bytes(256, Qt::Uninitialized);
        for (int i = 0; i < 256; ++i)
            bytes[i] = char(i);
        return bytes;
    }

private slots:
    void initTestCase()
    {
        QLoggingCategory::setFilterRules(QStringLiteral("swarmshare.tracker.store.info=false"));
        const QString error = m_backend.startUp();
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void cleanupTestCase() { m_backend.shutDown(); }

    void init()
    {
        // A store reports failures through Result, never through the log; Qt's SQL module
        // warns when a connection is misused (two stores sharing one, removal while in use).
        QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
        QVERIFY(!m_backend.createDatabase().isEmpty());
        Result<std::unique_ptr<Store>> store = openStore();
        VERIFY_OK(store);
        m_store = std::move(store).value();
    }

    void cleanup()
    {
        m_store.reset();
        m_backend.dropAll();
    }

    void opensAnEmptyDatabaseAtTheLatestSchema()
    {
        QCOMPARE(m_store->kind(), StoreBackend::isPostgresql ? QStringLiteral("postgresql")
                                                             : QStringLiteral("sqlite"));
        QCOMPARE(m_store->schemaVersion(), latestVersion());
        QCOMPARE(m_store->accountCount().value(), qint64(0));
        QCOMPARE(m_store->fileCount().value(), qint64(0));
    }

    void createsAndFindsAccounts()
    {
        const QByteArray hash = QByteArray::fromHex("00ff10" + QByteArray(58, 'a'));
        const QByteArray salt = QByteArray::fromHex("ff0000");
        const Result<Account> created =
            m_store->createAccount(QStringLiteral("Alice"), hash, salt, 310000, at(5));
        VERIFY_OK(created);
        QVERIFY(created->id > 0);
        QCOMPARE(created->username, QStringLiteral("Alice"));
        QCOMPARE(created->passwordHash, hash);
        QCOMPARE(created->salt, salt);
        QCOMPARE(created->iterations, 310000);
        QCOMPARE(created->createdAt, at(5));

        const auto found = m_store->findAccount(QStringLiteral("Alice"));
        VERIFY_OK(found);
        QVERIFY(found->has_value());
        QCOMPARE(found->value(), created.value());
        QCOMPARE(m_store->findAccountById(created->id).value(), found.value());
        QVERIFY(!m_store->findAccount(QStringLiteral("bob")).value().has_value());
        QVERIFY(!m_store->findAccountById(created->id + 1).value().has_value());
    }

    void ignoresCaseInUsernames()
    {
        const qint64 alice = addAccount(QStringLiteral("Alice"));
        const qint64 duc = addAccount(QStringLiteral("Nguyễn Văn Đức"));
        QVERIFY(alice > 0 && duc > 0);
        for (const QString& name : {QStringLiteral("alice"), QStringLiteral("ALICE")}) {
            const auto found = m_store->findAccount(name);
            VERIFY_OK(found);
            QVERIFY2(found->has_value(), qPrintable(name));
            QCOMPARE(found->value().id, alice);
            QCOMPARE(found->value().username, QStringLiteral("Alice")); // the display form
        }
        // Upper case, and the decomposed (NFD) spelling other systems type, meet the same account.
        const QString nfd =
            QStringLiteral("NGUYỄN VĂN ĐỨC").normalized(QString::NormalizationForm_D);
        QCOMPARE(m_store->findAccount(nfd).value()->id, duc);
    }

    void refusesATakenUsername()
    {
        QVERIFY(addAccount(QStringLiteral("Alice")) > 0);
        for (const QString& name : {QStringLiteral("Alice"), QStringLiteral("aLiCe")})
            VERIFY_ERROR(m_store->createAccount(name, "h", "s", 1, at(0)), "conflict");
        QVERIFY(addAccount(QStringLiteral("đức")) > 0);
        VERIFY_ERROR(m_store->createAccount(QStringLiteral("ĐỨC"), "h", "s", 1, at(0)), "conflict");
        QCOMPARE(m_store->accountCount().value(), qint64(2));
    }

    void refusesBadAccountValues()
    {
        const QString nul = QStringLiteral("a") + QChar(u'\0') + QStringLiteral("b");
        VERIFY_ERROR(m_store->createAccount({}, "h", "s", 1, at(0)), "invalid_argument");
        VERIFY_ERROR(m_store->createAccount(nul, "h", "s", 1, at(0)), "invalid_argument");
        VERIFY_ERROR(m_store->createAccount(QStringLiteral("a"), {}, "s", 1, at(0)),
                     "invalid_argument");
        VERIFY_ERROR(m_store->createAccount(QStringLiteral("a"), "h", "s", 0, at(0)),
                     "invalid_argument");
        VERIFY_ERROR(m_store->createAccount(QStringLiteral("a"), "h", "s", 1, QDateTime()),
                     "invalid_argument");
        QCOMPARE(m_store->accountCount().value(), qint64(0));
    }

    void storesFindsAndDeletesTokens()
    {
        const qint64 alice = addAccount(QStringLiteral("alice"));
        const TokenRecord first = token("first", alice, at(3600));
        const TokenRecord second = token("second", alice, at(7200));
        VERIFY_OK(m_store->insertToken(first));
        VERIFY_OK(m_store->insertToken(second));
        QCOMPARE(m_store->findToken(first.tokenHash).value(), first);
        QVERIFY(!m_store->findToken(tokenHash("third")).value().has_value());

        VERIFY_OK(m_store->deleteToken(first.tokenHash));
        QVERIFY(!m_store->findToken(first.tokenHash).value().has_value());
        QCOMPARE(m_store->findToken(second.tokenHash).value(), second);
        VERIFY_OK(m_store->deleteToken(first.tokenHash)); // deleting twice is fine
    }

    void deletesExpiredTokensOnly()
    {
        const qint64 alice = addAccount(QStringLiteral("alice"));
        VERIFY_OK(m_store->insertToken(token("past", alice, at(-1))));
        VERIFY_OK(m_store->insertToken(token("now", alice, at(0))));
        VERIFY_OK(m_store->insertToken(token("future", alice, at(1))));
        const Result<int> deleted = m_store->deleteExpiredTokens(at(0));
        VERIFY_OK(deleted);
        QCOMPARE(deleted.value(), 2); // expiresAt <= now
        QVERIFY(m_store->findToken(tokenHash("future")).value().has_value());
        QVERIFY(!m_store->findToken(tokenHash("now")).value().has_value());
        QCOMPARE(m_store->deleteExpiredTokens(at(0)).value(), 0);
    }

    void refusesBadTokens()
    {
        const qint64 alice = addAccount(QStringLiteral("alice"));
        TokenRecord shortHash = token("a", alice, at(1));
        shortHash.tokenHash.chop(1);
        VERIFY_ERROR(m_store->insertToken(shortHash), "invalid_argument");
        VERIFY_ERROR(m_store->insertToken(token("a", alice + 1, at(1))), "invalid_argument");
        VERIFY_ERROR(m_store->insertToken(token("a", alice, QDateTime())), "invalid_argument");
        VERIFY_OK(m_store->insertToken(token("a", alice, at(1))));
        VERIFY_ERROR(m_store->insertToken(token("a", alice, at(2))), "conflict");
    }

    void upsertAddsANewFile()
    {
        const qint64 alice = addAccount(QStringLiteral("alice"));
        FileRecord record = file(1, QStringLiteral("ubuntu.iso"), at(10), alice);
        record.metainfo = "d4:infod6:lengthi1eee";
        const Result<bool> isNew = m_store->upsertFile(record);
        VERIFY_OK(isNew);
        QVERIFY(isNew.value());
        QCOMPARE(m_store->findFile(record.infoHash).value(), record);
        QVERIFY(!m_store->findFile(infoHash(2)).value().has_value());
        QCOMPARE(m_store->fileCount().value(), qint64(1));
    }

    void upsertUpdatesAFileButKeepsWhoAddedItAndWhen()
    {
        const qint64 alice = addAccount(QStringLiteral("alice"));
        const qint64 bob = addAccount(QStringLiteral("bob"));
        const FileRecord original = file(1, QStringLiteral("old name"), at(10), alice);
        QVERIFY(m_store->upsertFile(original).value());

        FileRecord changed = file(1, QStringLiteral("new name"), at(99), bob);
        changed.size = 5'000'000'000; // past 32 bits
        changed.pieceLength = 4 << 20;
        changed.pieceCount = 1193;
        const Result<bool> isNew = m_store->upsertFile(changed);
        VERIFY_OK(isNew);
        QVERIFY(!isNew.value());

        FileRecord expected = changed;
        expected.addedBy = alice;
        expected.addedAt = at(10);
        QCOMPARE(m_store->findFile(original.infoHash).value(), expected);
        QCOMPARE(m_store->fileCount().value(), qint64(1));
    }

    void upsertFillsInMissingMetainfoButNeverReplacesIt()
    {
        FileRecord record = file(1, QStringLiteral("a"));
        QVERIFY(m_store->upsertFile(record).value());
        QCOMPARE(m_store->findFile(record.infoHash).value()->metainfo, QByteArray());

        record.metainfo = "first .torrent";
        QVERIFY(!m_store->upsertFile(record).value());
        QCOMPARE(m_store->findFile(record.infoHash).value()->metainfo,
                 QByteArray("first .torrent"));

        record.metainfo = "second .torrent";
        QVERIFY(!m_store->upsertFile(record).value());
        record.metainfo.clear();
        QVERIFY(!m_store->upsertFile(record).value());
        QCOMPARE(m_store->findFile(record.infoHash).value()->metainfo,
                 QByteArray("first .torrent"));
    }

    void keepsAFileWithoutAName()
    {
        // /announce learns of files by their hash alone.
        QVERIFY(m_store->upsertFile(file(1, QString())).value());
        QCOMPARE(m_store->findFile(infoHash(1)).value()->name, QString());
        QCOMPARE(m_store->searchFiles({}, 10, 0).value().size(), 1);
        QVERIFY(!m_store->upsertFile(file(1, QStringLiteral("named later"))).value());
        QCOMPARE(m_store->findFile(infoHash(1)).value()->name, QStringLiteral("named later"));
    }

    void refusesBadFileValues()
    {
        FileRecord record = file(1, QStringLiteral("a"));
        record.infoHash.chop(1);
        VERIFY_ERROR(m_store->upsertFile(record), "invalid_argument");
        record.infoHash = infoHash(1) + '\0';
        VERIFY_ERROR(m_store->upsertFile(record), "invalid_argument");
        record = file(1, QStringLiteral("a"));
        record.size = -1;
        VERIFY_ERROR(m_store->upsertFile(record), "invalid_argument");
        record = file(1, QStringLiteral("a") + QChar(u'\0'));
        VERIFY_ERROR(m_store->upsertFile(record), "invalid_argument");
        record = file(1, QStringLiteral("a"), QDateTime());
        VERIFY_ERROR(m_store->upsertFile(record), "invalid_argument");
        record = file(1, QStringLiteral("a"), at(0), 12345); // no such account
        VERIFY_ERROR(m_store->upsertFile(record), "invalid_argument");
        QCOMPARE(m_store->fileCount().value(), qint64(0));
    }

    void keepsBinaryDataIntact()
    {
        // Bytes that break naive string handling: NUL, 0xff, quote, backslash, invalid UTF-8.
        FileRecord record = file(1, QStringLiteral("binary"));
        record.infoHash = QByteArray::fromHex("00ff27005c80c3ff00000000000000000000ff00");
        QByteArray every(256, Qt::Uninitialized);
        for (int i = 0; i < 256; ++i)
            every[i] = char(i);
        record.metainfo = every + randomBytes(3 * 1024 * 1024, 7) + every;
        QVERIFY(m_store->upsertFile(record).value());
        const auto found = m_store->findFile(record.infoHash);
        VERIFY_OK(found);
        QVERIFY(found->has_value());
        QCOMPARE(found->value().infoHash, record.infoHash);
        QVERIFY(found->value().metainfo == record.metainfo); // QCOMPARE would print 3 MiB

        const qint64 alice = addAccount(QStringLiteral("alice"));
        TokenRecord binary = token("x", alice, at(1));
        binary.tokenHash = QByteArray(32, '\0');
        binary.tokenHash[31] = char(0xff);
        VERIFY_OK(m_store->insertToken(binary));
        QCOMPARE(m_store->findToken(binary.tokenHash).value(), binary);
        QVERIFY(!m_store->findToken(QByteArray(32, '\0')).value().has_value());
    }

    void keepsUnicodeNames()
    {
        const QString name = QStringLiteral("Tiếng Việt — Những bài hát hay nhất 🎵.mp3");
        QVERIFY(m_store->upsertFile(file(1, name)).value());
        QCOMPARE(m_store->findFile(infoHash(1)).value()->name, name);
        QCOMPARE(namesOf(m_store->searchFiles(QStringLiteral("TIẾNG VIỆT"), 10, 0).value()),
                 QStringList{name});
        const QString nfd = QStringLiteral("những").normalized(QString::NormalizationForm_D);
        QCOMPARE(namesOf(m_store->searchFiles(nfd, 10, 0).value()), QStringList{name});
        QCOMPARE(namesOf(m_store->searchFiles(QStringLiteral("🎵"), 10, 0).value()),
                 QStringList{name});
    }

    void searchMatchesEveryWordIgnoringCase()
    {
        QVERIFY(m_store->upsertFile(file(1, QStringLiteral("Ubuntu 24.04 Desktop.iso"))).value());
        QVERIFY(m_store->upsertFile(file(2, QStringLiteral("ubuntu server.iso"))).value());
        QVERIFY(m_store->upsertFile(file(3, QStringLiteral("Debian DESKTOP.iso"))).value());
        const auto search = [this](const QString& query) {
            QStringList names = namesOf(m_store->searchFiles(query, 100, 0).value());
            names.sort();
            return names;
        };
        QCOMPARE(search(QStringLiteral("ubuntu")),
                 QStringList({QStringLiteral("Ubuntu 24.04 Desktop.iso"),
                              QStringLiteral("ubuntu server.iso")}));
        QCOMPARE(search(QStringLiteral("  DESKTOP\tubun ")),
                 QStringList{QStringLiteral("Ubuntu 24.04 Desktop.iso")});
        QCOMPARE(search(QStringLiteral("desk .iso")),
                 QStringList({QStringLiteral("Debian DESKTOP.iso"),
                              QStringLiteral("Ubuntu 24.04 Desktop.iso")}));
        QCOMPARE(search(QStringLiteral("ubuntu debian")), QStringList());
        QCOMPARE(search(QStringLiteral("fedora")), QStringList());
    }

    void searchTakesWildcardsLiterally()
    {
        const QStringList names = {QStringLiteral("100% pure"),   QStringLiteral("100 percent"),
                                   QStringLiteral("a_b"),         QStringLiteral("axb"),
                                   QStringLiteral("back\\slash"), QStringLiteral("backslash"),
                                   QStringLiteral("it's")};
        for (int i = 0; i < names.size(); ++i)
            QVERIFY(m_store->upsertFile(file(i, names.at(i))).value());
        const auto search = [this](const QString& query) {
            return namesOf(m_store->searchFiles(query, 100, 0).value());
        };
        QCOMPARE(search(QStringLiteral("%")), QStringList{QStringLiteral("100% pure")});
        QCOMPARE(search(QStringLiteral("0%")), QStringList{QStringLiteral("100% pure")});
        QCOMPARE(search(QStringLiteral("_")), QStringList{QStringLiteral("a_b")});
        QCOMPARE(search(QStringLiteral("a_b")), QStringList{QStringLiteral("a_b")});
        QCOMPARE(search(QStringLiteral("\\")), QStringList{QStringLiteral("back\\slash")});
        QCOMPARE(search(QStringLiteral("'")), QStringList{QStringLiteral("it's")});
    }

    void searchListsNewestFirstThenByName()
    {
        QVERIFY(m_store->upsertFile(file(1, QStringLiteral("b old"), at(1))).value());
        QVERIFY(m_store->upsertFile(file(2, QStringLiteral("C new"), at(2))).value());
        QVERIFY(m_store->upsertFile(file(3, QStringLiteral("a new"), at(2))).value());
        QVERIFY(m_store->upsertFile(file(4, QStringLiteral("B new"), at(2))).value());
        QVERIFY(m_store->upsertFile(file(5, QStringLiteral("z newest"), at(3))).value());
        QCOMPARE(namesOf(m_store->searchFiles({}, 100, 0).value()),
                 QStringList({QStringLiteral("z newest"), QStringLiteral("a new"),
                              QStringLiteral("B new"), QStringLiteral("C new"),
                              QStringLiteral("b old")}));
        QCOMPARE(namesOf(m_store->searchFiles(QStringLiteral("new"), 100, 0).value()),
                 QStringList({QStringLiteral("z newest"), QStringLiteral("a new"),
                              QStringLiteral("B new"), QStringLiteral("C new")}));
    }

    void searchPagesWithLimitAndOffset()
    {
        QStringList all;
        for (int i = 0; i < 5; ++i) {
            all.prepend(QStringLiteral("file %1").arg(i));
            QVERIFY(m_store->upsertFile(file(i, all.constFirst(), at(i))).value());
        }
        const auto page = [this](int limit, int offset) {
            return namesOf(m_store->searchFiles(QStringLiteral("file"), limit, offset).value());
        };
        QCOMPARE(page(2, 0), all.mid(0, 2));
        QCOMPARE(page(2, 2), all.mid(2, 2));
        QCOMPARE(page(2, 4), all.mid(4));
        QCOMPARE(page(2, 5), QStringList());
        QCOMPARE(page(2, 1'000'000), QStringList());
        QCOMPARE(page(0, 0), all.mid(0, 1)); // the limit is at least 1
        QCOMPARE(page(-7, 1), all.mid(1, 1));
        QCOMPARE(page(3, -4), all.mid(0, 3)); // a negative offset counts as 0
    }

    void searchReturnsAtMostAThousandFiles()
    {
        for (int i = 0; i < 1001; ++i)
            VERIFY_OK(m_store->upsertFile(file(i, QStringLiteral("f%1").arg(i))));
        QCOMPARE(m_store->searchFiles({}, 5000, 0).value().size(), 1000);
        QCOMPARE(m_store->searchFiles({}, std::numeric_limits<int>::max(), 1000).value().size(), 1);
    }

    void emptySearchListsEverything()
    {
        for (int i = 0; i < 3; ++i)
            QVERIFY(m_store->upsertFile(file(i, QStringLiteral("file %1").arg(i))).value());
        QCOMPARE(m_store->searchFiles({}, 10, 0).value().size(), 3);
        QCOMPARE(m_store->searchFiles(QStringLiteral(" \t "), 10, 0).value().size(), 3);
    }

    void searchAndListingLeaveMetainfoOut()
    {
        FileRecord record = file(1, QStringLiteral("with torrent"));
        record.metainfo = "d4:infodee";
        QVERIFY(m_store->upsertFile(record).value());
        QVERIFY(m_store->upsertFile(file(2, QStringLiteral("plain"), at(1))).value());
        record.metainfo.clear();
        const auto found = m_store->searchFiles(QStringLiteral("with"), 10, 0);
        VERIFY_OK(found);
        QCOMPARE(found.value(), QList<FileRecord>{record});
        const auto all = m_store->allFiles();
        VERIFY_OK(all);
        QCOMPARE(all.value(), QList<FileRecord>({record, file(2, QStringLiteral("plain"), at(1))}));
    }

    void refusesASearchOfTooManyWords()
    {
        QStringList words;
        for (int i = 0; i < 1000; ++i)
            words.append(QStringLiteral("w%1").arg(i));
        VERIFY_ERROR(m_store->searchFiles(words.join(QLatin1Char(' ')), 10, 0), "invalid_argument");
    }

    void countsAccountsAndFiles()
    {
        for (int i = 0; i < 3; ++i)
            QVERIFY(addAccount(QStringLiteral("user%1").arg(i)) > 0);
        for (int i = 0; i < 4; ++i)
            QVERIFY(m_store->upsertFile(file(i, QStringLiteral("f"))).value());
        QVERIFY(!m_store->upsertFile(file(0, QStringLiteral("f"))).value());
        QCOMPARE(m_store->accountCount().value(), qint64(3));
        QCOMPARE(m_store->fileCount().value(), qint64(4));
    }

    // Replication (putAccount, putToken, putFile, clearAll and the all* listings).

    void putAccountKeepsTheGivenIds()
    {
        const Account seven{7,      QStringLiteral("Seven"), everyByte(), QByteArray("s\0alt", 5),
                            210000, at(3).addMSecs(-122)};
        const Account three{
            3, QStringLiteral("Đức"), QByteArray(32, '\0'), QByteArray(1, '\xff'), 1, at(-100)};
        VERIFY_OK(m_store->putAccount(seven));
        VERIFY_OK(m_store->putAccount(three));
        const auto all = m_store->allAccounts();
        VERIFY_OK(all);
        QCOMPARE(all.value(), QList<Account>({three, seven})); // by id, field for field
        QCOMPARE(m_store->findAccountById(7).value(), std::optional<Account>(seven));
        QCOMPARE(m_store->findAccount(QStringLiteral("SEVEN")).value(),
                 std::optional<Account>(seven));
        const QString nfd = QStringLiteral("ĐỨC").normalized(QString::NormalizationForm_D);
        QCOMPARE(m_store->findAccount(nfd).value(), std::optional<Account>(three));
        QCOMPARE(m_store->accountCount().value(), qint64(2));

        // New accounts get ids above every id put, also after a put below the highest one.
        const qint64 next = addAccount(QStringLiteral("next"));
        QVERIFY2(next > 7, qPrintable(QString::number(next)));
        VERIFY_OK(
            m_store->putAccount(Account{next + 100, QStringLiteral("far"), "h", "s", 1, at(0)}));
        VERIFY_OK(
            m_store->putAccount(Account{next + 50, QStringLiteral("middle"), "h", "s", 1, at(0)}));
        const qint64 after = addAccount(QStringLiteral("after"));
        QVERIFY2(after > next + 100, qPrintable(QString::number(after)));
    }

    void putAccountReplacesARowInPlace()
    {
        const qint64 alice = addAccount(QStringLiteral("alice"));
        VERIFY_OK(m_store->insertToken(token("t", alice, at(9))));
        QVERIFY(m_store->upsertFile(file(1, QStringLiteral("f"), at(1), alice)).value());

        const Account changed{alice, QStringLiteral("ALICE"), everyByte(), "new salt", 5, at(42)};
        VERIFY_OK(m_store->putAccount(changed));
        VERIFY_OK(m_store->putAccount(changed)); // idempotent
        QCOMPARE(m_store->allAccounts().value(), QList<Account>{changed});
        QCOMPARE(m_store->findAccount(QStringLiteral("alice")).value(),
                 std::optional<Account>(changed));
        // An update, not a delete and insert: the account's token and file stay linked.
        QCOMPARE(m_store->findToken(tokenHash("t")).value()->accountId, alice);
        QCOMPARE(m_store->findFile(infoHash(1)).value()->addedBy, alice);

        const Account renamed{alice, QStringLiteral("alicia"), "h", "s", 1, at(0)};
        VERIFY_OK(m_store->putAccount(renamed));
        QVERIFY(!m_store->findAccount(QStringLiteral("alice")).value().has_value());
        QCOMPARE(m_store->findAccount(QStringLiteral("Alicia")).value(),
                 std::optional<Account>(renamed));
        VERIFY_OK(m_store->createAccount(QStringLiteral("alice"), "h", "s", 1, at(0)));
    }

    void putAccountRefusesAUsernameOfAnotherId()
    {
        const qint64 alice = addAccount(QStringLiteral("Alice"));
        const qint64 duc = addAccount(QStringLiteral("đức"));
        QVERIFY(alice > 0 && duc > 0);
        VERIFY_ERROR(
            m_store->putAccount(Account{duc + 10, QStringLiteral("aLiCe"), "h", "s", 1, at(0)}),
            "conflict");
        const QString nfd = QStringLiteral("ĐỨC").normalized(QString::NormalizationForm_D);
        VERIFY_ERROR(m_store->putAccount(Account{duc + 11, nfd, "h", "s", 1, at(0)}), "conflict");
        // Also when the id exists: taking over another account's name is refused.
        VERIFY_ERROR(m_store->putAccount(Account{duc, QStringLiteral("ALICE"), "h", "s", 1, at(0)}),
                     "conflict");
        QCOMPARE(m_store->accountCount().value(), qint64(2));
        QVERIFY(!m_store->findAccountById(duc + 10).value().has_value());
        QCOMPARE(m_store->findAccountById(duc).value()->username, QStringLiteral("đức"));
    }

    void putAccountRefusesBadValues()
    {
        const Account good{1, QStringLiteral("a"), "h", "s", 1, at(0)};
        Account bad = good;
        bad.id = 0;
        VERIFY_ERROR(m_store->putAccount(bad), "invalid_argument");
        bad.id = -3;
        VERIFY_ERROR(m_store->putAccount(bad), "invalid_argument");
        bad = good;
        bad.username.clear();
        VERIFY_ERROR(m_store->putAccount(bad), "invalid_argument");
        bad.username = QStringLiteral("a") + QChar(u'\0');
        VERIFY_ERROR(m_store->putAccount(bad), "invalid_argument");
        bad = good;
        bad.salt.clear();
        VERIFY_ERROR(m_store->putAccount(bad), "invalid_argument");
        bad = good;
        bad.iterations = 0;
        VERIFY_ERROR(m_store->putAccount(bad), "invalid_argument");
        bad = good;
        bad.createdAt = QDateTime();
        VERIFY_ERROR(m_store->putAccount(bad), "invalid_argument");
        QCOMPARE(m_store->accountCount().value(), qint64(0));
        VERIFY_OK(m_store->putAccount(good));
    }

    void putTokenIsIdempotentAndReplaces()
    {
        const qint64 alice = addAccount(QStringLiteral("alice"));
        const qint64 bob = addAccount(QStringLiteral("bob"));
        TokenRecord record = token("t", alice, at(3600).addMSecs(7));
        record.tokenHash[0] = '\0';
        record.tokenHash[31] = char(0xff);
        VERIFY_OK(m_store->putToken(record));
        VERIFY_OK(m_store->putToken(record));
        QCOMPARE(m_store->findToken(record.tokenHash).value(), std::optional<TokenRecord>(record));
        QCOMPARE(m_store->tokenCount().value(), qint64(1));
        VERIFY_ERROR(m_store->insertToken(record), "conflict"); // unlike putToken

        const TokenRecord replaced{record.tokenHash, bob, at(5), at(10)};
        VERIFY_OK(m_store->putToken(replaced));
        QCOMPARE(m_store->allTokens().value(), QList<TokenRecord>{replaced});

        VERIFY_ERROR(m_store->putToken(token("x", bob + 1, at(1))), "invalid_argument");
        TokenRecord shortHash = token("y", bob, at(1));
        shortHash.tokenHash.chop(1);
        VERIFY_ERROR(m_store->putToken(shortHash), "invalid_argument");
        VERIFY_ERROR(m_store->putToken(token("z", bob, QDateTime())), "invalid_argument");
        QCOMPARE(m_store->tokenCount().value(), qint64(1));
    }

    void allTokensListsByAccountThenCreation()
    {
        const qint64 alice = addAccount(QStringLiteral("alice"));
        const qint64 bob = addAccount(QStringLiteral("bob"));
        const TokenRecord bobOld{tokenHash("b1"), bob, at(1), at(100)};
        const TokenRecord bobNew{tokenHash("b2"), bob, at(2), at(100)};
        const TokenRecord aliceNew{tokenHash("a1"), alice, at(5), at(100)};
        const TokenRecord aliceOld{tokenHash("a2"), alice, at(-5), at(100)};
        for (const TokenRecord& record : {bobNew, aliceNew, bobOld, aliceOld})
            VERIFY_OK(m_store->insertToken(record));
        QCOMPARE(m_store->allTokens().value(),
                 QList<TokenRecord>({aliceOld, aliceNew, bobOld, bobNew}));
        QCOMPARE(m_store->tokenCount().value(), qint64(4));
    }

    void putFileReplacesTheWholeRow()
    {
        const qint64 alice = addAccount(QStringLiteral("alice"));
        const qint64 bob = addAccount(QStringLiteral("bob"));
        FileRecord original = file(1, QStringLiteral("old"), at(10), alice);
        original.metainfo = "first .torrent";
        QVERIFY(m_store->upsertFile(original).value());

        // Everything changes, where upsertFile would keep addedBy, addedAt and the .torrent.
        FileRecord replaced = file(1, QStringLiteral("new"), at(99).addMSecs(1), bob);
        replaced.size = 5'000'000'000;
        replaced.pieceLength = 4 << 20;
        replaced.pieceCount = 1193;
        replaced.metainfo = everyByte();
        VERIFY_OK(m_store->putFile(replaced));
        VERIFY_OK(m_store->putFile(replaced));
        QCOMPARE(m_store->findFile(replaced.infoHash).value(), std::optional<FileRecord>(replaced));
        QCOMPARE(m_store->fileCount().value(), qint64(1));

        // An empty metainfo and addedBy 0 are taken as given too.
        FileRecord bare = file(1, QString(), at(-1), 0);
        VERIFY_OK(m_store->putFile(bare));
        QCOMPARE(m_store->findFile(bare.infoHash).value(), std::optional<FileRecord>(bare));

        // A new row.
        FileRecord other = file(2, QStringLiteral("other"), at(5), alice);
        other.metainfo = "torrent";
        VERIFY_OK(m_store->putFile(other));
        QCOMPARE(m_store->findFile(other.infoHash).value(), std::optional<FileRecord>(other));
        QCOMPARE(namesOf(m_store->searchFiles(QStringLiteral("OTHER"), 10, 0).value()),
                 QStringList{QStringLiteral("other")});
        QCOMPARE(m_store->fileCount().value(), qint64(2));
    }

    void putFileRefusesBadValues()
    {
        FileRecord record = file(1, QStringLiteral("a"));
        record.infoHash.chop(1);
        VERIFY_ERROR(m_store->putFile(record), "invalid_argument");
        record = file(1, QStringLiteral("a"));
        record.pieceCount = -1;
        VERIFY_ERROR(m_store->putFile(record), "invalid_argument");
        record = file(1, QStringLiteral("a"), at(0), 12345); // no such account
        record.metainfo = "torrent";
        VERIFY_ERROR(m_store->putFile(record), "invalid_argument");
        QCOMPARE(m_store->fileCount().value(), qint64(0));
        QCOMPARE(m_store->allFilesWithMetainfo().value(), QList<FileRecord>());
    }

    void allFilesWithMetainfoKeepsTheBytes()
    {
        FileRecord newer = file(1, QStringLiteral("newer"), at(2));
        newer.metainfo = everyByte() + randomBytes(256 * 1024, 5) + everyByte();
        const FileRecord none = file(2, QStringLiteral("no torrent"), at(1));
        FileRecord older = file(3, QStringLiteral("older"), at(1));
        older.metainfo = everyByte();
        VERIFY_OK(m_store->putFile(newer));
        VERIFY_OK(m_store->putFile(none));
        QVERIFY(m_store->upsertFile(older).value());

        // Oldest first, then by info-hash, like allFiles().
        QList<FileRecord> expected = {none, older, newer};
        if (older.infoHash < none.infoHash)
            std::swap(expected[0], expected[1]);
        const auto all = m_store->allFilesWithMetainfo();
        VERIFY_OK(all);
        QVERIFY(all.value() == expected); // QCOMPARE would print 256 KiB
        for (FileRecord& record : expected)
            record.metainfo.clear();
        QCOMPARE(m_store->allFiles().value(), expected);
    }

    void clearAllEmptiesTheStoreAndKeepsItUsable()
    {
        const qint64 alice = addAccount(QStringLiteral("alice"));
        VERIFY_OK(
            m_store->putAccount(Account{alice + 20, QStringLiteral("bob"), "h", "s", 1, at(0)}));
        VERIFY_OK(m_store->insertToken(token("t", alice, at(9))));
        FileRecord record = file(1, QStringLiteral("f"), at(1), alice);
        record.metainfo = "torrent";
        QVERIFY(m_store->upsertFile(record).value());

        VERIFY_OK(m_store->clearAll());
        VERIFY_OK(m_store->clearAll()); // on an empty store too
        QCOMPARE(m_store->accountCount().value(), qint64(0));
        QCOMPARE(m_store->tokenCount().value(), qint64(0));
        QCOMPARE(m_store->fileCount().value(), qint64(0));
        QCOMPARE(m_store->allAccounts().value(), QList<Account>());
        QCOMPARE(m_store->allTokens().value(), QList<TokenRecord>());
        QCOMPARE(m_store->allFilesWithMetainfo().value(), QList<FileRecord>());
        QCOMPARE(m_backend.raw(QStringLiteral("SELECT COUNT(*) FROM file_metainfo")).toInt(), 0);
        QCOMPARE(m_store->schemaVersion(), latestVersion());

        // Still usable; ids are not reused, and old ids can be put again.
        const qint64 carol = addAccount(QStringLiteral("carol"));
        QVERIFY2(carol > alice + 20, qPrintable(QString::number(carol)));
        VERIFY_OK(m_store->putAccount(Account{alice, QStringLiteral("alice"), "h", "s", 1, at(0)}));
        VERIFY_OK(m_store->insertToken(token("t", alice, at(9))));
        QVERIFY(m_store->upsertFile(record).value());
        QCOMPARE(m_store->findFile(record.infoHash).value(), std::optional<FileRecord>(record));
        QCOMPARE(m_store->accountCount().value(), qint64(2));
    }

    void copiesOneStoreIntoAnotherExactly()
    {
        // What a backup does with main's snapshot: the same rows, the same ids.
        QVERIFY(addAccount(QStringLiteral("gone")) > 0);
        VERIFY_OK(m_store->clearAll()); // so that the ids below start above 1
        const qint64 alice = addAccount(QStringLiteral("Alice"));
        const qint64 bob = addAccount(QStringLiteral("Bob"));
        VERIFY_OK(m_store->insertToken(token("a", alice, at(9))));
        VERIFY_OK(m_store->insertToken(token("b", bob, at(8))));
        FileRecord withTorrent = file(1, QStringLiteral("with"), at(1), bob);
        withTorrent.metainfo = everyByte();
        QVERIFY(m_store->upsertFile(withTorrent).value());
        QVERIFY(m_store->upsertFile(file(2, QStringLiteral("without"), at(2))).value());

        const QString backupUrl = m_backend.createDatabase(false);
        QVERIFY(!backupUrl.isEmpty());
        Result<std::unique_ptr<Store>> opened = openStore(backupUrl);
        VERIFY_OK(opened);
        Store& backup = **opened;
        QVERIFY(backup.createAccount(QStringLiteral("stale"), "h", "s", 1, at(0)).ok());
        VERIFY_OK(backup.clearAll());
        const QList<Account> accounts = m_store->allAccounts().value();
        const QList<TokenRecord> tokens = m_store->allTokens().value();
        const QList<FileRecord> files = m_store->allFilesWithMetainfo().value();
        for (const Account& account : accounts)
            VERIFY_OK(backup.putAccount(account));
        for (const TokenRecord& record : tokens)
            VERIFY_OK(backup.putToken(record));
        for (const FileRecord& record : files)
            VERIFY_OK(backup.putFile(record));

        QCOMPARE(backup.allAccounts().value(), accounts);
        QCOMPARE(backup.allTokens().value(), tokens);
        QVERIFY(backup.allFilesWithMetainfo().value() == files);
        QCOMPARE(backup.findAccountById(bob).value(), m_store->findAccountById(bob).value());
        const Result<Account> next =
            backup.createAccount(QStringLiteral("new"), "h", "s", 1, at(0));
        VERIFY_OK(next);
        QVERIFY(next->id > bob);
    }

    void keepsDataAcrossReopening()
    {
        const qint64 alice = addAccount(QStringLiteral("alice"));
        FileRecord record = file(1, QStringLiteral("kept"), at(1), alice);
        record.metainfo = "torrent";
        QVERIFY(m_store->upsertFile(record).value());
        VERIFY_OK(m_store->insertToken(token("t", alice, at(9))));
        m_store.reset();

        Result<std::unique_ptr<Store>> reopened = openStore();
        VERIFY_OK(reopened);
        Store& store = **reopened;
        QCOMPARE(store.findAccount(QStringLiteral("ALICE")).value()->id, alice);
        QCOMPARE(store.findFile(record.infoHash).value(), record);
        QCOMPARE(store.findToken(tokenHash("t")).value()->accountId, alice);
        // Ids are not reused after a reopen.
        const Result<Account> bob = store.createAccount(QStringLiteral("bob"), "h", "s", 1, at(0));
        VERIFY_OK(bob);
        QVERIFY(bob->id > alice);
    }

    void migrationsAreIdempotent()
    {
        VERIFY_OK(m_store->open()); // again, on the same object
        QCOMPARE(m_store->schemaVersion(), latestVersion());
        Result<std::unique_ptr<Store>> second = openStore(); // and from another store
        VERIFY_OK(second);
        QCOMPARE((*second)->schemaVersion(), latestVersion());
        QCOMPARE(m_backend.raw(QStringLiteral("SELECT COUNT(*) FROM schema_version")).toInt(),
                 latestVersion());
        QCOMPARE(m_backend.raw(QStringLiteral("SELECT MAX(version) FROM schema_version")).toInt(),
                 latestVersion());
    }

    void refusesADatabaseFromANewerVersion()
    {
        m_store.reset();
        QString error;
        m_backend.raw(QStringLiteral("INSERT INTO schema_version (version, applied_at) "
                                     "VALUES (%1, 0)")
                          .arg(latestVersion() + 1),
                      &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const Result<std::unique_ptr<Store>> store = openStore();
        VERIFY_ERROR(store, "unavailable");
        QVERIFY2(store.error().message.contains(QLatin1String("newer")),
                 qPrintable(store.error().message));
    }

    void rollsBackAFailedMigration()
    {
        m_store.reset();
        QList<Migration> migrations = schemaMigrations();
        migrations.append({latestVersion() + 1,
                           QStringLiteral("broken"),
                           {QStringLiteral("CREATE TABLE half_done (x INTEGER)"),
                            QStringLiteral("THIS IS NOT SQL")}});
        Result<SqlSettings> settings = parseStoreUrl(m_backend.currentUrl(), {});
        VERIFY_OK(settings);
        SqlStore broken(settings.value(), migrations);
        const Result<void> opened = broken.open();
        VERIFY_ERROR(opened, "unavailable");
        QVERIFY2(
            opened.error().message.contains(QStringLiteral("version %1").arg(latestVersion() + 1)),
            qPrintable(opened.error().message));

        QString error;
        m_backend.raw(QStringLiteral("SELECT COUNT(*) FROM half_done"), &error);
        QVERIFY2(!error.isEmpty(), "the failed migration's first statement was kept");
        QCOMPARE(m_backend.raw(QStringLiteral("SELECT MAX(version) FROM schema_version")).toInt(),
                 latestVersion());
        VERIFY_OK(openStore()); // the real schema still opens
    }

    void severalStoresWorkSideBySide()
    {
        const QString otherUrl = m_backend.createDatabase(false);
        QVERIFY(!otherUrl.isEmpty());
        Result<std::unique_ptr<Store>> sameDatabase = openStore();
        Result<std::unique_ptr<Store>> otherDatabase = openStore(otherUrl);
        VERIFY_OK(sameDatabase);
        VERIFY_OK(otherDatabase);

        QVERIFY(addAccount(QStringLiteral("alice")) > 0);
        QVERIFY((*sameDatabase)->findAccount(QStringLiteral("alice")).value().has_value());
        QVERIFY(!(*otherDatabase)->findAccount(QStringLiteral("alice")).value().has_value());
        VERIFY_OK((*otherDatabase)->createAccount(QStringLiteral("alice"), "h", "s", 1, at(0)));

        sameDatabase.value().reset(); // closing one leaves the others working
        QCOMPARE(m_store->accountCount().value(), qint64(1));
        QCOMPARE((*otherDatabase)->accountCount().value(), qint64(1));
    }

    void failsCleanlyBeforeOpen()
    {
        Result<std::unique_ptr<Store>> store = createStore(m_backend.currentUrl(), {});
        VERIFY_OK(store);
        VERIFY_ERROR((*store)->accountCount(), "unavailable");
        VERIFY_ERROR((*store)->findFile(infoHash(1)), "unavailable");
        VERIFY_ERROR((*store)->allAccounts(), "unavailable");
        VERIFY_ERROR((*store)->putFile(file(1, QStringLiteral("f"))), "unavailable");
        VERIFY_ERROR((*store)->clearAll(), "unavailable");
        QCOMPARE((*store)->schemaVersion(), 0);
    }

    void rejectsMalformedUrls_data()
    {
        QTest::addColumn<QString>("url");
        QTest::newRow("unknown scheme") << QStringLiteral("mysql://u:secret@h/db");
        QTest::newRow("no scheme") << QStringLiteral("/var/lib/swarmshare/tracker.db");
        QTest::newRow("sqlite without path") << QStringLiteral("sqlite:");
        QTest::newRow("nothing after scheme") << QStringLiteral("postgresql://");
        QTest::newRow("no database") << QStringLiteral("postgresql://u:secret@host");
        QTest::newRow("empty database") << QStringLiteral("postgres://u:secret@host/");
        QTest::newRow("two path parts") << QStringLiteral("postgresql://u:secret@host/db/x");
        QTest::newRow("no host") << QStringLiteral("postgresql:///db");
        QTest::newRow("port not a number") << QStringLiteral("postgresql://u:secret@host:abc/db");
        QTest::newRow("port too large") << QStringLiteral("postgresql://u:secret@host:65536/db");
        QTest::newRow("port zero") << QStringLiteral("postgresql://u:secret@host:0/db");
        QTest::newRow("space in host") << QStringLiteral("postgresql://u:secret@ho st/db");
        QTest::newRow("unknown parameter") << QStringLiteral("postgresql://u:secret@h/db?bogus=1");
        QTest::newRow("bad parameter value")
            << QStringLiteral("postgresql://u:secret@h/db?sslmode=a;b");
        QTest::newRow("bad port parameter")
            << QStringLiteral("postgresql://u:secret@/db?host=/run/postgresql&port=99999");
        QTest::newRow("bad timeout")
            << QStringLiteral("postgresql://u:secret@h/db?connect_timeout=x");
        QTest::newRow("fragment") << QStringLiteral("postgresql://u:secret@h/db#x");
    }

    void rejectsMalformedUrls()
    {
        QFETCH(QString, url);
        const Result<std::unique_ptr<Store>> store = createStore(url, {});
        VERIFY_ERROR(store, "invalid_argument");
        QVERIFY2(!store.error().message.contains(QLatin1String("secret")),
                 "a password must not appear in messages");
    }

    void acceptsWellFormedUrls_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("password");
        const QString sqlite = QStringLiteral("sqlite");
        const QString pg = QStringLiteral("postgresql");
        QTest::newRow("default") << QString() << sqlite << QString() << QString();
        QTest::newRow("sqlite path")
            << QStringLiteral("sqlite:/srv/t.db") << sqlite << QString() << QString();
        QTest::newRow("full") << QStringLiteral("postgresql://u:p@db.example:5433/tracker") << pg
                              << QStringLiteral("u") << QStringLiteral("p");
        QTest::newRow("short scheme")
            << QStringLiteral("postgres://u@127.0.0.1/t") << pg << QStringLiteral("u") << QString();
        QTest::newRow("ipv6") << QStringLiteral("postgresql://u@[::1]:5432/t") << pg
                              << QStringLiteral("u") << QString();
        QTest::newRow("socket") << QStringLiteral("postgresql://u@/t?host=/run/postgresql") << pg
                                << QStringLiteral("u") << QString();
        QTest::newRow("encoded") << QStringLiteral(
                                        "postgresql://a%40b:p%3Aw%2F%25@h/t?sslmode=disable&"
                                        "connect_timeout=3&application_name=swarmshare")
                                 << pg << QStringLiteral("a@b") << QStringLiteral("p:w/%");
    }

    void acceptsWellFormedUrls()
    {
        QFETCH(QString, url);
        QFETCH(QString, kind);
        QFETCH(QString, user);
        QFETCH(QString, password);
        const Result<std::unique_ptr<Store>> store =
            createStore(url, QStringLiteral("/srv/default.db"));
        VERIFY_OK(store);
        QCOMPARE((*store)->kind(), kind);
        const Result<SqlSettings> settings = parseStoreUrl(url, QStringLiteral("/srv/default.db"));
        VERIFY_OK(settings);
        QCOMPARE(settings->userName, user);
        QCOMPARE(settings->password, password);
    }

#if defined(SWARMSHARE_STORE_SQLITE)
    void sqliteCreatesFoldersAndUsesWriteAheadLogging()
    {
        QVERIFY(QFile::exists(m_backend.currentUrl().mid(7)));
        QCOMPARE(m_backend.raw(QStringLiteral("PRAGMA journal_mode")).toString(),
                 QStringLiteral("wal"));
    }

    void sqliteReportsAFileThatIsNotADatabase()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("garbage.db"));
        QVERIFY(writeFile(path, randomBytes(64 * 1024, 3)));
        const Result<std::unique_ptr<Store>> store = openStore(QStringLiteral("sqlite:") + path);
        VERIFY_ERROR(store, "unavailable");
        QVERIFY2(store.error().message.contains(path), qPrintable(store.error().message));
        QVERIFY2(store.error().message.contains(QLatin1String("not a database")),
                 qPrintable(store.error().message));
    }
#endif

#if defined(SWARMSHARE_STORE_POSTGRESQL)
    void postgresqlReportsAnUnreachableServer()
    {
        const Result<std::unique_ptr<Store>> store =
            openStore(QStringLiteral("postgresql://nobody@127.0.0.1:1/none"));
        VERIFY_ERROR(store, "unavailable");
        QVERIFY2(store.error().message.contains(QLatin1String("127.0.0.1:1")),
                 qPrintable(store.error().message));
    }

    void postgresqlConnectsThroughAUnixSocket()
    {
        QVERIFY(addAccount(QStringLiteral("alice")) > 0);
        const QUrl tcp(m_backend.currentUrl());
        const QString url = QStringLiteral("postgresql://%1@%2?host=%3&port=%4")
                                .arg(tcp.userName(), tcp.path(), m_backend.socketDir())
                                .arg(tcp.port());
        Result<std::unique_ptr<Store>> store = openStore(url);
        VERIFY_OK(store);
        QCOMPARE((*store)->accountCount().value(), qint64(1));
    }

    void postgresqlReportsAWrongPassword()
    {
        QUrl url(m_backend.currentUrl());
        url.setPassword(QStringLiteral("wrong"));
        const Result<std::unique_ptr<Store>> store = openStore(url.toString());
        VERIFY_ERROR(store, "unavailable");
        QVERIFY2(store.error().message.contains(QLatin1String("password")),
                 qPrintable(store.error().message));
    }

    void postgresqlDecodesUserAndPasswordFromTheUrl()
    {
        // A role whose name and password need percent-encoding, owning its own database.
        QVERIFY(m_backend.admin(QStringLiteral("CREATE ROLE \"tst user@x\" LOGIN "
                                               "PASSWORD 'p@ss:w/rd %?#'")));
        const QString url = m_backend.createDatabase(false);
        const QString name = QUrl(url).path().mid(1);
        QVERIFY(
            m_backend.admin(QStringLiteral("ALTER DATABASE %1 OWNER TO \"tst user@x\"").arg(name)));
        QUrl withRole(url);
        withRole.setUserName(QStringLiteral("tst user@x"));
        withRole.setPassword(QStringLiteral("p@ss:w/rd %?#"));
        {
            Result<std::unique_ptr<Store>> store = openStore(withRole.toString(QUrl::FullyEncoded));
            VERIFY_OK(store);
            QVERIFY((*store)->createAccount(QStringLiteral("x"), "h", "s", 1, at(0)).ok());
        }
        m_backend.dropAll();
        QVERIFY(m_backend.admin(QStringLiteral("DROP ROLE \"tst user@x\"")));
    }

    void postgresqlReconnectsAfterLosingTheConnection()
    {
        QVERIFY(addAccount(QStringLiteral("alice")) > 0);
        const QString name = QUrl(m_backend.currentUrl()).path().mid(1);
        QVERIFY(
            m_backend.admin(QStringLiteral("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                           "WHERE datname = '%1' AND pid <> pg_backend_pid()")
                                .arg(name)));
        // The first call finds the connection gone; the next one reconnects.
        VERIFY_ERROR(m_store->accountCount(), "unavailable");
        const Result<qint64> count = m_store->accountCount();
        VERIFY_OK(count);
        QCOMPARE(count.value(), qint64(1));
    }
#endif
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/config.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace swarmshare;

class TestConfig : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString write(const QByteArray& content, const QString& name = QStringLiteral("config.json"))
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(path));
        file.write(content);
        return path;
    }

    // Loads `json` from a real file and returns the error message (empty when it loaded).
    QString errorOf(const QByteArray& json)
    {
        const QString path = write(json);
        const Result<Config> loaded = Config::load(path);
        return loaded ? QString() : loaded.error().message;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void missingFileGivesDefaults()
    {
        const Result<Config> loaded = Config::load(m_dir.filePath(QStringLiteral("absent.json")));
        QVERIFY(loaded.ok());
        const Config& config = *loaded;
        QCOMPARE(config.peer.listenPort, 6881);
        QCOMPARE(config.trackerServer.listen, QStringLiteral("127.0.0.1:7070"));
        QCOMPARE(config.trackerServer.backupListen, QStringLiteral("127.0.0.1:7071"));
        QCOMPARE(config.trackerServer.proxyListen, QStringLiteral("127.0.0.1:7000"));
        QCOMPARE(config.tracker.urls.constFirst(), QStringLiteral("http://127.0.0.1:7000"));
        QCOMPARE(config.log.level, QStringLiteral("info"));
        QCOMPARE(config.gui.language, QStringLiteral("system"));
        QVERIFY(!config.gui.hostTracker);
        QVERIFY(!config.effectiveDataDir().isEmpty());
        QVERIFY(config.logDir().endsWith(QStringLiteral("/logs")));
    }

    void emptyObjectGivesDefaults()
    {
        QCOMPARE(errorOf("{}"), QString());
        QCOMPARE(errorOf("  {\n}\n"), QString());
    }

    void everyKeyHasAWorkingDefault()
    {
        // Saving the defaults and loading them back must pass every check in the table.
        const QString path = m_dir.filePath(QStringLiteral("defaults.json"));
        QVERIFY(Config{}.save(path).ok());
        const Result<Config> loaded = Config::load(path);
        QVERIFY2(loaded.ok(), loaded ? "" : qPrintable(loaded.error().message));
        QCOMPARE(loaded->toJson(), Config{}.toJson());
        for (const ConfigKey& key : ConfigKey::all())
            QVERIFY2(!key.description.isEmpty(), qPrintable(key.path));
    }

    void readsNestedValues()
    {
        const QString path = write(
            "{\"peer\": {\"listenPort\": 0, \"uploadRateLimit\": 1048576},"
            "\"tracker\": {\"urls\": [\"https://tracker.example:7000\"]},"
            "\"trackerServer\": {\"listen\": \"[::1]:9000\", \"trustedProxies\": [\"10.0.0.0/8\"],"
            "\"database\": \"postgresql://swarm@db/swarm\"},"
            "\"log\": {\"level\": \"debug\"}, \"gui\": {\"hostTracker\": true, \"language\": "
            "\"vi\"}}");
        const Result<Config> loaded = Config::load(path);
        QVERIFY2(loaded.ok(), loaded ? "" : qPrintable(loaded.error().message));
        QCOMPARE(loaded->peer.listenPort, 0);
        QCOMPARE(loaded->peer.uploadRateLimit, 1048576);
        QCOMPARE(loaded->tracker.urls, QStringList{QStringLiteral("https://tracker.example:7000")});
        QCOMPARE(loaded->trackerServer.listen, QStringLiteral("[::1]:9000"));
        QCOMPARE(loaded->log.level, QStringLiteral("debug"));
        QVERIFY(loaded->gui.hostTracker);
        QCOMPARE(loaded->gui.language, QStringLiteral("vi"));
        QCOMPARE(loaded->peer.maxConnections, Config{}.peer.maxConnections); // untouched default
    }

    void relativeFoldersAreRelativeToTheFile()
    {
        const QString path = write("{\"dataDir\": \"state\", \"downloadDir\": \"/srv/down\"}");
        const Result<Config> loaded = Config::load(path);
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->dataDir, QDir(m_dir.path()).filePath(QStringLiteral("state")));
        QCOMPARE(loaded->downloadDir, QStringLiteral("/srv/down"));
        QCOMPARE(loaded->logDir(), QDir(m_dir.path()).filePath(QStringLiteral("state/logs")));
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected"); // part of the message after the file name

        QTest::newRow("invalid JSON")
            << QByteArray("{\n  \"peer\": {,\n}") << ":2:13: invalid JSON";
        QTest::newRow("not an object")
            << QByteArray("[1, 2]") << ": the configuration must be a JSON object";
        QTest::newRow("unknown top-level key")
            << QByteArray("{\"colour\": \"red\"}") << ": unknown key 'colour'";
        QTest::newRow("unknown nested key")
            << QByteArray("{\"peer\": {\"listenprt\": 1}}") << ": unknown key 'peer.listenprt'";
        QTest::newRow("section not an object")
            << QByteArray("{\"peer\": 5}") << ": key 'peer': expected an object, got 5";
        QTest::newRow("string for integer")
            << QByteArray("{\"peer\": {\"listenPort\": \"6881\"}}")
            << ": key 'peer.listenPort': expected an integer, got the string \"6881\"";
        QTest::newRow("fraction for integer")
            << QByteArray("{\"peer\": {\"uploadSlots\": 1.5}}")
            << ": key 'peer.uploadSlots': expected an integer, got 1.5";
        QTest::newRow("port too large")
            << QByteArray("{\"peer\": {\"listenPort\": 70000}}")
            << ": key 'peer.listenPort': 70000 is out of range (0 to 65535)";
        QTest::newRow("negative rate") << QByteArray("{\"peer\": {\"downloadRateLimit\": -1}}")
                                       << ": key 'peer.downloadRateLimit': -1 is out of range";
        QTest::newRow("zero slots") << QByteArray("{\"peer\": {\"uploadSlots\": 0}}")
                                    << ": key 'peer.uploadSlots': 0 is out of range (1 to 1000)";
        QTest::newRow("huge integer") << QByteArray("{\"log\": {\"maxFiles\": 1e300}}")
                                      << ": key 'log.maxFiles': expected an integer";
        QTest::newRow("null for boolean")
            << QByteArray("{\"gui\": {\"hostTracker\": null}}")
            << ": key 'gui.hostTracker': expected true or false, got null";
        QTest::newRow("number for string")
            << QByteArray("{\"dataDir\": 3}") << ": key 'dataDir': expected a string, got 3";
        QTest::newRow("bad log level")
            << QByteArray("{\"log\": {\"level\": \"loud\"}}")
            << ": key 'log.level': 'loud' is not one of: debug, info, warning, critical";
        QTest::newRow("bad language") << QByteArray("{\"gui\": {\"language\": \"fr\"}}")
                                      << ": key 'gui.language': 'fr' is not one of: system, en, vi";
        QTest::newRow("list not array") << QByteArray("{\"tracker\": {\"urls\": \"http://a:1\"}}")
                                        << ": key 'tracker.urls': expected an array of strings";
        QTest::newRow("list item type")
            << QByteArray("{\"tracker\": {\"urls\": [\"http://a:1\", 2]}}")
            << ": key 'tracker.urls': item 2: expected a string, got 2";
        QTest::newRow("bad url")
            << QByteArray("{\"tracker\": {\"urls\": [\"ftp://x\"]}}")
            << ": key 'tracker.urls': item 1: 'ftp://x' is not an http:// or https:// URL";
        QTest::newRow("listen without port")
            << QByteArray("{\"trackerServer\": {\"listen\": \"127.0.0.1\"}}")
            << ": key 'trackerServer.listen': '127.0.0.1' is not ADDRESS:PORT";
        QTest::newRow("listen bad host")
            << QByteArray("{\"trackerServer\": {\"listen\": \"nowhere:80\"}}")
            << ": key 'trackerServer.listen': 'nowhere:80' is not ADDRESS:PORT";
        QTest::newRow("listen port range")
            << QByteArray("{\"trackerServer\": {\"proxyListen\": \"127.0.0.1:65536\"}}")
            << ": key 'trackerServer.proxyListen':";
        QTest::newRow("bare ipv6 listen")
            << QByteArray("{\"trackerServer\": {\"backupListen\": \"::1:80\"}}")
            << ": key 'trackerServer.backupListen':";
        QTest::newRow("bad database")
            << QByteArray("{\"trackerServer\": {\"database\": \"mysql://x\"}}")
            << ": key 'trackerServer.database': 'mysql://x' is not a database URL";
        QTest::newRow("empty sqlite path")
            << QByteArray("{\"trackerServer\": {\"database\": \"sqlite:\"}}")
            << ": key 'trackerServer.database': sqlite: needs a file path";
        QTest::newRow("bad proxy address")
            << QByteArray("{\"trackerServer\": {\"trustedProxies\": [\"10.0.0.300\"]}}")
            << ": key 'trackerServer.trustedProxies': item 1: '10.0.0.300' is not an IP address or "
               "subnet";
        QTest::newRow("log size too small") << QByteArray("{\"log\": {\"maxFileSize\": 10}}")
                                            << ": key 'log.maxFileSize': 10 is out of range";
    }

    void errors()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        const QString path = write(json);
        const Result<Config> loaded = Config::load(path);
        QVERIFY(!loaded.ok());
        const QString message = loaded.error().message;
        // Every message starts with the file name and names the problem.
        QVERIFY2(message.startsWith(path), qPrintable(message));
        QVERIFY2(message.contains(expected), qPrintable(message));
    }

    void unreadableFileIsAnError()
    {
        if (geteuid() == 0) {
            // Root reads anything; a folder in its place is an unreadable config all the same.
            QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("folder.json")));
            const Result<Config> loaded =
                Config::load(m_dir.filePath(QStringLiteral("folder.json")));
            QVERIFY(!loaded.ok());
            QVERIFY(loaded.error().message.contains(QStringLiteral("folder.json")));
            return;
        }
        const QString path = write("{}", QStringLiteral("secret.json"));
        QFile::setPermissions(path, QFileDevice::Permissions());
        const Result<Config> loaded = Config::load(path);
        QVERIFY(!loaded.ok());
        QVERIFY(loaded.error().message.contains(QStringLiteral("cannot read")));
    }

    void oversizedFileIsRefused()
    {
        QByteArray huge = "{\"dataDir\": \"" + QByteArray(2 * 1024 * 1024, 'a') + "\"}";
        const QString message = errorOf(huge);
        QVERIFY2(message.contains(QStringLiteral("too large")), qPrintable(message));
    }

    void saveIsAtomicAndRoundTrips()
    {
        Config config;
        config.peer.listenPort = 51413;
        config.tracker.urls = {QStringLiteral("http://10.1.2.3:7000")};
        config.gui.closeToTray = true;
        const QString path = m_dir.filePath(QStringLiteral("sub/dir/saved.json"));
        QVERIFY(config.save(path).ok());
        const Result<Config> loaded = Config::load(path);
        QVERIFY(loaded.ok());
        QCOMPARE(loaded->toJson(), config.toJson());
        QVERIFY(QDir(m_dir.filePath(QStringLiteral("sub/dir"))).entryList(QDir::Files).size() == 1);
    }

    void listenAddressForms()
    {
        QCOMPARE(checkListenAddress(QStringLiteral("0.0.0.0:7070")), QString());
        QCOMPARE(checkListenAddress(QStringLiteral("localhost:0")), QString());
        QCOMPARE(checkListenAddress(QStringLiteral("[::]:7000")), QString());
        QVERIFY(!checkListenAddress(QStringLiteral(":7000")).isEmpty());
        QVERIFY(!checkListenAddress(QStringLiteral("127.0.0.1:x")).isEmpty());
        QVERIFY(!checkListenAddress(QStringLiteral("127.0.0.1:-1")).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"

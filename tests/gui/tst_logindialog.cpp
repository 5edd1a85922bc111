// SPDX-License-Identifier: GPL-3.0-or-later
// The login / create-account dialog driven as a user would (typing, clicks, Enter, Esc) against
// a real `swarmshare --tracker` process.
#include "common/i18n.h"
#include "config/config.h"
#include "gui/dialogs/logindialog.h"
#include "integration/trackerprocess.h"
#include "support/awaitreply.h"
#include "support/widgets.h"
#include "tracker_client/trackerclient.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabBar>
#include <QTabWidget>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace swarmshare;
using namespace swarmshare::test;
using gui::LoginDialog;
using trackerclient::Reply;
using trackerclient::Session;
using trackerclient::TrackerClient;

namespace {

constexpr int kTimeoutMs = 15000;
const QString kUser = QStringLiteral("binh.tran");
const QString kPassword = QStringLiteral("correct horse battery");

// The dialog's widgets, by their names in ui/logindialog.ui.
struct Widgets {
    explicit Widgets(LoginDialog& dialog)
        : url(find<QComboBox>(dialog, "trackerUrl"))
        , tabs(find<QTabWidget>(dialog, "modeTabs"))
        , loginUsername(find<QLineEdit>(dialog, "loginUsername"))
        , loginPassword(find<QLineEdit>(dialog, "loginPassword"))
        , registerUsername(find<QLineEdit>(dialog, "registerUsername"))
        , registerPassword(find<QLineEdit>(dialog, "registerPassword"))
        , registerConfirm(find<QLineEdit>(dialog, "registerConfirm"))
        , rememberMe(find<QCheckBox>(dialog, "rememberMe"))
        , status(find<QLabel>(dialog, "statusLabel"))
        , busy(find<QProgressBar>(dialog, "busyIndicator"))
        , submit(find<QPushButton>(dialog, "submitButton"))
        , cancel(find<QPushButton>(dialog, "cancelButton"))
        , host(find<QPushButton>(dialog, "hostTrackerButton"))
    {}

    template<typename T>
    static T* find(LoginDialog& dialog, const char* name)
    {
        return swarmshare::test::child<T>(&dialog, name);
    }

    void showTab(int index) const
    {
        QTest::mouseClick(tabs->tabBar(), Qt::LeftButton, {},
                          tabs->tabBar()->tabRect(index).center());
    }

    QComboBox* url;
    QTabWidget* tabs;
    QLineEdit* loginUsername;
    QLineEdit* loginPassword;
    QLineEdit* registerUsername;
    QLineEdit* registerPassword;
    QLineEdit* registerConfirm;
    QCheckBox* rememberMe;
    QLabel* status;
    QProgressBar* busy;
    QPushButton* submit;
    QPushButton* cancel;
    QPushButton* host;
};

Config configFor(const QUrl& url)
{
    Config config;
    config.tracker.urls = {url.toString()};
    return config;
}

} // namespace

class TestLoginDialog : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TrackerProcess> m_tracker;

    static void showAndWait(LoginDialog& dialog)
    {
        dialog.show();
        dialog.activateWindow();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    }

    // A port nobody listens on.
    static QUrl closedPortUrl()
    {
        QTcpServer server;
        server.listen(QHostAddress::LocalHost);
        const quint16 port = server.serverPort();
        server.close();
        return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    }

private slots:
    void initTestCase()
    {
        i18n::install(QStringLiteral("en"));
        QVERIFY(m_dir.isValid());
        m_tracker = std::make_unique<TrackerProcess>(m_dir.path());
        const QString problem = m_tracker->start({});
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        // An account that exists before any dialog opens.
        TrackerClient::Options options;
        options.urls = {m_tracker->url()};
        TrackerClient client(options);
        const Reply<QString> created =
            awaitReply<QString>([&](auto done) { client.registerAccount(kUser, kPassword, done); });
        QVERIFY2(created, describe(created));
    }

    void init() { LoginDialog::forget(); }

    void cleanupTestCase()
    {
        LoginDialog::forget();
        if (m_tracker)
            QVERIFY2(m_tracker->stop(), m_tracker->errorOutput().constData());
    }

    void looksRightAndSavesScreenshots()
    {
        LoginDialog dialog(configFor(m_tracker->url()));
        Widgets w(dialog);
        showAndWait(dialog);
        QCOMPARE(w.url->currentText(), m_tracker->url().toString());
        QCOMPARE(w.tabs->count(), 2);
        QCOMPARE(w.tabs->tabText(0), QStringLiteral("Log in"));
        QCOMPARE(w.tabs->tabText(1), QStringLiteral("Create account"));
        QCOMPARE(w.submit->text(), QStringLiteral("Log in"));
        QVERIFY(w.submit->isDefault());
        for (QLineEdit* password : {w.loginPassword, w.registerPassword, w.registerConfirm})
            QCOMPARE(password->echoMode(), QLineEdit::Password);
        QVERIFY(w.host->isHidden());
        QVERIFY(w.status->isHidden());
        QVERIFY(w.busy->isHidden());
        QVERIFY(!dialog.isHostOfferVisible());
        test::saveScreenshot(dialog, QStringLiteral("logindialog-login"));

        w.showTab(1);
        QCOMPARE(w.tabs->currentIndex(), 1);
        QCOMPARE(w.submit->text(), QStringLiteral("Create account"));
        QVERIFY(w.registerConfirm->isVisible());
        test::saveScreenshot(dialog, QStringLiteral("logindialog-register"));
    }

    void validatesBeforeSending()
    {
        LoginDialog dialog(configFor(m_tracker->url()));
        Widgets w(dialog);
        showAndWait(dialog);
        QTest::keyClick(w.url->lineEdit(), Qt::Key_Return); // Enter in the address submits too
        QVERIFY(!dialog.isBusy());
        QCOMPARE(w.status->text(), QStringLiteral("Enter your username."));
        QVERIFY(w.loginUsername->hasFocus());

        QTest::keyClicks(w.loginUsername, kUser);
        QTest::mouseClick(w.submit, Qt::LeftButton);
        QCOMPARE(w.status->text(), QStringLiteral("Enter your password."));
        QVERIFY(w.loginPassword->hasFocus());

        w.showTab(1);
        QCOMPARE(w.registerUsername->text(), kUser); // carried over from the login tab
        w.registerUsername->clear();
        QTest::keyClicks(w.registerUsername, QStringLiteral("new.user"));
        QTest::keyClicks(w.registerPassword, QStringLiteral("short"));
        QTest::keyClicks(w.registerConfirm, QStringLiteral("short"));
        QTest::mouseClick(w.submit, Qt::LeftButton);
        QVERIFY(w.status->text().contains(QStringLiteral("at least 8 characters")));
        QTest::keyClicks(w.registerPassword, QStringLiteral("-and-longer"));
        QTest::mouseClick(w.submit, Qt::LeftButton);
        QCOMPARE(w.status->text(), QStringLiteral("The passwords do not match."));

        w.url->setEditText(QStringLiteral("ftp://example.org"));
        QTest::mouseClick(w.submit, Qt::LeftButton);
        QVERIFY2(w.status->text().contains(QStringLiteral("not a tracker address")),
                 qPrintable(w.status->text()));
        QVERIFY(!dialog.isBusy());
        QVERIFY(dialog.isVisible());
    }

    void createsAnAccountAndLogsIn()
    {
        LoginDialog dialog(configFor(m_tracker->url()));
        Widgets w(dialog);
        showAndWait(dialog);
        w.showTab(1);
        const QString name = QStringLiteral("an.nguyen");
        const QString password = QStringLiteral("mat khau dai 2024");
        QTest::keyClicks(w.registerUsername, name);
        QTest::keyClicks(w.registerPassword, password);
        QTest::keyClicks(w.registerConfirm, password);
        QTest::mouseClick(w.submit, Qt::LeftButton);
        // Asynchronous: the click returned, the request runs, the inputs wait.
        QVERIFY(dialog.isBusy());
        QVERIFY(!w.tabs->isEnabled());
        QVERIFY(!w.submit->isEnabled());
        QVERIFY(!w.busy->isHidden());
        QVERIFY(w.status->text().startsWith(QStringLiteral("Creating the account on")));

        QTRY_COMPARE_WITH_TIMEOUT(dialog.result(), int(QDialog::Accepted), kTimeoutMs);
        QVERIFY(!dialog.isVisible());
        const gui::TrackerLogin& session = dialog.session();
        QCOMPARE(session.username, name);
        QCOMPARE(session.trackerUrl, m_tracker->url());
        QVERIFY(!session.token.isEmpty());
        QVERIFY(session.expiresAt > QDateTime::currentDateTimeUtc());
        QVERIFY(w.registerPassword->text().isEmpty());

        // The client that logged in is the caller's now, and its token works.
        std::unique_ptr<TrackerClient> client = dialog.takeClient();
        QVERIFY(client);
        QCOMPARE(client->token(), session.token);
        const Reply<void> out = awaitReply<void>([&](auto done) { client->logout(done); });
        QVERIFY2(out, describe(out));
    }

    void takenUsernameIsShown()
    {
        LoginDialog dialog(configFor(m_tracker->url()));
        Widgets w(dialog);
        showAndWait(dialog);
        w.showTab(1);
        QTest::keyClicks(w.registerUsername, kUser);
        QTest::keyClicks(w.registerPassword, QStringLiteral("another password"));
        QTest::keyClicks(w.registerConfirm, QStringLiteral("another password"));
        QTest::keyClick(w.registerConfirm, Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), kTimeoutMs);
        QVERIFY2(w.status->text().contains(QStringLiteral("is already taken")),
                 qPrintable(w.status->text()));
        QVERIFY(w.status->text().contains(QStringLiteral("the username is taken")));
        QVERIFY(dialog.isVisible());
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
    }

    void wrongPasswordThenTheRightOne()
    {
        LoginDialog dialog(configFor(m_tracker->url()));
        Widgets w(dialog);
        showAndWait(dialog);
        QTest::keyClicks(w.loginUsername, kUser);
        QTest::keyClicks(w.loginPassword, QStringLiteral("not the password"));
        QTest::keyClick(w.loginPassword, Qt::Key_Return); // Enter submits
        QVERIFY(dialog.isBusy());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), kTimeoutMs);

        QVERIFY(dialog.isVisible());
        QVERIFY(w.status->isVisible());
        QVERIFY2(w.status->text().startsWith(QStringLiteral("Wrong username or password.")),
                 qPrintable(w.status->text()));
        // The tracker's own words are there too.
        QVERIFY(w.status->text().contains(
            QStringLiteral("The tracker says: wrong username or password")));
        QVERIFY(w.status->wordWrap());
        QCOMPARE(w.status->palette().color(QPalette::WindowText), QColor(0xb3, 0x26, 0x1e));
        QVERIFY(w.submit->isEnabled());
        QVERIFY(w.loginPassword->isEnabled());
        QVERIFY(w.host->isHidden()); // the tracker answered: nothing to host
        QCOMPARE(w.loginPassword->selectedText(), QStringLiteral("not the password"));
        test::saveScreenshot(dialog, QStringLiteral("logindialog-error"));

        w.loginPassword->clear();
        QTest::keyClicks(w.loginPassword, kPassword);
        QTest::mouseClick(w.submit, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(dialog.result(), int(QDialog::Accepted), kTimeoutMs);
        QCOMPARE(dialog.session().username, kUser);
        QVERIFY(!dialog.session().token.isEmpty());
        QVERIFY(!dialog.rememberMe());
        QVERIFY(!LoginDialog::loadRemembered());
    }

    void unreachableTrackerOffersToHostOne()
    {
        const QUrl url = closedPortUrl();
        LoginDialog dialog(configFor(url));
        Widgets w(dialog);
        QSignalSpy hostRequested(&dialog, &LoginDialog::hostTrackerRequested);
        showAndWait(dialog);
        QVERIFY(w.host->isHidden());
        QTest::keyClicks(w.loginUsername, kUser);
        QTest::keyClicks(w.loginPassword, kPassword);
        QTest::mouseClick(w.submit, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), kTimeoutMs);

        QVERIFY2(w.status->text().startsWith(
                     QStringLiteral("Cannot reach the tracker at %1.").arg(url.toString())),
                 qPrintable(w.status->text()));
        QVERIFY(dialog.isVisible());
        QVERIFY(w.host->isVisible());
        QVERIFY(dialog.isHostOfferVisible());
        test::saveScreenshot(dialog, QStringLiteral("logindialog-unreachable"));

        QTest::mouseClick(w.host, Qt::LeftButton);
        QCOMPARE(hostRequested.count(), 1);
        QVERIFY(dialog.isVisible()); // hosting is the caller's job

        // The caller hosted one: the dialog points at it and logging in works.
        dialog.setTrackerUrl(m_tracker->url());
        QVERIFY(w.host->isHidden());
        QVERIFY(w.status->isHidden());
        QTest::mouseClick(w.submit, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(dialog.result(), int(QDialog::Accepted), kTimeoutMs);
        QCOMPARE(dialog.session().trackerUrl, m_tracker->url());
    }

    void noTrackerConfiguredOffersToHostOne()
    {
        Config config;
        config.tracker.urls.clear();
        LoginDialog dialog(config);
        Widgets w(dialog);
        showAndWait(dialog);
        QCOMPARE(w.url->currentText(), QStringLiteral("http://127.0.0.1:7000"));
        QVERIFY(w.host->isVisible());
        QVERIFY(w.status->text().contains(QStringLiteral("No tracker is configured")));
        test::saveScreenshot(dialog, QStringLiteral("logindialog-no-tracker"));
    }

    void rememberMeKeepsTheTokenNeverThePassword()
    {
        {
            LoginDialog dialog(configFor(m_tracker->url()));
            Widgets w(dialog);
            showAndWait(dialog);
            QVERIFY(!w.rememberMe->isChecked());
            QTest::keyClicks(w.loginUsername, kUser);
            QTest::keyClicks(w.loginPassword, kPassword);
            QTest::mouseClick(w.rememberMe, Qt::LeftButton);
            QVERIFY(dialog.rememberMe());
            QTest::mouseClick(w.submit, Qt::LeftButton);
            QTRY_COMPARE_WITH_TIMEOUT(dialog.result(), int(QDialog::Accepted), kTimeoutMs);

            QFile file(LoginDialog::rememberedLoginPath());
            QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
            const QByteArray stored = file.readAll();
            QVERIFY(stored.contains(dialog.session().token));
            QVERIFY(stored.contains(kUser.toUtf8()));
            QVERIFY(!stored.contains(kPassword.toUtf8()));
            QVERIFY(!stored.toLower().contains("password"));
            QCOMPARE(file.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                     QFileDevice::Permissions());

            const std::optional<gui::RememberedLogin> remembered = LoginDialog::loadRemembered();
            QVERIFY(remembered);
            QCOMPARE(remembered->trackerUrl, m_tracker->url());
            QCOMPARE(remembered->username, kUser);
            QCOMPARE(remembered->token, dialog.session().token);
            QCOMPARE(remembered->expiresAt, dialog.session().expiresAt);
        }
        {
            // The next start fills in what it remembers; unticking forgets it.
            LoginDialog dialog(Config{});
            Widgets w(dialog);
            showAndWait(dialog);
            QCOMPARE(w.url->currentText(), m_tracker->url().toString());
            QCOMPARE(w.loginUsername->text(), kUser);
            QVERIFY(w.rememberMe->isChecked());
            QVERIFY(w.loginPassword->text().isEmpty());
            QTest::mouseClick(w.rememberMe, Qt::LeftButton);
            QTest::keyClicks(w.loginPassword, kPassword);
            QTest::keyClick(w.loginPassword, Qt::Key_Enter);
            QTRY_COMPARE_WITH_TIMEOUT(dialog.result(), int(QDialog::Accepted), kTimeoutMs);
            QVERIFY(!QFile::exists(LoginDialog::rememberedLoginPath()));
        }
        // An expired login is not offered.
        QVERIFY(LoginDialog::saveRemembered(
            {m_tracker->url(), kUser, "abc", QDateTime::currentDateTimeUtc().addSecs(-1)}));
        QVERIFY(!LoginDialog::loadRemembered());
    }

    void escapeCancelsEvenDuringARequest()
    {
        // A server that accepts and never answers keeps the request running.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        const QUrl url(QStringLiteral("http://127.0.0.1:%1").arg(silent.serverPort()));
        LoginDialog dialog(configFor(url));
        Widgets w(dialog);
        showAndWait(dialog);
        QTest::keyClicks(w.loginUsername, kUser);
        QTest::keyClicks(w.loginPassword, kPassword);
        QTest::mouseClick(w.submit, Qt::LeftButton);
        QVERIFY(dialog.isBusy());
        QTRY_VERIFY_WITH_TIMEOUT(silent.hasPendingConnections(), kTimeoutMs);
        QVERIFY(w.cancel->isEnabled());
        QTest::keyClick(&dialog, Qt::Key_Escape);
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QVERIFY(!dialog.isVisible());
        QVERIFY(!dialog.isBusy());
        QTest::qWait(50); // nothing arrives later
    }

    void followsTheLanguage()
    {
        LoginDialog dialog(configFor(m_tracker->url()));
        Widgets w(dialog);
        showAndWait(dialog);
        // Marks that only retranslateUi() / the dialog's retranslation put back.
        w.tabs->setTabText(0, QStringLiteral("x"));
        w.submit->setText(QStringLiteral("x"));
        i18n::install(QStringLiteral("vi"));
        const QString login = QCoreApplication::translate("swarmshare::gui::LoginDialog", "Log in");
        QTRY_COMPARE(w.tabs->tabText(0), QCoreApplication::translate("LoginDialog", "Log in"));
        QCOMPARE(w.submit->text(), login);
        QCOMPARE(dialog.windowTitle(),
                 QCoreApplication::translate("LoginDialog", "Log in to a tracker — Swarmshare"));
        // The message of the moment is translated again too.
        QTest::mouseClick(w.submit, Qt::LeftButton);
        const QString expected =
            QCoreApplication::translate("swarmshare::gui::LoginDialog", "Enter your username.");
        QCOMPARE(w.status->text(), expected);
        test::saveScreenshot(dialog, QStringLiteral("logindialog-vi"));
        i18n::install(QStringLiteral("en"));
        QTRY_COMPARE(w.tabs->tabText(0), QStringLiteral("Log in"));
        QCOMPARE(w.status->text(), QStringLiteral("Enter your username."));
    }
};

QTEST_MAIN(TestLoginDialog)
#include "tst_logindialog.moc"

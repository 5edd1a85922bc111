// SPDX-License-Identifier: GPL-3.0-or-later
#include "gui/dialogs/logindialog.h"

#include "config/config.h"
#include "gui/trackererror.h"
#include "tracker_client/messages.h"
#include "tracker_client/trackerclient.h"
#include "ui_logindialog.h"

#include <QDir>
#include <QEvent>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSettings>
#include <QStandardPaths>

namespace swarmshare::gui {

namespace {

Q_LOGGING_CATEGORY(lcLogin, "swarmshare.gui.login")

using trackerclient::Reply;
using trackerclient::Session;
using trackerclient::TrackerClient;

// The tracker's rule for new passwords (docs/tracker-api.md, POST /auth/register).
constexpr int kMinPasswordLength = 8;
const QColor kErrorColour(0xb3, 0x26, 0x1e);

const QString kGroup = QStringLiteral("rememberedLogin");
const QString kUrlKey = QStringLiteral("trackerUrl");
const QString kUsernameKey = QStringLiteral("username");
const QString kTokenKey = QStringLiteral("token");
const QString kExpiresKey = QStringLiteral("expiresAt");

} // namespace

LoginDialog::LoginDialog(const Config& config, QWidget* parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::LoginDialog>())
{
    m_ui->setupUi(this);
    m_factory = [timeoutMs = config.tracker.requestTimeoutMs](const QUrl& url) {
        TrackerClient::Options options;
        options.urls = {url};
        options.requestTimeoutMs = timeoutMs;
        // The user is waiting and can retry: one pass, no backoff rounds.
        options.retry.rounds = 1;
        return std::make_unique<TrackerClient>(options);
    };

    for (const QString& url : config.tracker.urls)
        m_ui->trackerUrl->addItem(url);
    if (config.tracker.urls.isEmpty())
        m_ui->trackerUrl->addItem(QStringLiteral("http://127.0.0.1:7000"));
    m_ui->trackerUrl->setCurrentIndex(0);

    if (const std::optional<RememberedLogin> remembered = loadRemembered()) {
        m_ui->trackerUrl->setEditText(remembered->trackerUrl.toString());
        m_ui->loginUsername->setText(remembered->username);
        m_ui->rememberMe->setChecked(true);
    }

    connect(m_ui->submitButton, &QPushButton::clicked, this, &LoginDialog::submit);
    connect(m_ui->hostTrackerButton, &QPushButton::clicked, this,
            &LoginDialog::hostTrackerRequested);
    connect(m_ui->modeTabs, &QTabWidget::currentChanged, this, [this] {
        // Carry the name over: someone who just failed to log in often means to register.
        QLineEdit* from = mode() == Mode::Login ? m_ui->registerUsername : m_ui->loginUsername;
        QLineEdit* to = mode() == Mode::Login ? m_ui->loginUsername : m_ui->registerUsername;
        if (to->text().isEmpty())
            to->setText(from->text());
        (to->text().isEmpty()    ? to
         : mode() == Mode::Login ? m_ui->loginPassword
                                 : m_ui->registerPassword)
            ->setFocus();
        clearStatus();
        retranslate();
    });

    if (config.tracker.urls.isEmpty()) {
        setHostOfferVisible(true);
        showStatus(Tone::Progress, [] {
            return tr("No tracker is configured yet. Enter a tracker's address, or host one on "
                      "this computer.");
        });
    }
    (m_ui->loginUsername->text().isEmpty() ? m_ui->loginUsername : m_ui->loginPassword)->setFocus();
    retranslate();
}

LoginDialog::~LoginDialog() = default;

void LoginDialog::setClientFactory(ClientFactory factory)
{
    m_factory = std::move(factory);
}

void LoginDialog::setTrackerUrl(const QUrl& url)
{
    m_ui->trackerUrl->setEditText(url.toString());
    setHostOfferVisible(false);
    clearStatus();
}

bool LoginDialog::rememberMe() const
{
    return m_ui->rememberMe->isChecked();
}

std::unique_ptr<trackerclient::TrackerClient> LoginDialog::takeClient()
{
    return std::move(m_client);
}

bool LoginDialog::isHostOfferVisible() const
{
    return !m_ui->hostTrackerButton->isHidden();
}

LoginDialog::Mode LoginDialog::mode() const
{
    return m_ui->modeTabs->currentWidget() == m_ui->registerTab ? Mode::Register : Mode::Login;
}

void LoginDialog::retranslate()
{
    // The .ui texts are redone by retranslateUi(); these depend on the state.
    m_ui->submitButton->setText(mode() == Mode::Login ? tr("Log in") : tr("Create account"));
    if (m_statusText)
        m_ui->statusLabel->setText(m_statusText());
}

void LoginDialog::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange) {
        // retranslateUi() resets the address field's items' texts, not the typed one.
        const QString url = m_ui->trackerUrl->currentText();
        m_ui->retranslateUi(this);
        m_ui->trackerUrl->setEditText(url);
        retranslate();
    }
    QDialog::changeEvent(event);
}

void LoginDialog::showStatus(Tone tone, std::function<QString()> text)
{
    m_statusText = std::move(text);
    QPalette palette = m_ui->statusLabel->parentWidget()->palette();
    if (tone == Tone::Error)
        palette.setColor(QPalette::WindowText, kErrorColour);
    m_ui->statusLabel->setPalette(palette);
    m_ui->statusLabel->setText(m_statusText());
    m_ui->statusLabel->setVisible(true);
}

void LoginDialog::clearStatus()
{
    m_statusText = nullptr;
    m_ui->statusLabel->clear();
    m_ui->statusLabel->setVisible(false);
}

void LoginDialog::setBusy(bool busy)
{
    m_busy = busy;
    for (QWidget* input :
         {static_cast<QWidget*>(m_ui->trackerUrl), static_cast<QWidget*>(m_ui->modeTabs),
          static_cast<QWidget*>(m_ui->rememberMe), static_cast<QWidget*>(m_ui->submitButton),
          static_cast<QWidget*>(m_ui->hostTrackerButton)})
        input->setEnabled(!busy);
    m_ui->busyIndicator->setVisible(busy);
}

void LoginDialog::setHostOfferVisible(bool visible)
{
    m_ui->hostTrackerButton->setVisible(visible);
}

std::optional<QUrl> LoginDialog::enteredUrl(QString* problem) const
{
    QString text = m_ui->trackerUrl->currentText().trimmed();
    if (text.isEmpty()) {
        *problem = tr("Enter the tracker's address.");
        return std::nullopt;
    }
    // "127.0.0.1:7000" is what people type; the tracker speaks HTTP.
    if (!text.contains(QLatin1String("://")))
        text.prepend(QLatin1String("http://"));
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || url.host().isEmpty() ||
        (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
        *problem = tr("“%1” is not a tracker address: use http://host:port or https://host:port.")
                       .arg(m_ui->trackerUrl->currentText().trimmed());
        return std::nullopt;
    }
    return url;
}

void LoginDialog::submit()
{
    if (m_busy)
        return;
    const Mode current = mode();
    QLineEdit* usernameField =
        current == Mode::Login ? m_ui->loginUsername : m_ui->registerUsername;
    QLineEdit* passwordField =
        current == Mode::Login ? m_ui->loginPassword : m_ui->registerPassword;

    // Checked here first: every one of these would only cost a round trip to be refused. The
    // messages are functions so that a change of language translates the one on screen too.
    const auto refuse = [this](QWidget* field, std::function<QString()> message) {
        showStatus(Tone::Error, std::move(message));
        field->setFocus();
    };
    QString problem;
    const std::optional<QUrl> url = enteredUrl(&problem);
    if (!url)
        return refuse(m_ui->trackerUrl, [this] {
            QString again;
            enteredUrl(&again);
            return again;
        });
    const QString username = usernameField->text().trimmed();
    const QString password = passwordField->text();
    if (username.isEmpty())
        return refuse(usernameField, [current] {
            return current == Mode::Login ? tr("Enter your username.") : tr("Choose a username.");
        });
    if (password.isEmpty())
        return refuse(passwordField, [current] {
            return current == Mode::Login ? tr("Enter your password.") : tr("Choose a password.");
        });
    if (current == Mode::Register) {
        if (password.size() < kMinPasswordLength)
            return refuse(passwordField, [] {
                return tr("The password is too short: use at least %1 characters.")
                    .arg(kMinPasswordLength);
            });
        if (password != m_ui->registerConfirm->text())
            return refuse(m_ui->registerConfirm, [] { return tr("The passwords do not match."); });
    }

    m_requestUrl = *url;
    m_client.reset(); // cancels nothing: no request runs when not busy
    m_client = m_factory(m_requestUrl);
    setBusy(true);
    if (current == Mode::Login)
        return startLogin(username, password);

    const QString shown = m_requestUrl.toDisplayString();
    showStatus(Tone::Progress, [shown] { return tr("Creating the account on %1…").arg(shown); });
    qCInfo(lcLogin).noquote() << "creating the account" << username << "on" << shown;
    m_client->registerAccount(username, password,
                              [this, username, password](const Reply<QString>& reply) {
                                  if (!reply)
                                      return failed(reply.error(), reply.status(), username);
                                  startLogin(reply->isEmpty() ? username : *reply, password);
                              });
}

void LoginDialog::startLogin(const QString& username, const QString& password)
{
    const QString shown = m_requestUrl.toDisplayString();
    showStatus(Tone::Progress, [shown] { return tr("Logging in to %1…").arg(shown); });
    qCInfo(lcLogin).noquote() << "logging in as" << username << "to" << shown;
    m_client->login(username, password, [this, username](const Reply<Session>& reply) {
        if (!reply)
            return failed(reply.error(), reply.status(), username);
        loggedIn({m_requestUrl, reply->username.isEmpty() ? username : reply->username,
                  reply->token, reply->expiresAt});
    });
}

void LoginDialog::loggedIn(const TrackerLogin& login)
{
    m_session = login;
    setBusy(false);
    for (QLineEdit* field : {m_ui->loginPassword, m_ui->registerPassword, m_ui->registerConfirm})
        field->clear();
    if (rememberMe()) {
        if (const Result<void> saved = saveRemembered(login); !saved)
            qCWarning(lcLogin).noquote() << "cannot remember the login:" << saved.error().message;
    } else {
        forget();
    }
    qCInfo(lcLogin).noquote() << "logged in as" << login.username << "to"
                              << login.trackerUrl.toDisplayString();
    clearStatus();
    accept();
}

void LoginDialog::failed(const Error& error, int status, const QString& username)
{
    qCInfo(lcLogin).noquote() << "tracker request failed:" << error.code << status << error.message;
    setBusy(false);
    const bool unreachable =
        error.code == QStringView(trackerclient::errorcode::kUnavailable) && status == 0;
    if (unreachable)
        setHostOfferVisible(true);
    showStatus(Tone::Error,
               [this, error, status, username] { return describe(error, status, username); });
    QLineEdit* field = mode() == Mode::Login ? m_ui->loginPassword : m_ui->registerPassword;
    if (error.code == u"conflict")
        field = m_ui->registerUsername;
    if (unreachable) {
        m_ui->trackerUrl->setFocus();
    } else {
        field->setFocus();
        field->selectAll();
    }
}

QString LoginDialog::describe(const Error& error, int status, const QString& username) const
{
    return TrackerError::describe(
        error, status, m_requestUrl.toDisplayString(), [&](const QString& key) {
            if (key == u"unreachable")
                return tr("Cannot reach the tracker at %1. Check the address, or host a tracker "
                          "on this computer.")
                    .arg(m_requestUrl.toDisplayString());
            if (key == QStringView(trackerclient::errorcode::kUnauthenticated))
                return tr("Wrong username or password.");
            if (key == u"conflict")
                return tr("The username “%1” is already taken. Choose another one, or log in if "
                          "it is yours.")
                    .arg(username);
            if (key == u"invalid_argument")
                return tr("The tracker did not accept these details.");
            return QString();
        });
}

void LoginDialog::reject()
{
    if (m_busy) {
        qCInfo(lcLogin) << "login cancelled";
        m_client.reset(); // cancels the request; its callback is not called
        setBusy(false);
        clearStatus();
    }
    QDialog::reject();
}

// --- remember me ------------------------------------------------------------------------------

QString LoginDialog::rememberedLoginPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation))
        .filePath(QStringLiteral("login.ini"));
}

std::optional<RememberedLogin> LoginDialog::loadRemembered()
{
    const QString path = rememberedLoginPath();
    if (!QFileInfo::exists(path))
        return std::nullopt;
    QSettings settings(path, QSettings::IniFormat);
    settings.beginGroup(kGroup);
    RememberedLogin login{
        QUrl(settings.value(kUrlKey).toString(), QUrl::StrictMode),
        settings.value(kUsernameKey).toString(), settings.value(kTokenKey).toString().toLatin1(),
        QDateTime::fromString(settings.value(kExpiresKey).toString(), Qt::ISODateWithMs)};
    if (!login.trackerUrl.isValid() || login.username.isEmpty() || login.token.isEmpty())
        return std::nullopt;
    if (login.isExpired()) {
        qCInfo(lcLogin) << "the remembered login has expired";
        return std::nullopt;
    }
    return login;
}

Result<void> LoginDialog::saveRemembered(const RememberedLogin& login)
{
    const QString path = rememberedLoginPath();
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return makeError(QStringLiteral("cannot create the folder of %1").arg(path));
    // The token is a credential: owner-only from the first byte (QSettings keeps the mode of the
    // file it replaces).
    {
        QFile file(path);
        if (!file.exists() && !file.open(QIODevice::WriteOnly))
            return makeError(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        file.close();
        file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    }
    QSettings settings(path, QSettings::IniFormat);
    settings.beginGroup(kGroup);
    settings.setValue(kUrlKey, login.trackerUrl.toString());
    settings.setValue(kUsernameKey, login.username);
    settings.setValue(kTokenKey, QString::fromLatin1(login.token));
    settings.setValue(kExpiresKey, login.expiresAt.toUTC().toString(Qt::ISODateWithMs));
    settings.endGroup();
    settings.sync();
    QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (settings.status() != QSettings::NoError)
        return makeError(QStringLiteral("cannot write %1").arg(path));
    return {};
}

void LoginDialog::forget()
{
    const QString path = rememberedLoginPath();
    if (QFileInfo::exists(path) && !QFile::remove(path))
        qCWarning(lcLogin).noquote() << "cannot remove" << path;
}

} // namespace swarmshare::gui

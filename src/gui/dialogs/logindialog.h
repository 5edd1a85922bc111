// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QDialog>
#include <QString>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>

namespace Ui {
class LoginDialog;
}

namespace swarmshare {
struct Config;
namespace trackerclient {
class TrackerClient;
}
} // namespace swarmshare

namespace swarmshare::gui {

// A session on a tracker: what a successful login gives, and all that "remember me" keeps.
// Never a password.
struct TrackerLogin {
    QUrl trackerUrl;
    QString username;
    QByteArray token; // "Authorization: Bearer <token>"; TrackerClient::setToken()
    QDateTime expiresAt;

    bool isExpired(const QDateTime& now = QDateTime::currentDateTimeUtc()) const
    {
        return expiresAt.isValid() && expiresAt <= now;
    }
};
using RememberedLogin = TrackerLogin;

// The login / create-account dialog shown on first start (issue 7). The tracker address is
// prefilled from `tracker.urls` (first entry; the others are in the drop-down) or
// http://127.0.0.1:7000. Requests go through a TrackerClient for the entered address, created
// on each submit (setClientFactory() replaces how), asynchronously: while one runs the inputs
// are disabled and a busy bar shows; Cancel aborts it. Creating an account logs in with it
// afterwards. Errors from the tracker are shown in the dialog, which stays open; when the
// tracker cannot be reached (or none is configured) the "Host a tracker on this computer"
// button appears, which emits hostTrackerRequested() — hosting is the caller's job (it then
// calls setTrackerUrl() with the hosted tracker's address).
//
// On success the dialog accepts; session() has the token. "Remember me": the dialog itself
// saves the session with saveRemembered() when the box is ticked, and forget()s any earlier
// one when it is not. The remembered login is a QSettings INI file in the user's config folder
// (rememberedLoginPath(), mode 0600) holding the tracker URL, username, token and expiry; the
// password is never written anywhere and is cleared from the fields after the request.
class LoginDialog : public QDialog {
    Q_OBJECT

public:
    using ClientFactory =
        std::function<std::unique_ptr<trackerclient::TrackerClient>(const QUrl& trackerUrl)>;

    explicit LoginDialog(const Config& config, QWidget* parent = nullptr);
    ~LoginDialog() override;

    // Replaces how the client for an entered address is made (default: a TrackerClient for that
    // one URL, `tracker.requestTimeoutMs`, a single pass with no failover).
    void setClientFactory(ClientFactory factory);
    // Puts `url` in the address field, hides the host offer and clears the message (after the
    // caller started hosting a tracker, for example).
    void setTrackerUrl(const QUrl& url);

    // After accept(): the session the tracker gave.
    const TrackerLogin& session() const { return m_session; }
    bool rememberMe() const;
    // After accept(): the client that logged in (its token set), for the caller to keep using.
    std::unique_ptr<trackerclient::TrackerClient> takeClient();
    bool isBusy() const { return m_busy; }
    bool isHostOfferVisible() const;

    // "Remember me" storage. load: the saved login, or nothing when there is none, it is
    // incomplete or it has expired.
    static std::optional<RememberedLogin> loadRemembered();
    static Result<void> saveRemembered(const RememberedLogin& login);
    static void forget();
    static QString rememberedLoginPath();

public Q_SLOTS:
    // Log in or create the account, as the current tab says (Enter does the same).
    void submit();
    void reject() override;

Q_SIGNALS:
    // The user asked to host a tracker on this computer.
    void hostTrackerRequested();

protected:
    void changeEvent(QEvent* event) override;

private:
    enum class Mode { Login, Register };
    enum class Tone { Progress, Error };

    Mode mode() const;
    void retranslate();
    // Shows a message; `text` is called again after a language change.
    void showStatus(Tone tone, std::function<QString()> text);
    void clearStatus();
    void setBusy(bool busy);
    void setHostOfferVisible(bool visible);
    std::optional<QUrl> enteredUrl(QString* problem) const;
    void startLogin(const QString& username, const QString& password);
    void loggedIn(const TrackerLogin& login);
    void failed(const Error& error, int status, const QString& username);
    QString describe(const Error& error, int status, const QString& username) const;

    std::unique_ptr<Ui::LoginDialog> m_ui;
    ClientFactory m_factory;
    std::unique_ptr<trackerclient::TrackerClient> m_client;
    QUrl m_requestUrl;
    TrackerLogin m_session;
    std::function<QString()> m_statusText;
    bool m_busy = false;
};

} // namespace swarmshare::gui

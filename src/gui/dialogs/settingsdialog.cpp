// SPDX-License-Identifier: GPL-3.0-or-later
#include "gui/dialogs/settingsdialog.h"

#include "common/i18n.h"
#include "ui_settingsdialog.h"

#include <QEvent>
#include <QFileDialog>
#include <QPalette>
#include <QPushButton>

#include <algorithm>
#include <array>

namespace swarmshare::gui {

namespace {

// The language box's items, in the order of ui/settingsdialog.ui.
const std::array<QString, 3> kLanguages = {QStringLiteral("en"), QStringLiteral("vi"),
                                           QStringLiteral("system")};
const QColor kErrorColour(0xb3, 0x26, 0x1e);
constexpr qint64 kKiB = 1024;

// "127.0.0.1:7070", "[::1]:7070" -> "127.0.0.1:" / "[::1]:" and 7070. Config::load() checked
// the address; anything else keeps the text as the host part.
struct ListenAddress {
    QString prefix;
    int port = 0;
};

ListenAddress splitListen(const QString& text)
{
    const qsizetype colon = text.lastIndexOf(u':');
    bool ok = false;
    const int port = colon > 0 ? text.mid(colon + 1).toInt(&ok) : 0;
    if (!ok)
        return {text + u':', 0};
    return {text.left(colon + 1), port};
}

const ConfigKey* configKey(QStringView path)
{
    for (const ConfigKey& key : ConfigKey::all())
        if (key.path == path)
            return &key;
    return nullptr;
}

int toKiB(qint64 bytesPerSecond)
{
    // Round up: a small limit must not show as "unlimited".
    return int(std::min<qint64>((bytesPerSecond + kKiB - 1) / kKiB, 2'000'000));
}

} // namespace

SettingsDialog::SettingsDialog(const Config& config, QWidget* parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::SettingsDialog>())
    , m_config(config)
{
    m_ui->setupUi(this);
    QPalette palette = m_ui->statusLabel->palette();
    palette.setColor(QPalette::WindowText, kErrorColour);
    m_ui->statusLabel->setPalette(palette);
    m_ui->downloadDir->setPlaceholderText(Config().effectiveDownloadDir());

    load(config);

    connect(m_ui->browseButton, &QPushButton::clicked, this, &SettingsDialog::browseDownloadDir);
    connect(m_ui->buttons, &QDialogButtonBox::clicked, this, &SettingsDialog::buttonClicked);
    connect(m_ui->buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
}

SettingsDialog::~SettingsDialog() = default;

void SettingsDialog::load(const Config& config)
{
    const auto language = std::find(kLanguages.begin(), kLanguages.end(), config.gui.language);
    // An unknown language (none: Config::load() checks) shows as "System default".
    m_ui->language->setCurrentIndex(language == kLanguages.end()
                                        ? int(kLanguages.size()) - 1
                                        : int(language - kLanguages.begin()));
    m_ui->downloadDir->setText(config.downloadDir);
    m_ui->closeToTray->setChecked(config.gui.closeToTray);

    m_ui->listenPort->setValue(config.peer.listenPort);
    m_loadedDownloadLimit = config.peer.downloadRateLimit;
    m_loadedUploadLimit = config.peer.uploadRateLimit;
    m_ui->downloadRateLimit->setValue(toKiB(config.peer.downloadRateLimit));
    m_ui->uploadRateLimit->setValue(toKiB(config.peer.uploadRateLimit));
    m_ui->trackerUrls->setPlainText(config.tracker.urls.join(u'\n'));

    m_ui->hostTracker->setChecked(config.gui.hostTracker);
    m_ui->mainPort->setValue(splitListen(config.trackerServer.listen).port);
    m_ui->backupPort->setValue(splitListen(config.trackerServer.backupListen).port);
    m_ui->proxyPort->setValue(splitListen(config.trackerServer.proxyListen).port);
}

QString SettingsDialog::languageCode() const
{
    const int index = m_ui->language->currentIndex();
    return index >= 0 && index < int(kLanguages.size()) ? kLanguages[size_t(index)]
                                                        : QStringLiteral("system");
}

Config SettingsDialog::collect(Problem* problem) const
{
    Config config = m_config;
    config.gui.language = languageCode();
    config.downloadDir = m_ui->downloadDir->text().trimmed();
    config.gui.closeToTray = m_ui->closeToTray->isChecked();

    config.peer.listenPort = m_ui->listenPort->value();
    const auto limit = [](const QSpinBox* box, qint64 loaded) {
        return box->value() == toKiB(loaded) ? loaded : qint64(box->value()) * kKiB;
    };
    config.peer.downloadRateLimit = limit(m_ui->downloadRateLimit, m_loadedDownloadLimit);
    config.peer.uploadRateLimit = limit(m_ui->uploadRateLimit, m_loadedUploadLimit);

    config.tracker.urls.clear();
    const ConfigKey* urlKey = configKey(u"tracker.urls");
    const QStringList lines = m_ui->trackerUrls->toPlainText().split(u'\n');
    for (const QString& line : lines) {
        const QString url = line.trimmed();
        if (url.isEmpty() || config.tracker.urls.contains(url))
            continue;
        if (problem && !problem->text && urlKey && urlKey->check && !urlKey->check(url).isEmpty()) {
            problem->text = [check = urlKey->check, url] { return check(url); };
            problem->field = m_ui->trackerUrls;
        }
        config.tracker.urls.append(url);
    }

    config.gui.hostTracker = m_ui->hostTracker->isChecked();
    const auto listen = [](const QString& old, const QSpinBox* box) {
        return splitListen(old).prefix + QString::number(box->value());
    };
    config.trackerServer.listen = listen(m_config.trackerServer.listen, m_ui->mainPort);
    config.trackerServer.backupListen =
        listen(m_config.trackerServer.backupListen, m_ui->backupPort);
    config.trackerServer.proxyListen = listen(m_config.trackerServer.proxyListen, m_ui->proxyPort);

    if (problem && !problem->text) {
        const int main = m_ui->mainPort->value();
        const int backup = m_ui->backupPort->value();
        const int proxy = m_ui->proxyPort->value();
        const int peer = m_ui->listenPort->value();
        if (main == backup || main == proxy || backup == proxy) {
            const int port = main == backup || main == proxy ? main : backup;
            problem->text = [port] {
                return tr("The main tracker, the backup tracker and the proxy need three "
                          "different ports; %1 is used twice.")
                    .arg(port);
            };
            problem->field = main == proxy ? m_ui->proxyPort : m_ui->backupPort;
        } else if (config.gui.hostTracker && peer != 0 &&
                   (peer == main || peer == backup || peer == proxy)) {
            problem->text = [peer] {
                return tr("Port %1 is both the listen port and a tracker port.").arg(peer);
            };
            problem->field = m_ui->listenPort;
        }
    }
    return config;
}

Config SettingsDialog::edited(QString* problem) const
{
    Problem found;
    Config config = collect(&found);
    if (problem)
        *problem = found.text ? found.text() : QString();
    return config;
}

bool SettingsDialog::apply()
{
    Problem problem;
    const Config config = collect(&problem);
    if (problem.text) {
        showProblem(problem);
        return false;
    }
    clearProblem();
    const bool languageChanged = config.gui.language != m_config.gui.language;
    m_config = config;
    m_loadedDownloadLimit = config.peer.downloadRateLimit;
    m_loadedUploadLimit = config.peer.uploadRateLimit;
    // Show what was kept (duplicates and blank lines dropped).
    m_ui->trackerUrls->setPlainText(config.tracker.urls.join(u'\n'));
    if (languageChanged)
        i18n::install(config.gui.language);
    Q_EMIT applied(m_config);
    return true;
}

void SettingsDialog::accept()
{
    if (apply())
        QDialog::accept();
}

void SettingsDialog::buttonClicked(QAbstractButton* button)
{
    switch (m_ui->buttons->standardButton(button)) {
    case QDialogButtonBox::Ok:
        accept();
        break;
    case QDialogButtonBox::Apply:
        apply();
        break;
    default:
        break;
    }
}

void SettingsDialog::browseDownloadDir()
{
    const QString current = m_ui->downloadDir->text().trimmed();
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Download folder"),
        current.isEmpty() ? m_ui->downloadDir->placeholderText() : current);
    if (!dir.isEmpty())
        m_ui->downloadDir->setText(dir);
}

void SettingsDialog::showProblem(const Problem& problem)
{
    m_problemText = problem.text;
    m_ui->statusLabel->setText(m_problemText());
    m_ui->statusLabel->setVisible(true);
    if (problem.field) {
        for (QWidget* page = problem.field->parentWidget(); page; page = page->parentWidget()) {
            if (const int index = m_ui->pages->indexOf(page); index >= 0) {
                m_ui->pages->setCurrentIndex(index);
                break;
            }
        }
        problem.field->setFocus();
    }
}

void SettingsDialog::clearProblem()
{
    m_problemText = {};
    m_ui->statusLabel->clear();
    m_ui->statusLabel->setVisible(false);
}

void SettingsDialog::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange) {
        m_ui->retranslateUi(this);
        if (m_problemText)
            m_ui->statusLabel->setText(m_problemText());
    }
    QDialog::changeEvent(event);
}

} // namespace swarmshare::gui

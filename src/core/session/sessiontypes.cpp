// SPDX-License-Identifier: GPL-3.0-or-later
#include "session/sessiontypes.h"

#include "common/netaddress.h"

#include <QDir>
#include <QRandomGenerator>

#include <swarmshare/version.h>

namespace swarmshare::session {

SessionOptions SessionOptions::fromConfig(const Config& config)
{
    SessionOptions options;
    options.listenPort = quint16(config.peer.listenPort);
    options.maxConnections = config.peer.maxConnections;
    options.maxConnectionsPerTorrent = config.peer.maxConnectionsPerTorrent;
    options.uploadSlots = config.peer.uploadSlots;
    options.maxActiveDownloads = config.peer.maxActiveDownloads;
    options.downloadRateLimit = config.peer.downloadRateLimit;
    options.uploadRateLimit = config.peer.uploadRateLimit;
    options.resumeDir = QDir(config.effectiveDataDir()).filePath(QStringLiteral("resume"));
    return options;
}

QString Endpoint::key() const
{
    return endpointText(address, port);
}

std::optional<Endpoint> parseEndpoint(const QString& text)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return std::nullopt;
    QString host = text.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    bool ok = false;
    const uint port = text.mid(colon + 1).toUInt(&ok);
    QHostAddress address;
    if (!ok || port == 0 || port > 65535 || !address.setAddress(host))
        return std::nullopt;
    return Endpoint{plainAddress(address), quint16(port)};
}

QString stateName(TorrentState state)
{
    switch (state) {
    case TorrentState::Checking:
        return QStringLiteral("checking");
    case TorrentState::Queued:
        return QStringLiteral("queued");
    case TorrentState::Downloading:
        return QStringLiteral("downloading");
    case TorrentState::Seeding:
        return QStringLiteral("seeding");
    case TorrentState::Paused:
        return QStringLiteral("paused");
    case TorrentState::Error:
        return QStringLiteral("error");
    }
    return QString();
}

QString clientName(const QByteArray& peerId)
{
    if (peerId.size() != 20)
        return QString();
    if (peerId.startsWith("A2-")) { // aria2: "A2-1-36-0-..."
        const QList<QByteArray> parts = peerId.mid(3).split('-');
        if (parts.size() >= 3)
            return QStringLiteral("aria2 %1.%2.%3")
                .arg(QString::fromLatin1(parts[0]), QString::fromLatin1(parts[1]),
                     QString::fromLatin1(parts[2]));
        return QStringLiteral("aria2");
    }
    if (peerId.at(0) != '-' || peerId.at(7) != '-')
        return QString();
    static const QHash<QByteArray, QString> names{
        {"SS", QStringLiteral("Swarmshare")},   {"LT", QStringLiteral("libtorrent")},
        {"lt", QStringLiteral("rTorrent")},     {"qB", QStringLiteral("qBittorrent")},
        {"TR", QStringLiteral("Transmission")}, {"UT", QStringLiteral("\u00b5Torrent")},
        {"DE", QStringLiteral("Deluge")},       {"AZ", QStringLiteral("Vuze")},
        {"BT", QStringLiteral("BitTorrent")},   {"KT", QStringLiteral("KTorrent")},
    };
    const QString name = names.value(peerId.mid(1, 2));
    if (name.isEmpty())
        return QString::fromLatin1(peerId.mid(1, 6));
    // Version digits: "1234" -> 1.2.3.4; libtorrent and Swarmshare use base 36 per digit.
    QStringList parts;
    for (int i = 3; i < 7; ++i) {
        const char c = peerId.at(i);
        if (c >= '0' && c <= '9')
            parts << QString::number(c - '0');
        else if (c >= 'A' && c <= 'Z')
            parts << QString::number(c - 'A' + 10);
        else
            return name;
    }
    while (parts.size() > 3 && parts.last() == QLatin1String("0"))
        parts.removeLast();
    return QStringLiteral("%1 %2").arg(name, parts.join(QLatin1Char('.')));
}

QByteArray makePeerId()
{
    auto digit = [](int v) { return char(v < 10 ? '0' + v : 'A' + v - 10); };
    QByteArray id("-SS");
    id += digit(SWARMSHARE_VERSION_MAJOR % 36);
    id += digit(SWARMSHARE_VERSION_MINOR % 36);
    id += digit(SWARMSHARE_VERSION_PATCH % 36);
    id += "0-";
    static constexpr char kAlphabet[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    QRandomGenerator* random = QRandomGenerator::system();
    while (id.size() < 20)
        id += kAlphabet[random->bounded(int(sizeof(kAlphabet) - 1))];
    return id;
}

} // namespace swarmshare::session

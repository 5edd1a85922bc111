// SPDX-License-Identifier: GPL-3.0-or-later
// `swarmshare seed FILE.torrent --data DIR` and `swarmshare get FILE.torrent -o DIR`: the peer
// engine without the GUI, for scripts, servers and tests.
#include "app/signalwatcher.h"
#include "app/verb.h"
#include "common/logging.h"
#include "common/units.h"
#include "session/sessionhost.h"
#include "torrent/metainfo.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <csignal>
#include <optional>

namespace swarmshare::app {

namespace {

using session::SessionSnapshot;
using session::TorrentSnapshot;

class TransferVerb : public Verb {
    Q_DECLARE_TR_FUNCTIONS(TransferVerb)

public:
    enum class Mode { Get, Seed };

    explicit TransferVerb(Mode mode)
        : m_mode(mode)
    {}

    QString name() const override
    {
        return m_mode == Mode::Get ? QStringLiteral("get") : QStringLiteral("seed");
    }

    QString summary() const override
    {
        return m_mode == Mode::Get
                   ? tr("Download a torrent from its peers, verifying every piece.")
                   : tr("Share complete data with the peers of a torrent until stopped.");
    }

    void configure(QCommandLineParser& parser) const override
    {
        parser.addPositionalArgument(QStringLiteral("FILE.torrent"), tr("The .torrent file."));
        if (m_mode == Mode::Get) {
            parser.addOptions({
                {{QStringLiteral("o"), QStringLiteral("output")},
                 tr("The folder to download into (the torrent's name is created inside it)."),
                 QStringLiteral("DIR")},
                {QStringLiteral("keep-seeding"),
                 tr("Once complete, keep sharing the data until stopped (SIGINT/SIGTERM).")},
                {QStringLiteral("download-limit"),
                 tr("Download at most this many bytes per second (suffix K, M or G)."),
                 QStringLiteral("RATE")},
            });
        } else {
            parser.addOption(
                {QStringLiteral("data"),
                 tr("The folder that holds the data (the torrent's name is inside it)."),
                 QStringLiteral("DIR")});
        }
        parser.addOptions({
            {QStringLiteral("port"),
             tr("The port to listen on for peers; 0 picks a free one (default: peer.listenPort)."),
             QStringLiteral("N")},
            {QStringLiteral("tracker"),
             tr("Tracker URL, instead of the .torrent's trackers (may be repeated)."),
             QStringLiteral("URL")},
            {QStringLiteral("user"),
             tr("Log in to a Swarmshare tracker with this account and use its peer API."),
             QStringLiteral("NAME")},
            {QStringLiteral("password-file"),
             tr("The file whose first line is the account's password."), QStringLiteral("FILE")},
            {QStringLiteral("peer"), tr("Also connect to this peer (may be repeated)."),
             QStringLiteral("ADDR:PORT")},
            {QStringLiteral("upload-limit"),
             tr("Upload at most this many bytes per second (suffix K, M or G)."),
             QStringLiteral("RATE")},
            {QStringLiteral("json"), tr("Print a summary as a JSON object at the end.")},
        });
    }

    int run(VerbContext& context) override
    {
        std::optional<int> status = prepare(context);
        if (status)
            return *status;
        return transfer(context);
    }

private:
    // Validates the command line into m_options/m_params; an exit status on failure.
    std::optional<int> prepare(VerbContext& context)
    {
        const QCommandLineParser& parser = context.parser();
        const Config& config = context.config();
        const QStringList positional = parser.positionalArguments();
        if (positional.size() != 1)
            return context.usageError(positional.isEmpty()
                                          ? tr("missing the .torrent file")
                                          : tr("unexpected argument '%1'").arg(positional.at(1)));
        const QString dirOption =
            m_mode == Mode::Get ? QStringLiteral("output") : QStringLiteral("data");
        m_params.saveDir = parser.value(dirOption);
        if (m_params.saveDir.isEmpty())
            return context.usageError(
                m_mode == Mode::Get ? tr("missing -o DIR: the folder to download into")
                                    : tr("missing --data DIR: the folder that holds the data"));
        if (m_mode == Mode::Seed && !QFileInfo(m_params.saveDir).isDir())
            return context.failure(tr("%1 is not a folder").arg(m_params.saveDir));
        if (m_mode == Mode::Get && !QDir().mkpath(m_params.saveDir))
            return context.failure(tr("cannot create the folder %1").arg(m_params.saveDir));

        int port = config.peer.listenPort;
        if (parser.isSet(QStringLiteral("port"))) {
            bool ok = false;
            port = parser.value(QStringLiteral("port")).toInt(&ok);
            if (!ok || port < 0 || port > 65535)
                return context.usageError(tr("--port needs a number from 0 to 65535"));
        }
        m_options = session::SessionOptions::fromConfig(config);
        m_options.listenPort = quint16(port);
        for (const auto& [option, target] :
             {std::pair{QStringLiteral("download-limit"), &m_options.downloadRateLimit},
              std::pair{QStringLiteral("upload-limit"), &m_options.uploadRateLimit}}) {
            if (!parser.optionNames().contains(option))
                continue;
            const std::optional<qint64> rate = Units::parseBytes(parser.value(option));
            if (!rate)
                return context.usageError(
                    tr("--%1 needs bytes per second, e.g. 500K or 10M").arg(option));
            *target = *rate;
        }

        for (const QString& text : parser.values(QStringLiteral("peer"))) {
            const std::optional<session::Endpoint> endpoint = session::parseEndpoint(text);
            if (!endpoint)
                return context.usageError(tr("--peer needs ADDR:PORT, not '%1'").arg(text));
            m_params.peers.append(*endpoint);
        }

        QList<QUrl> trackers;
        for (const QString& text : parser.values(QStringLiteral("tracker"))) {
            const QUrl url(text, QUrl::StrictMode);
            if (!url.isValid() ||
                (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
                return context.usageError(tr("--tracker needs an http(s) URL, not '%1'").arg(text));
            trackers.append(url);
        }
        const QString user = parser.value(QStringLiteral("user"));
        const QString passwordFile = parser.value(QStringLiteral("password-file"));
        if (user.isEmpty() != passwordFile.isEmpty())
            return context.usageError(tr("--user and --password-file go together"));
        if (!user.isEmpty()) {
            if (trackers.isEmpty()) {
                for (const QString& url : config.tracker.urls)
                    trackers.append(QUrl(url));
            }
            if (trackers.isEmpty())
                return context.usageError(tr("--user needs a tracker: --tracker URL"));
            const Result<QByteArray> line = readFirstLine(passwordFile);
            if (!line)
                return context.failure(line.error().message);
            m_options.password = QString::fromUtf8(*line);
            if (m_options.password.isEmpty())
                return context.failure(tr("the password file %1 is empty").arg(passwordFile));
            m_options.username = user;
            // The account API lives at the tracker's root; accept its /announce URL too.
            for (QUrl url : std::as_const(trackers)) {
                if (url.path().endsWith(QLatin1String("/announce")))
                    url.setPath(url.path().chopped(int(qstrlen("/announce"))));
                m_options.trackerUrls.append(url);
            }
        } else {
            for (QUrl url : std::as_const(trackers)) {
                if (url.path().isEmpty() || url.path() == QLatin1String("/"))
                    url.setPath(QStringLiteral("/announce"));
                m_options.announceUrls.append(url);
            }
        }

        Result<QByteArray> bytes = torrent::Metainfo::readFile(positional.constFirst());
        if (!bytes)
            return context.failure(bytes.error().message);
        m_params.metainfo = *bytes;
        Result<torrent::Metainfo> meta = torrent::Metainfo::parse(m_params.metainfo);
        if (!meta)
            return context.failure(tr("%1 is not a valid torrent: %2")
                                       .arg(positional.constFirst(), meta.error().message));
        m_name = meta->name();
        m_infoHash = meta->infoHash();
        return std::nullopt;
    }

    int transfer(VerbContext& context)
    {
        // On a terminal the progress line is the display and the log goes to its file only.
        m_tty = isatty(STDERR_FILENO) != 0;
        startLogging(context.config(), !m_tty);
        session::SessionHost host(m_options);
        const Result<quint16> port = host.start();
        if (!port)
            return context.failure(port.error().message);
        // Scripts and tests read the port (0 picks one) from this line.
        context.err() << QStringLiteral("swarmshare %1: listening for peers on port %2\n")
                             .arg(name())
                             .arg(*port);
        context.err().flush();

        QElapsedTimer clock;
        clock.start();
        std::optional<qint64> finishedAfterMs;
        int status = 0;
        QString failure;
        bool stopping = false;
        auto stop = [&](int exitStatus, const QString& message) {
            if (failure.isEmpty())
                failure = message;
            status = std::max(status, exitStatus);
            if (!stopping) {
                stopping = true;
                host.shutdown();
            }
        };

        host.addTorrent(m_params, [&](const Result<QByteArray>& added) {
            if (!added)
                stop(1, added.error().message);
        });
        QObject::connect(&host, &session::SessionHost::torrentError,
                         [&](const QByteArray&, const QString& message) { stop(1, message); });
        QObject::connect(&host, &session::SessionHost::trackerError,
                         [&](const QString& message, bool fatal) {
                             if (fatal)
                                 stop(1, tr("tracker: %1").arg(message));
                             else
                                 qCWarning(lcSession).noquote() << "tracker:" << message;
                         });
        QObject::connect(&host, &session::SessionHost::torrentFinished, [&] {
            if (!finishedAfterMs)
                finishedAfterMs = clock.elapsed();
            if (m_mode == Mode::Get && !context.parser().isSet(QStringLiteral("keep-seeding")))
                stop(0, QString());
        });
        QObject::connect(
            &host, &session::SessionHost::snapshotReady, [&](const SessionSnapshot& snapshot) {
                const TorrentSnapshot* t = find(snapshot);
                if (!t)
                    return;
                // Seeding needs the whole data: say so instead of downloading.
                if (m_mode == Mode::Seed && t->state != session::TorrentState::Checking &&
                    t->state != session::TorrentState::Seeding &&
                    t->state != session::TorrentState::Error)
                    stop(1, tr("the data in %1 is not complete: %2 of %3 pieces are "
                               "good (swarmshare get completes it)")
                                .arg(m_params.saveDir)
                                .arg(t->have.count())
                                .arg(t->pieceCount));
                if (m_tty)
                    drawProgress(context, *t);
            });
        QObject::connect(&host, &session::SessionHost::shutdownFinished,
                         [] { QCoreApplication::quit(); });
        SignalWatcher signals_({SIGINT, SIGTERM});
        QObject::connect(&signals_, &SignalWatcher::received, [&](int number) {
            qCInfo(lcSession) << "signal" << number << "received: stopping";
            stop(0, QString());
        });

        QCoreApplication::exec();
        if (m_tty) {
            context.err() << '\r' << "\x1b[K";
            context.err().flush();
        }

        const TorrentSnapshot* t = find(host.lastSnapshot());
        const bool complete = t && t->state == session::TorrentState::Seeding &&
                              t->have.size() > 0 && t->wantedDone == t->wantedSize;
        const qint64 elapsed = finishedAfterMs.value_or(clock.elapsed());
        report(context, t, complete, elapsed);
        if (!failure.isEmpty())
            return context.failure(failure);
        if (!complete) {
            if (m_mode == Mode::Get)
                context.err() << tr("swarmshare get: stopped before the download was complete; "
                                    "run the same command again to resume")
                              << '\n';
            return 1;
        }
        return status;
    }

    const TorrentSnapshot* find(const SessionSnapshot& snapshot) const
    {
        for (const TorrentSnapshot& t : snapshot.torrents) {
            if (t.infoHash == m_infoHash)
                return &t;
        }
        return nullptr;
    }

    void drawProgress(VerbContext& context, const TorrentSnapshot& t)
    {
        QString line;
        if (t.state == session::TorrentState::Checking) {
            line = tr("%1: checking existing data").arg(m_name);
        } else {
            line = tr("%1: %2%  %3 of %4  down %5/s  up %6/s  %7 peers")
                       .arg(m_name)
                       .arg(t.progress * 100, 0, 'f', 1)
                       .arg(Units::formatBytes(t.wantedDone), Units::formatBytes(t.wantedSize),
                            Units::formatBytes(t.downloadRate), Units::formatBytes(t.uploadRate))
                       .arg(t.connectedPeers);
            if (t.etaSeconds >= 0)
                line += tr("  ETA %1 s").arg(t.etaSeconds);
        }
        context.err() << '\r' << line << "\x1b[K";
        context.err().flush();
    }

    void report(VerbContext& context, const TorrentSnapshot* t, bool complete, qint64 elapsedMs)
    {
        const bool json = context.parser().isSet(QStringLiteral("json"));
        if (!t) {
            if (json)
                context.out() << QStringLiteral("{\"complete\":false}\n");
            return;
        }
        QJsonObject peers;
        int used = 0;
        for (auto it = t->downloadedFrom.cbegin(); it != t->downloadedFrom.cend(); ++it) {
            peers.insert(it.key(), it.value());
            used += it.value() > 0 ? 1 : 0;
        }
        const double seconds = double(elapsedMs) / 1000.0;
        if (json) {
            const QJsonObject summary{
                {QStringLiteral("infoHash"), QString::fromLatin1(t->infoHash.toHex())},
                {QStringLiteral("name"), t->name},
                {QStringLiteral("state"), session::stateName(t->state)},
                {QStringLiteral("complete"), complete},
                {QStringLiteral("size"), t->totalSize},
                {QStringLiteral("pieceCount"), t->pieceCount},
                {QStringLiteral("piecesAtStart"), t->piecesAtStart},
                {QStringLiteral("bytesDownloaded"), t->downloaded},
                {QStringLiteral("bytesUploaded"), t->uploaded},
                {QStringLiteral("seconds"), seconds},
                {QStringLiteral("peersUsed"), used},
                {QStringLiteral("downloadedFrom"), peers},
                {QStringLiteral("badPieces"), t->badPieces},
                {QStringLiteral("bannedPeers"), QJsonArray::fromStringList(t->bannedPeers)},
            };
            context.out() << QString::fromUtf8(
                                 QJsonDocument(summary).toJson(QJsonDocument::Compact))
                          << '\n';
            return;
        }
        if (m_mode == Mode::Get) {
            context.out() << tr("%1: %2, %3 downloaded in %4 s from %n peer(s); bad pieces: %5",
                                nullptr, used)
                                 .arg(m_name,
                                      complete ? tr("complete and verified") : tr("incomplete"),
                                      Units::formatBytes(t->downloaded))
                                 .arg(seconds, 0, 'f', 1)
                                 .arg(t->badPieces)
                          << '\n';
        } else {
            context.out() << tr("%1: %2 uploaded").arg(m_name, Units::formatBytes(t->uploaded))
                          << '\n';
        }
    }

    static void startLogging(const Config& config, bool toStderr)
    {
        logging::Options options;
        options.directory = config.logDir();
        options.role = QStringLiteral("peer");
        options.toStderr = toStderr;
        options.level = logging::levelFromName(config.log.level).value_or(logging::Level::Info);
        options.maxFileBytes = config.log.maxFileSize;
        options.generations = config.log.maxFiles;
        if (Result<void> started = logging::install(options); !started)
            qCWarning(lcSession).noquote() << started.error().message;
    }

    Mode m_mode;
    session::SessionOptions m_options;
    session::AddTorrentParams m_params;
    QString m_name;
    QByteArray m_infoHash;
    bool m_tty = false;
};

} // namespace

std::unique_ptr<Verb> makeGetVerb()
{
    return std::make_unique<TransferVerb>(TransferVerb::Mode::Get);
}

std::unique_ptr<Verb> makeSeedVerb()
{
    return std::make_unique<TransferVerb>(TransferVerb::Mode::Seed);
}

} // namespace swarmshare::app

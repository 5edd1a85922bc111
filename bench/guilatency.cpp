// SPDX-License-Identifier: GPL-3.0-or-later
// bench/gui.sh's probe: the real main window (offscreen) with its own engine downloads a torrent
// from a seeder at full loopback speed while a 10 ms timer measures how late the GUI thread's
// event loop runs it, the download selected (its piece map drawn). Prints one line:
//   RESULT seconds=S bytes=N mbps=X samples=N p50_ms=A p99_ms=B max_ms=C
//
//   swarmshare-bench-gui FILE.torrent SAVE_DIR SEEDER_ADDR:PORT
#include "config/config.h"
#include "gui/mainwindow.h"
#include "gui/models/torrentmodel.h"
#include "session/sessionhost.h"
#include "torrent/metainfo.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>
#include <QTreeView>

#include <algorithm>
#include <cstdio>

using namespace swarmshare;

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s FILE.torrent SAVE_DIR SEEDER_ADDR:PORT\n", argv[0]);
        return 2;
    }
    const Result<QByteArray> metainfo =
        torrent::Metainfo::readFile(QString::fromLocal8Bit(argv[1]));
    const std::optional<session::Endpoint> seeder =
        session::parseEndpoint(QString::fromLocal8Bit(argv[3]));
    const Result<torrent::Metainfo> meta = metainfo ? torrent::Metainfo::parse(*metainfo)
                                                    : Result<torrent::Metainfo>(metainfo.error());
    if (!meta || !seeder) {
        std::fprintf(stderr, "bad arguments\n");
        return 2;
    }
    session::SessionOptions options;
    options.listenAddress = QHostAddress::LocalHost;
    options.snapshotIntervalMs = 250; // a busier GUI than the default 500 ms
    session::SessionHost engine(options);
    if (!engine.start()) {
        std::fprintf(stderr, "the engine did not start\n");
        return 1;
    }
    Config config;
    gui::MainWindow window(config);
    window.attachSession(&engine);
    window.resize(1000, 640);
    window.show();
    // The download is selected as soon as it is listed: the window then draws its piece map,
    // peers and files at every snapshot, the busiest the GUI gets.
    auto* downloads = window.findChild<QTreeView*>(QStringLiteral("downloadsView"));
    QObject::connect(downloads->model(), &QAbstractItemModel::rowsInserted, downloads, [downloads] {
        if (!downloads->currentIndex().isValid())
            downloads->setCurrentIndex(downloads->model()->index(0, 0));
    });

    session::AddTorrentParams params;
    params.metainfo = *metainfo;
    params.saveDir = QString::fromLocal8Bit(argv[2]);
    params.peers = {*seeder};
    QElapsedTimer clock;
    clock.start();
    engine.addTorrent(params);

    // The probe: a 10 ms timer; each firing records how much later than due it ran.
    QList<double> lateness;
    QElapsedTimer since;
    since.start();
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 elapsed = since.nsecsElapsed();
        since.restart();
        lateness.append(std::max(0.0, double(elapsed) / 1e6 - 10.0));
    });
    probe.start(10);
    // The size comes from the .torrent: a small download can finish before the first snapshot.
    const qint64 bytes = meta->totalLength();
    QObject::connect(&engine, &session::SessionHost::torrentFinished, [&] {
        const double seconds = double(clock.elapsed()) / 1000.0;
        probe.stop();
        std::sort(lateness.begin(), lateness.end());
        auto at = [&](double p) {
            return lateness.isEmpty() ? 0.0
                                      : lateness.at(std::min<qsizetype>(
                                            lateness.size() - 1, qsizetype(lateness.size() * p)));
        };
        std::printf("RESULT seconds=%.3f bytes=%lld mbps=%.1f samples=%lld p50_ms=%.2f "
                    "p99_ms=%.2f max_ms=%.2f\n",
                    seconds, static_cast<long long>(bytes), double(bytes) / seconds / 1e6,
                    static_cast<long long>(lateness.size()), at(0.5), at(0.99),
                    lateness.isEmpty() ? 0.0 : lateness.constLast());
        std::fflush(stdout);
        QApplication::quit();
    });
    QTimer::singleShot(600'000, &app, [] { QApplication::exit(1); });
    const int status = QApplication::exec();
    engine.shutdown();
    return status;
}

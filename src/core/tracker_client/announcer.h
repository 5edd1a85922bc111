// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"
#include "tracker_client/announce.h"

#include <QElapsedTimer>
#include <QHash>
#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QTimer>

#include <functional>

class QNetworkReply;

namespace swarmshare::trackerclient {

// Keeps one torrent announced to its trackers (a .torrent's announce-list, BEP 12): tiers are
// tried in order, the URLs of a tier in an order shuffled once; a URL that answers moves to the
// front of its tier, so the next announce starts there. A failed URL moves the attempt on to
// the next URL, then the next tier. Re-announces at the tracker's interval; announceNow() asks
// sooner but never more often than the tracker's min interval (30 s at least). When every URL
// failed, retries with exponential backoff (15 s, 30 s, ... up to 30 min). Only http and https
// URLs are used (udp:// and others are skipped with one log line each).
//
// Events: start() sends "started" (repeated until a tracker took it), completed() sends
// "completed" once, stop() sends "stopped" to the last tracker that answered, waits for it at
// most ~2 s and then emits stopped().
//
// Not thread-safe: use it from the thread that owns it. Signal handlers may delete it.
class Announcer : public QObject {
    Q_OBJECT

public:
    // Called before each request: info_hash, peer_id, port, counters, left, numwant, key. The
    // Announcer sets the event and the tracker id.
    using StatsProvider = std::function<AnnounceRequest()>;

    Announcer(QList<QStringList> tiers, StatsProvider stats, QObject* parent = nullptr);
    ~Announcer() override;

    void setRequestTimeoutMs(int ms);
    // Tests shorten the waits: the first retry delay after a failed round (doubled up to
    // maxMs), and the floor of the gap between announces (30 s by default).
    void setRetryBackoffMs(int initialMs, int maxMs);
    void setMinimumAnnounceGapMs(int ms);

    void start();
    void announceNow(); // e.g. when the engine needs more peers
    void completed();
    void stop();
    // From start() until stopped() is emitted.
    bool isRunning() const { return m_running; }
    QUrl lastUrl() const { return m_lastUrl; } // last URL that answered
    // The usable tiers, in the current order.
    const QList<QList<QUrl>>& tiers() const { return m_tiers; }

Q_SIGNALS:
    void peersReceived(const QList<swarmshare::trackerclient::AnnouncePeer>& peers);
    void announced(const QUrl& url, const swarmshare::trackerclient::AnnounceResult& result);
    void announceFailed(const QUrl& url, const swarmshare::Error& error); // each failed attempt
    void stopped();

private:
    AnnounceEvent nextEvent() const;
    void beginRound();
    void send(const QUrl& base, AnnounceEvent event, int timeoutMs);
    void readAvailable();
    void replyFinished();
    void requestTimedOut();
    Result<AnnounceResult> outcome();
    void succeeded(const QUrl& url, AnnounceEvent event, const AnnounceResult& result);
    void failedAttempt(const QUrl& url, const Error& error);
    void schedule(qint64 delayMs);
    void finishStop();
    void dropReply();
    qint64 earliestNextMs() const;

    QList<QList<QUrl>> m_tiers;
    StatsProvider m_stats;
    QNetworkAccessManager m_network;
    QElapsedTimer m_clock;
    QTimer m_next;    // the next announce or retry
    QTimer m_timeout; // the request in flight
    int m_timeoutMs = 15'000;
    int m_backoffInitialMs = 15'000;
    int m_backoffMaxMs = 30 * 60'000;
    int m_minimumGapMs = kMinAnnounceIntervalSec * 1000;

    // The request in flight.
    QPointer<QNetworkReply> m_reply;
    QByteArray m_body;
    QUrl m_replyUrl; // its base URL
    AnnounceEvent m_replyEvent = AnnounceEvent::None;
    bool m_timedOut = false;
    bool m_tooLarge = false;

    // Where the current round is in the tiers.
    int m_tier = 0;
    int m_index = 0;
    int m_failedRounds = 0;

    bool m_running = false;
    bool m_stopping = false;
    bool m_restartAfterStop = false;
    bool m_startedSent = false;
    bool m_completedWanted = false;
    bool m_completedSent = false;
    qint64 m_lastAnnounceMs = -1;
    int m_minIntervalSec = 0;
    QUrl m_lastUrl;
    QHash<QUrl, QByteArray> m_trackerIds;
};

} // namespace swarmshare::trackerclient

// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker_client/announcer.h"

#include "common/logging.h"
#include "tracker_client/messages.h"
#include "tracker_client/retryplan.h"

#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSet>

#include <algorithm>
#include <limits>

namespace swarmshare::trackerclient {

namespace {

// "stopped" is a courtesy to the tracker (it would drop us after a few intervals anyway):
// shutting down never waits longer than this for it.
constexpr int kStopTimeoutMs = 2000;
constexpr int kMaxRedirects = 3;
constexpr double kBackoffJitter = 0.1;

bool isTransportError(QNetworkReply::NetworkError error)
{
    // Qt numbers network-layer errors 1-99 and proxy errors 101-199; HTTP statuses map to
    // 201 and up.
    return error > QNetworkReply::NoError && error < QNetworkReply::ContentAccessDenied;
}

// Announce URLs often carry a passkey in the query or in the path after "announce"; logs show
// neither.
QString shownUrl(const QUrl& url)
{
    QUrl shown = url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment);
    QStringList segments = shown.path().split(QLatin1Char('/'));
    const qsizetype announce = segments.indexOf(QStringLiteral("announce"));
    if (announce >= 0 && announce + 1 < segments.size()) {
        segments = segments.mid(0, announce + 1);
        segments << QStringLiteral("...");
        shown.setPath(segments.join(QLatin1Char('/')));
    }
    return shown.toDisplayString();
}

} // namespace

Announcer::Announcer(QList<QStringList> tiers, StatsProvider stats, QObject* parent)
    : QObject(parent)
    , m_stats(std::move(stats))
{
    QSet<QUrl> seen;
    for (const QStringList& tier : tiers) {
        QList<QUrl> urls;
        for (const QString& text : tier) {
            const QUrl url(text.trimmed(), QUrl::StrictMode);
            const QString scheme = url.scheme().toLower();
            if (!url.isValid() || url.host().isEmpty() ||
                (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
                qCInfo(lcTrackerClient).noquote()
                    << "skipping tracker" << shownUrl(url) << "(only http and https are used)";
                continue;
            }
            if (seen.contains(url))
                continue;
            seen.insert(url);
            urls << url;
        }
        // BEP 12: shuffled once, so that clients spread over a tier's trackers; from then on
        // the order only changes when a URL answers.
        std::shuffle(urls.begin(), urls.end(), *QRandomGenerator::global());
        if (!urls.isEmpty())
            m_tiers << urls;
    }
    m_clock.start();
    m_next.setSingleShot(true);
    m_next.setTimerType(Qt::CoarseTimer);
    m_timeout.setSingleShot(true);
    connect(&m_next, &QTimer::timeout, this, &Announcer::beginRound);
    connect(&m_timeout, &QTimer::timeout, this, &Announcer::requestTimedOut);
}

Announcer::~Announcer()
{
    dropReply();
}

void Announcer::setRequestTimeoutMs(int ms)
{
    m_timeoutMs = qMax(1, ms);
}

void Announcer::setRetryBackoffMs(int initialMs, int maxMs)
{
    m_backoffInitialMs = qMax(0, initialMs);
    m_backoffMaxMs = qMax(m_backoffInitialMs, maxMs);
}

void Announcer::setMinimumAnnounceGapMs(int ms)
{
    m_minimumGapMs = qMax(0, ms);
}

void Announcer::start()
{
    if (m_stopping) {
        m_restartAfterStop = true;
        return;
    }
    if (m_running)
        return;
    m_running = true;
    m_startedSent = false;
    m_completedWanted = false;
    m_completedSent = false;
    m_failedRounds = 0;
    m_lastAnnounceMs = -1;
    m_minIntervalSec = 0;
    if (m_tiers.isEmpty()) {
        qCWarning(lcTrackerClient) << "no http or https tracker to announce to";
        return;
    }
    beginRound();
}

void Announcer::announceNow()
{
    // During a backoff the scheduled retry stands: trackers that just failed are not asked
    // again sooner because the engine is hungry.
    if (!m_running || m_stopping || m_reply || m_tiers.isEmpty() || m_failedRounds > 0)
        return;
    const qint64 delay = qMax<qint64>(0, earliestNextMs() - m_clock.elapsed());
    if (!m_next.isActive() || m_next.remainingTime() > delay)
        schedule(delay);
}

void Announcer::completed()
{
    if (!m_running || m_stopping || m_completedWanted)
        return;
    m_completedWanted = true;
    // Otherwise it follows the request in flight, the pending "started" or the scheduled retry.
    if (m_startedSent && !m_reply && m_failedRounds == 0)
        schedule(0);
}

void Announcer::stop()
{
    if (m_stopping)
        return;
    if (!m_running) {
        QMetaObject::invokeMethod(this, &Announcer::finishStop, Qt::QueuedConnection);
        m_stopping = true;
        return;
    }
    m_stopping = true;
    m_restartAfterStop = false;
    m_next.stop();
    // A "started" still in flight may have reached its tracker: that one is told too.
    const QUrl target = m_startedSent ? m_lastUrl : m_reply ? m_replyUrl : QUrl();
    dropReply();
    if (target.isEmpty()) {
        // stopped() is never emitted inside the call: the caller's state is settled first.
        QMetaObject::invokeMethod(this, &Announcer::finishStop, Qt::QueuedConnection);
        return;
    }
    send(target, AnnounceEvent::Stopped, qMin(m_timeoutMs, kStopTimeoutMs));
}

AnnounceEvent Announcer::nextEvent() const
{
    if (!m_startedSent)
        return AnnounceEvent::Started;
    if (m_completedWanted && !m_completedSent)
        return AnnounceEvent::Completed;
    return AnnounceEvent::None;
}

qint64 Announcer::earliestNextMs() const
{
    if (m_lastAnnounceMs < 0)
        return 0;
    return m_lastAnnounceMs + qMax<qint64>(m_minimumGapMs, qint64(m_minIntervalSec) * 1000);
}

void Announcer::beginRound()
{
    m_next.stop();
    if (!m_running || m_stopping || m_reply || m_tiers.isEmpty())
        return;
    m_tier = 0;
    m_index = 0;
    send(m_tiers[0][0], nextEvent(), m_timeoutMs);
}

void Announcer::send(const QUrl& base, AnnounceEvent event, int timeoutMs)
{
    AnnounceRequest request = m_stats ? m_stats() : AnnounceRequest();
    request.event = event;
    if (event == AnnounceEvent::Stopped)
        request.numWant = 0;
    QNetworkRequest http(announceUrl(base, request, m_trackerIds.value(base)));
    // Trackers do redirect (http to https, a moved host); a few hops at most, never to a less
    // safe scheme.
    http.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                      QNetworkRequest::NoLessSafeRedirectPolicy);
    http.setMaximumRedirectsAllowed(kMaxRedirects);
    http.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("Swarmshare"));
    m_body.clear();
    m_timedOut = false;
    m_tooLarge = false;
    m_replyUrl = base;
    m_replyEvent = event;
    qCDebug(lcTrackerClient).noquote()
        << (event == AnnounceEvent::None ? QByteArray("announce")
                                         : QByteArray("announce " + eventName(event)))
        << "to" << shownUrl(base);
    m_reply = m_network.get(http);
    connect(m_reply, &QNetworkReply::readyRead, this, &Announcer::readAvailable);
    connect(m_reply, &QNetworkReply::finished, this, &Announcer::replyFinished);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, [this] {
        const QVariant length = m_reply->header(QNetworkRequest::ContentLengthHeader);
        if (length.isValid() && length.toLongLong() > kMaxAnnounceBodyBytes) {
            m_tooLarge = true;
            m_reply->abort();
        }
    });
    m_timeout.start(timeoutMs);
}

void Announcer::readAvailable()
{
    // After abort() (timeout, size bound) the reply is closed: nothing more to read.
    if (m_tooLarge || !m_reply || !m_reply->isOpen())
        return;
    m_body += m_reply->read(kMaxAnnounceBodyBytes + 1 - m_body.size());
    if (m_body.size() > kMaxAnnounceBodyBytes) {
        m_tooLarge = true;
        m_reply->abort();
    }
}

void Announcer::requestTimedOut()
{
    m_timedOut = true;
    if (m_reply)
        m_reply->abort(); // finished() follows, synchronously
}

Result<AnnounceResult> Announcer::outcome()
{
    const QString where = shownUrl(m_replyUrl);
    const QString unavailable = QString::fromUtf16(errorcode::kUnavailable);
    if (m_tooLarge)
        return makeCodedError(QString::fromUtf16(errorcode::kTooLarge),
                              tr("the tracker at %1 answered with more than %2 bytes")
                                  .arg(where)
                                  .arg(kMaxAnnounceBodyBytes));
    if (m_timedOut)
        return makeCodedError(unavailable, tr("the tracker at %1 did not answer within %2 ms")
                                               .arg(where)
                                               .arg(m_timeout.interval()));
    const QVariant statusAttribute = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!statusAttribute.isValid() || isTransportError(m_reply->error()))
        return makeCodedError(
            unavailable,
            tr("cannot reach the tracker at %1: %2").arg(where, m_reply->errorString()));
    const int status = statusAttribute.toInt();
    Result<AnnounceResult> decoded = decodeAnnounce(m_body);
    if (status == 200)
        return decoded;
    // Some trackers send their "failure reason" with a 4xx: it says more than the status.
    if (!decoded && decoded.error().code == QStringView(kTrackerFailure))
        return decoded;
    return makeCodedError(status >= 500 ? unavailable
                                        : QString::fromUtf16(errorcode::kInvalidResponse),
                          tr("the tracker at %1 answered HTTP %2").arg(where).arg(status));
}

void Announcer::replyFinished()
{
    m_timeout.stop();
    readAvailable();
    const Result<AnnounceResult> result = outcome();
    const QUrl url = m_replyUrl;
    const AnnounceEvent event = m_replyEvent;
    dropReply();
    if (m_stopping) {
        if (!result)
            qCDebug(lcTrackerClient).noquote() << "stopped announce:" << result.error().message;
        return finishStop();
    }
    if (result)
        succeeded(url, event, *result);
    else
        failedAttempt(url, result.error());
}

void Announcer::succeeded(const QUrl& url, AnnounceEvent event, const AnnounceResult& result)
{
    m_failedRounds = 0;
    m_lastUrl = url;
    m_lastAnnounceMs = m_clock.elapsed();
    m_minIntervalSec = result.minIntervalSec;
    if (!result.trackerId.isEmpty())
        m_trackerIds.insert(url, result.trackerId);
    // BEP 12: the URL that answered is tried first next time.
    if (m_tier < m_tiers.size() && m_index < m_tiers[m_tier].size() &&
        m_tiers[m_tier][m_index] == url)
        m_tiers[m_tier].move(m_index, 0);
    if (event == AnnounceEvent::Started)
        m_startedSent = true;
    else if (event == AnnounceEvent::Completed)
        m_completedSent = true;
    if (!result.warning.isEmpty())
        qCWarning(lcTrackerClient).noquote()
            << "tracker" << shownUrl(url) << "warns:" << result.warning;
    qCDebug(lcTrackerClient).noquote()
        << "announced to" << shownUrl(url) << "-" << result.peers.size() << "peers, next in"
        << result.intervalSec << "s";
    // An event that came up meanwhile ("completed" during "started") goes at once; events are
    // not held back by the tracker's min interval.
    schedule(nextEvent() != AnnounceEvent::None ? 0 : qint64(result.intervalSec) * 1000);

    // Handlers may stop or delete this object: state is settled before, nothing after.
    const QPointer<Announcer> self(this);
    Q_EMIT announced(url, result);
    if (self && !result.peers.isEmpty())
        Q_EMIT peersReceived(result.peers);
}

void Announcer::failedAttempt(const QUrl& url, const Error& error)
{
    qCInfo(lcTrackerClient).noquote()
        << "announce to" << shownUrl(url) << "failed:" << error.message;
    if (++m_index >= m_tiers[m_tier].size()) {
        ++m_tier;
        m_index = 0;
    }
    if (m_tier < m_tiers.size()) {
        send(m_tiers[m_tier][m_index], m_replyEvent, m_timeoutMs);
    } else {
        const qint64 delay =
            backoffDelay(qMin(m_failedRounds, 30), m_backoffInitialMs, m_backoffMaxMs,
                         kBackoffJitter, QRandomGenerator::global()->generateDouble());
        ++m_failedRounds;
        qCInfo(lcTrackerClient) << "no tracker answered; next try in" << delay / 1000 << "s";
        schedule(delay);
    }
    Q_EMIT announceFailed(url, error);
}

void Announcer::schedule(qint64 delayMs)
{
    m_next.start(int(std::clamp<qint64>(delayMs, 0, std::numeric_limits<int>::max())));
}

void Announcer::finishStop()
{
    m_stopping = false;
    m_running = false;
    m_failedRounds = 0;
    m_next.stop();
    const bool restart = m_restartAfterStop;
    m_restartAfterStop = false;
    const QPointer<Announcer> self(this);
    Q_EMIT stopped();
    if (self && restart)
        start();
}

void Announcer::dropReply()
{
    m_timeout.stop();
    if (!m_reply)
        return;
    QNetworkReply* reply = m_reply;
    m_reply = nullptr;
    reply->disconnect(this);
    if (reply->isRunning())
        reply->abort();
    reply->deleteLater();
}

} // namespace swarmshare::trackerclient

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QUrl>

namespace swarmshare::trackerclient {

// The ordered tracker base URLs (config `tracker.urls`: proxy first, then the roles) and which
// of them last worked. Requests start at the one that last answered, so that after a failover
// every request does not pay for the dead address again; after `returnToFirstAfterMs` the first
// (most preferred) URL is tried again, so that clients come back to the proxy once it is back.
// Time is passed in (milliseconds, any monotonic origin) so that tests drive it.
class EndpointList {
public:
    explicit EndpointList(QList<QUrl> urls = {}, qint64 returnToFirstAfterMs = 300'000);

    void setUrls(QList<QUrl> urls);
    const QList<QUrl>& urls() const { return m_urls; }
    int size() const { return int(m_urls.size()); }
    bool isEmpty() const { return m_urls.isEmpty(); }
    QUrl url(int index) const { return m_urls.value(index); }

    // Where a new request starts.
    int startIndex(qint64 nowMs) const;
    // `index` answered; returns true when that changes the preferred URL.
    bool markWorking(int index, qint64 nowMs);
    // `index` failed (unreachable, timeout, 5xx). When it is the first URL tried again after
    // a failover, the next try waits another `returnToFirstAfterMs`.
    void markFailed(int index, qint64 nowMs);
    int preferred() const { return m_preferred; }

    // `base` + `path` + `?query` (already percent-encoded), keeping a path prefix of the base
    // ("http://h/t" + "/health" -> "http://h/t/health").
    static QUrl join(const QUrl& base, const QString& path, const QByteArray& query = {});
    // The same, with http -> ws and https -> wss, for the /live feed.
    static QUrl webSocketUrl(const QUrl& base, const QString& path, const QByteArray& query = {});

private:
    QList<QUrl> m_urls;
    qint64 m_returnAfterMs;
    int m_preferred = 0;
    qint64 m_preferredSince = 0;
};

} // namespace swarmshare::trackerclient

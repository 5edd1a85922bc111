// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker_client/endpointlist.h"

namespace swarmshare::trackerclient {

EndpointList::EndpointList(QList<QUrl> urls, qint64 returnToFirstAfterMs)
    : m_urls(std::move(urls))
    , m_returnAfterMs(returnToFirstAfterMs)
{}

void EndpointList::setUrls(QList<QUrl> urls)
{
    m_urls = std::move(urls);
    m_preferred = 0;
    m_preferredSince = 0;
}

int EndpointList::startIndex(qint64 nowMs) const
{
    if (m_preferred >= size())
        return 0;
    if (m_preferred != 0 && nowMs - m_preferredSince >= m_returnAfterMs)
        return 0;
    return m_preferred;
}

bool EndpointList::markWorking(int index, qint64 nowMs)
{
    if (index < 0 || index >= size() || index == m_preferred)
        return false;
    m_preferred = index;
    m_preferredSince = nowMs;
    return true;
}

void EndpointList::markFailed(int index, qint64 nowMs)
{
    if (index == 0 && m_preferred != 0)
        m_preferredSince = nowMs;
}

QUrl EndpointList::join(const QUrl& base, const QString& path, const QByteArray& query)
{
    QUrl url = base;
    QString prefix = base.path();
    while (prefix.endsWith(QLatin1Char('/')))
        prefix.chop(1);
    url.setPath(prefix + path);
    if (query.isEmpty())
        url.setQuery(QString());
    else
        url.setQuery(QString::fromLatin1(query), QUrl::StrictMode);
    url.setFragment(QString());
    return url;
}

QUrl EndpointList::webSocketUrl(const QUrl& base, const QString& path, const QByteArray& query)
{
    QUrl url = join(base, path, query);
    url.setScheme(base.scheme() == u"https" ? QStringLiteral("wss") : QStringLiteral("ws"));
    return url;
}

} // namespace swarmshare::trackerclient

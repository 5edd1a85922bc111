// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker_client/exchange.h"

#include "common/logging.h"
#include "tracker_client/messages.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>

namespace swarmshare::trackerclient {

namespace {

// Retry-After in seconds (the tracker's form); -1 when absent or in another form.
int retryAfterMs(const QNetworkReply& reply)
{
    bool ok = false;
    const int seconds = reply.rawHeader("Retry-After").trimmed().toInt(&ok);
    return ok && seconds >= 0 && seconds < 86'400 ? seconds * 1000 : -1;
}

bool isTransportError(QNetworkReply::NetworkError error)
{
    // Qt numbers network-layer errors 1-99 and proxy errors 101-199; HTTP statuses map to
    // 201 and up. Any of the first two means no complete answer arrived.
    return error > QNetworkReply::NoError && error < QNetworkReply::ContentAccessDenied;
}

} // namespace

Exchange::Exchange(QNetworkAccessManager& network, EndpointList& endpoints,
                   const QElapsedTimer& clock, const ExchangeSettings& settings,
                   HttpRequest request, Done done, QObject* parent)
    : QObject(parent)
    , m_network(network)
    , m_endpoints(endpoints)
    , m_clock(clock)
    , m_settings(settings)
    , m_request(std::move(request))
    , m_done(std::move(done))
    , m_plan(settings.retry, endpoints.size(), endpoints.startIndex(clock.elapsed()))
{
    m_timeout.setSingleShot(true);
    m_wait.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, &Exchange::timedOut);
    connect(&m_wait, &QTimer::timeout, this, &Exchange::send);
}

Exchange::~Exchange()
{
    dropReply();
}

void Exchange::start()
{
    if (!m_endpoints.isEmpty())
        return send();
    // Callbacks never run inside the call that asked: the caller's state is settled first.
    QTimer::singleShot(0, this, [this] {
        deliver({0,
                 {},
                 makeCodedError(QString::fromUtf16(errorcode::kUnavailable),
                                tr("no tracker address is configured"))});
    });
}

void Exchange::send()
{
    const QUrl base = m_endpoints.url(m_plan.current());
    QNetworkRequest request(EndpointList::join(base, m_request.path, m_request.query));
    // A tracker has no reason to redirect, and following one would hand the token elsewhere.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setRawHeader("Accept", "application/json");
    if (!m_request.body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
    if (!m_request.token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_request.token);
    m_body.clear();
    m_timedOut = false;
    m_tooLarge = false;
    qCDebug(lcTrackerClient) << m_request.method << request.url().toDisplayString();
    m_reply = m_network.sendCustomRequest(request, m_request.method, m_request.body);
    connect(m_reply, &QNetworkReply::readyRead, this, &Exchange::readAvailable);
    connect(m_reply, &QNetworkReply::finished, this, &Exchange::finished);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, [this] {
        const QVariant length = m_reply->header(QNetworkRequest::ContentLengthHeader);
        if (length.isValid() && length.toLongLong() > m_request.maxBytes) {
            m_tooLarge = true;
            m_reply->abort();
        }
    });
    m_timeout.start(m_settings.timeoutMs);
}

void Exchange::readAvailable()
{
    if (m_tooLarge || !m_reply)
        return;
    m_body += m_reply->read(m_request.maxBytes + 1 - m_body.size());
    if (m_body.size() > m_request.maxBytes) {
        m_tooLarge = true;
        m_reply->abort();
    }
}

void Exchange::timedOut()
{
    m_timedOut = true;
    if (m_reply)
        m_reply->abort(); // finished() follows, synchronously
}

void Exchange::finished()
{
    m_timeout.stop();
    readAvailable();
    QNetworkReply* reply = m_reply;
    const QUrl url = reply->url();
    const QVariant statusAttribute = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const int status = statusAttribute.toInt();
    const int retryAfter = retryAfterMs(*reply);
    const QNetworkReply::NetworkError error = reply->error();
    const QString errorString = reply->errorString();
    dropReply();

    const QString unavailable = QString::fromUtf16(errorcode::kUnavailable);
    if (m_tooLarge)
        return deliver({status,
                        {},
                        makeCodedError(QString::fromUtf16(errorcode::kTooLarge),
                                       tr("the tracker's answer is larger than %1 "
                                          "bytes")
                                           .arg(m_request.maxBytes))});
    if (m_timedOut)
        return failed(RetryPlan::Failure::Timeout,
                      makeCodedError(unavailable, tr("the tracker at %1 did not answer within "
                                                     "%2 ms")
                                                      .arg(url.toDisplayString(QUrl::RemoveQuery))
                                                      .arg(m_settings.timeoutMs)),
                      -1, 0);
    if (!statusAttribute.isValid() || isTransportError(error))
        return failed(RetryPlan::Failure::Connection,
                      makeCodedError(unavailable,
                                     tr("cannot reach the tracker at %1: %2")
                                         .arg(url.toDisplayString(QUrl::RemoveQuery), errorString)),
                      -1, 0);
    if (status >= 500)
        return failed(RetryPlan::Failure::ServerError, decodeError(status, m_body), -1, status);
    if (status == 429)
        return failed(RetryPlan::Failure::RateLimited, decodeError(status, m_body), retryAfter,
                      status);
    m_endpoints.markWorking(m_plan.current(), m_clock.elapsed());
    deliver({status, m_body, std::nullopt});
}

void Exchange::failed(RetryPlan::Failure failure, const Error& error, int retryAfterMs, int status)
{
    if (failure != RetryPlan::Failure::RateLimited)
        m_endpoints.markFailed(m_plan.current(), m_clock.elapsed());
    qCInfo(lcTrackerClient).noquote()
        << m_request.method << m_request.path << "failed:" << error.message;
    const RetryPlan::Step step =
        m_plan.next(failure, retryAfterMs, QRandomGenerator::global()->generateDouble());
    if (!step.retry)
        return deliver({status, m_body, error});
    m_wait.start(step.delayMs);
}

void Exchange::deliver(const HttpOutcome& outcome)
{
    // The callback may destroy the client and with it this object: nothing touches `this`
    // after it.
    Done done = std::move(m_done);
    deleteLater();
    if (done)
        done(outcome);
}

void Exchange::dropReply()
{
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

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"
#include "tracker_client/endpointlist.h"
#include "tracker_client/retryplan.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace swarmshare::trackerclient {

// One API call as it goes over the wire.
struct HttpRequest {
    QByteArray method = "GET";
    QString path;     // "/auth/login"
    QByteArray query; // percent-encoded, without '?'
    QByteArray body;  // JSON, or empty
    QByteArray token; // bearer token; empty: none
    qint64 maxBytes = 0;
};

// Its outcome: the final HTTP answer (any status but 429 and 5xx that could be retried), or
// `failure` when no usable answer came.
struct HttpOutcome {
    int status = 0;
    QByteArray body;
    std::optional<Error> failure;
};

struct ExchangeSettings {
    int timeoutMs = 10'000; // per attempt, connect to last byte
    RetryPolicy retry;
};

// One request through the URL list, with failover, backoff, Retry-After, a per-attempt
// timeout and a bound on the answer size (RetryPlan decides, this class waits and sends).
// Deletes itself after calling `done`; deleting it earlier cancels it without a call.
class Exchange : public QObject {
    Q_OBJECT

public:
    using Done = std::function<void(const HttpOutcome&)>;

    Exchange(QNetworkAccessManager& network, EndpointList& endpoints, const QElapsedTimer& clock,
             const ExchangeSettings& settings, HttpRequest request, Done done,
             QObject* parent = nullptr);
    ~Exchange() override;

    void start();

private:
    void send();
    void readAvailable();
    void finished();
    void timedOut();
    void failed(RetryPlan::Failure failure, const Error& error, int retryAfterMs, int status);
    void deliver(const HttpOutcome& outcome);
    void dropReply();

    QNetworkAccessManager& m_network;
    EndpointList& m_endpoints;
    const QElapsedTimer& m_clock;
    ExchangeSettings m_settings;
    HttpRequest m_request;
    Done m_done;
    RetryPlan m_plan;
    QPointer<QNetworkReply> m_reply;
    QByteArray m_body;
    QTimer m_timeout;
    QTimer m_wait;
    bool m_timedOut = false;
    bool m_tooLarge = false;
};

} // namespace swarmshare::trackerclient

// SPDX-License-Identifier: GPL-3.0-or-later
// Waiting for a TrackerClient callback in a test, with the event loop running.
#pragma once

#include "tracker_client/reply.h"

#include <QByteArray>
#include <QEventLoop>
#include <QTimer>

#include <memory>
#include <optional>

namespace swarmshare::test {

// Calls `start(done)` and runs the event loop until `done` is called or `timeoutMs` pass
// (then the reply is an error with code "test_timeout"). A callback that comes after the
// timeout is dropped safely.
template<typename T, typename Start>
trackerclient::Reply<T> awaitReply(Start start, int timeoutMs = 30000)
{
    struct State {
        std::optional<trackerclient::Reply<T>> reply;
        QEventLoop* loop = nullptr;
    };
    auto state = std::make_shared<State>();
    QEventLoop loop;
    state->loop = &loop;
    start([state](const trackerclient::Reply<T>& reply) {
        state->reply.emplace(reply);
        if (state->loop)
            state->loop->quit();
    });
    if (!state->reply) {
        QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
        loop.exec();
    }
    state->loop = nullptr;
    if (!state->reply)
        return trackerclient::Reply<T>(
            makeCodedError(QStringLiteral("test_timeout"), QStringLiteral("no reply")), 0);
    return *state->reply;
}

// "ok", or the error's code and message: for QVERIFY2 descriptions, which are evaluated even
// when the check passes.
template<typename T>
QByteArray describe(const trackerclient::Reply<T>& reply)
{
    if (reply)
        return QByteArrayLiteral("ok, HTTP ") + QByteArray::number(reply.status());
    return (reply.error().code + QStringLiteral(" (HTTP %1): ").arg(reply.status()) +
            reply.error().message)
        .toUtf8();
}

} // namespace swarmshare::test

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker/accounts.h"
#include "tracker/apierror.h"
#include "tracker/http/httpmessage.h"
#include "tracker/store/store.h"
#include "tracker/swarmregistry.h"
#include "tracker/trackeroptions.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>

namespace swarmshare::tracker {

class LiveFeed;
class Passkeys;

// What every API handler works with. Owned by Tracker; handlers keep a reference.
struct TrackerContext {
    const TrackerOptions& options;
    Store& store;
    SwarmRegistry& registry;
    Accounts& accounts;
    LiveFeed& feed;
    const Passkeys* passkeys; // null when /announce is open to everyone
    QElapsedTimer clock;      // monotonic time for the registry

    qint64 now() const { return clock.elapsed(); }
    // The client's address: the connection's, or X-Forwarded-For's when the connection comes
    // from a trusted proxy.
    QHostAddress clientAddress(const http::Request& request) const;
    // The account of the request's bearer token; throws 401 unauthenticated.
    qint64 requireAccount(const http::Request& request);
    // The ApiError that fits a store, registry or accounts Error (by its code), and the same
    // thrown, for handlers that answer synchronously.
    static ApiError apiError(const Error& error);
    [[noreturn]] static void raise(const Error& error);
};

// Reply helpers shared by the handlers.
http::Response jsonResponse(int status, const QJsonObject& object);
http::Response jsonResponse(int status, const QJsonArray& array);
http::Response errorResponse(const ApiError& error);
QString hex(const QByteArray& bytes);

} // namespace swarmshare::tracker

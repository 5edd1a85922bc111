// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tracker/http/httpserver.h"
#include "tracker/trackercontext.h"

namespace swarmshare::tracker {

// One area of the tracker API. handle() answers the requests whose path it owns (returning
// true) and may throw ApiError; the Tracker turns that into the JSON error reply.
class ApiModule {
public:
    explicit ApiModule(TrackerContext& context)
        : m_context(context)
    {}
    virtual ~ApiModule() = default;
    virtual bool handle(const http::Request& request, const http::Responder& responder) = 0;

protected:
    // Throws 405 unless the method is `method`.
    static void requireMethod(const http::Request& request, const char* method);

    TrackerContext& m_context;
};

class AuthApi final : public ApiModule {
public:
    using ApiModule::ApiModule;
    bool handle(const http::Request& request, const http::Responder& responder) override;
};

class PeerApi final : public ApiModule {
public:
    using ApiModule::ApiModule;
    bool handle(const http::Request& request, const http::Responder& responder) override;

private:
    http::Response registerPeer(const http::Request& request);
    http::Response heartbeat(const http::Request& request);
    http::Response idlePeers(const http::Request& request);
    http::Response completeTransfer(const http::Request& request);
    // Checks that `peerId` is unknown or registered by `account`; throws 403 otherwise.
    void requireOwner(const QByteArray& peerId, qint64 account) const;
};

class FilesApi final : public ApiModule {
public:
    using ApiModule::ApiModule;
    bool handle(const http::Request& request, const http::Responder& responder) override;

private:
    http::Response search(const http::Request& request);
    http::Response details(const QByteArray& infoHash);
    http::Response metainfo(const QByteArray& infoHash);
};

// BEP 3 /announce and BEP 48 /scrape for standard BitTorrent clients: bencoded, compact peer
// lists (BEP 23), IPv6 peers in peers6 (BEP 7).
class AnnounceApi final : public ApiModule {
public:
    using ApiModule::ApiModule;
    bool handle(const http::Request& request, const http::Responder& responder) override;

private:
    http::Response announce(const http::Request& request);
    http::Response scrape(const http::Request& request);
};

} // namespace swarmshare::tracker

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <functional>

namespace swarmshare::trackerclient {

// What a TrackerClient request hands to its callback: a Result (the typed answer, or an Error
// whose `code` is the tracker's — "unauthenticated", "unknown_peer", "rate_limited", ... — or
// "unavailable" when no tracker could be reached), plus the HTTP status of the answer that
// decided it (0 when none arrived).
template<typename T>
class Reply : public Result<T> {
public:
    Reply(Result<T> result, int status)
        : Result<T>(std::move(result))
        , m_status(status)
    {}

    int status() const { return m_status; }

private:
    int m_status;
};

// Called once, on the thread that owns the client, unless the client is destroyed first.
template<typename T>
using Callback = std::function<void(const Reply<T>&)>;

} // namespace swarmshare::trackerclient

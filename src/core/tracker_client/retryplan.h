// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace swarmshare::trackerclient {

struct RetryPolicy {
    int rounds = 3;               // passes over the whole URL list before giving up
    int initialBackoffMs = 250;   // wait after the first failed pass, doubled after each
    int maxBackoffMs = 10'000;    // ... up to this
    double jitter = 0.2;          // +-20 %: clients that failed together do not return together
    int maxRetryAfterMs = 30'000; // a 429 asking for a longer wait goes to the caller
    int rateLimitRetries = 3;     // 429 answers waited out per request
};

// An exponential backoff delay: min(maxMs, initialMs * 2^attempt), scaled by a factor in
// [1 - jitter, 1 + jitter] chosen by `random01` (0..1).
int backoffDelay(int attempt, int initialMs, int maxMs, double jitter, double random01);

// The decisions of one request's way through the URL list (see docs/tracker-api.md, "Client
// behaviour"): a connection failure, a timeout or a 5xx moves on to the next URL at once;
// once every URL failed in a pass, the next pass starts after a backoff; after `rounds` passes
// the request fails. A 429 waits for its Retry-After on the same URL, a bounded number of times.
// Pure logic: the caller does the waiting and the sending.
class RetryPlan {
public:
    enum class Failure { Connection, Timeout, ServerError, RateLimited };

    struct Step {
        bool retry = false; // false: give up and report the last error
        int urlIndex = 0;
        int delayMs = 0;
    };

    RetryPlan(const RetryPolicy& policy, int urlCount, int startIndex);

    int current() const { return m_current; }
    int attempts() const { return m_attempts; }
    // What to do after the current attempt failed. `retryAfterMs` is the 429's wait (< 0:
    // none given); `random01` picks the jitter.
    Step next(Failure failure, int retryAfterMs, double random01);

private:
    Step rateLimited(int retryAfterMs, double random01);

    RetryPolicy m_policy;
    int m_urlCount;
    int m_start;
    int m_current;
    int m_failedThisRound = 0;
    int m_round = 0;
    int m_rateLimited = 0;
    int m_attempts = 1;
};

} // namespace swarmshare::trackerclient

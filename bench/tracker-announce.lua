-- SPDX-License-Identifier: GPL-3.0-or-later
-- wrk script for bench/tracker.sh: BEP 3 announces from a fixed population of peers spread over
-- several swarms, so that every answer carries a real peer list (compact=1, numwant=50).
--
--   wrk ... -s bench/tracker-announce.lua URL -- HASHES_FILE [PEERS]
--
-- HASHES_FILE holds hex info-hashes, one per line (the same file is opentracker's whitelist).
-- Peer i announces swarm i % #hashes from port 10000 + i (opentracker tells peers apart by
-- address and port, Swarmshare by peer_id: both see PEERS distinct peers); one peer in ten is a
-- seeder (left=0). Every request string is built once in init(); request() only picks one.
--
-- Each answer is checked: a bencoded dictionary with `peers` counts as a success, anything else
-- (a `failure reason` also comes with status 200) as a failure. done() prints one line that
-- bench/tracker.sh reads:
--   RESULT requests=N duration_us=N rps=N p50_us=N p99_us=N connect=N read=N write=N
--          status=N timeout=N failures=N peers_per_answer=N
local threads = {}
local requests = {}
-- Globals, not locals: done() reads them from each thread with thread:get().
ok, failed, peers = 0, 0, 0

local function percent(hexHash)
    return (hexHash:gsub("..", function(byte) return "%" .. byte:upper() end))
end

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    local file = assert(io.open(args[1], "r"), "cannot read " .. tostring(args[1]))
    local hashes = {}
    for line in file:lines() do
        if line:match("^%x+$") and #line == 40 then
            hashes[#hashes + 1] = percent(line)
        end
    end
    file:close()
    assert(#hashes > 0, "no info-hashes in " .. args[1])
    local population = tonumber(args[2] or "20000")
    assert(population <= 50000, "at most 50000 peers (one port each)")
    for i = 0, population - 1 do
        local left = (i % 10 == 0) and 0 or 1048576
        local path = string.format("/announce?info_hash=%s&peer_id=-BW0001-%012d&port=%d" ..
                                       "&uploaded=0&downloaded=0&left=%d&compact=1&numwant=50",
                                   hashes[i % #hashes + 1], i, 10000 + i, left)
        requests[#requests + 1] = wrk.format("GET", path)
    end
    math.randomseed(12345 + (id or 0))
end

function request()
    return requests[math.random(#requests)]
end

function response(status, headers, body)
    local length = status == 200 and body:match("5:peers(%d+):")
    if length then
        ok = ok + 1
        peers = peers + tonumber(length) / 6
    else
        failed = failed + 1
    end
end

function done(summary, latency, requests)
    local answered, failures, peerCount = 0, 0, 0
    for _, thread in ipairs(threads) do
        answered = answered + thread:get("ok")
        failures = failures + thread:get("failed")
        peerCount = peerCount + thread:get("peers")
    end
    local errors = summary.errors
    io.write(string.format("RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d " ..
                               "connect=%d read=%d write=%d status=%d timeout=%d failures=%d " ..
                               "peers_per_answer=%.1f\n",
                           summary.requests, summary.duration,
                           summary.requests / (summary.duration / 1e6),
                           latency:percentile(50), latency:percentile(99), errors.connect,
                           errors.read, errors.write, errors.status, errors.timeout, failures,
                           answered > 0 and peerCount / answered or 0))
end

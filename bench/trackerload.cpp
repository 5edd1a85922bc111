// SPDX-License-Identifier: GPL-3.0-or-later
// swarmshare-bench-tracker: the load generator of bench/tracker.sh (scale run).
//
//   swarmshare-bench-tracker free-port
//   swarmshare-bench-tracker scale --port PORT [--pid PID] [--peers 100000] [--files 10000]
//       [--files-per-peer 10] [--queries 3000] [--n 10] [--connections 2] [--depth 16]
//       [--time-limit 300]
//
// `scale` makes one account, registers PEERS peers holding FILES-PER-PEER files each out of FILES
// (every file gets the same number of holders; four in five hold theirs completely, the others
// announce half the pieces), on CONNECTIONS keep-alive connections with DEPTH requests in
// flight each (HTTP pipelining), then asks /get_n_file_idle_peers QUERIES times, one request at
// a time on one keep-alive connection, for random askers and files, timing each answer. It
// prints `RESULT key=value ...` lines for the script and a summary on stderr. Plain POSIX
// sockets, 127.0.0.1 only; every loop is bounded in count and by --time-limit.
#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& message)
{
    throw Failure(message);
}

// A deterministic 64-bit mix (splitmix64): distinct, random-looking ids from small numbers.
quint64 mix(quint64 x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// 40 hex digits (20 bytes) for object `index` of kind `salt`.
std::string hexId(quint64 salt, quint64 index)
{
    char text[48];
    const quint64 a = mix(salt * 0x100000000ULL + index);
    const quint64 b = mix(a);
    const quint64 c = mix(b);
    std::snprintf(text, sizeof text, "%016llx%016llx%08llx", static_cast<unsigned long long>(a),
                  static_cast<unsigned long long>(b), static_cast<unsigned long long>(c >> 32));
    return text;
}

struct Response {
    int status = 0;
    std::string body;
};

// One keep-alive HTTP/1.1 connection to 127.0.0.1, blocking, with a receive timeout.
class Connection {
public:
    explicit Connection(int port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (m_fd < 0)
            fail(std::string("socket: ") + std::strerror(errno));
        const int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const timeval timeout{30, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(quint16(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
            fail("connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno));
    }
    ~Connection() { ::close(m_fd); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void send(const std::string& bytes)
    {
        size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::send(m_fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                fail(std::string("send: ") + std::strerror(errno));
            done += size_t(n);
        }
    }

    // Reads the next response (Content-Length framing: the tracker always sends it).
    Response receive()
    {
        size_t headEnd;
        while ((headEnd = m_buffer.find("\r\n\r\n", m_start)) == std::string::npos)
            fill();
        Response response;
        const std::string_view head(m_buffer.data() + m_start, headEnd - m_start);
        if (head.size() < 12 || head.substr(0, 5) != "HTTP/")
            fail("malformed response: " + std::string(head.substr(0, 80)));
        response.status = std::atoi(std::string(head.substr(9, 3)).c_str());
        size_t length = 0;
        bool haveLength = false;
        size_t at = head.find("\r\n");
        while (at != std::string_view::npos && at < head.size()) {
            const size_t next = head.find("\r\n", at + 2);
            std::string line(head.substr(
                at + 2, (next == std::string_view::npos ? head.size() : next) - at - 2));
            std::transform(line.begin(), line.end(), line.begin(),
                           [](unsigned char c) { return char(std::tolower(c)); });
            if (line.rfind("content-length:", 0) == 0) {
                length = size_t(std::strtoull(line.c_str() + 15, nullptr, 10));
                haveLength = true;
            } else if (line.rfind("transfer-encoding:", 0) == 0) {
                fail("chunked responses are not supported");
            }
            at = next;
        }
        if (!haveLength)
            fail("response without Content-Length");
        const size_t bodyStart = headEnd + 4;
        while (m_buffer.size() - bodyStart < length)
            fill();
        response.body.assign(m_buffer, bodyStart, length);
        m_start = bodyStart + length;
        if (m_start > 1 << 20) { // drop what was consumed, now and then
            m_buffer.erase(0, m_start);
            m_start = 0;
        }
        return response;
    }

    Response request(const std::string& bytes)
    {
        send(bytes);
        return receive();
    }

private:
    void fill()
    {
        char chunk[65536];
        for (;;) {
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n > 0) {
                m_buffer.append(chunk, size_t(n));
                return;
            }
            if (n < 0 && errno == EINTR)
                continue;
            fail(n == 0 ? std::string("the tracker closed the connection")
                        : std::string("recv: ") + std::strerror(errno));
        }
    }

    int m_fd = -1;
    std::string m_buffer;
    size_t m_start = 0;
};

std::string post(const std::string& path, const std::string& body, const std::string& token = {})
{
    std::string request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!token.empty())
        request += "Authorization: Bearer " + token + "\r\n";
    request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\n\r\n" + body;
    return request;
}

QJsonObject parseObject(const std::string& body)
{
    return QJsonDocument::fromJson(QByteArray(body.data(), qsizetype(body.size()))).object();
}

struct Options {
    int port = 0;
    long pid = 0;
    int peers = 100'000;
    int files = 10'000;
    int filesPerPeer = 10;
    int queries = 3000;
    int n = 10;
    int connections = 2;
    int depth = 16;
    int timeLimitSec = 300;
};

// Reads VmRSS and VmHWM (KiB) of a process.
std::pair<long, long> memoryOf(long pid)
{
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    if (!status)
        fail("cannot read /proc/" + std::to_string(pid) + "/status");
    long rss = -1;
    long hwm = -1;
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0)
            rss = std::atol(line.c_str() + 6);
        else if (line.rfind("VmHWM:", 0) == 0)
            hwm = std::atol(line.c_str() + 6);
    }
    return {rss, hwm};
}

// The JSON of each file as /register wants it, built once.
std::vector<std::string> fileEntries(const Options& options)
{
    constexpr qint64 kPiece = 256 * 1024;
    std::vector<std::string> entries;
    entries.reserve(size_t(options.files));
    for (int f = 0; f < options.files; ++f) {
        const qint64 size = (qint64(1) << 20) + qint64(mix(quint64(f)) % (63ULL << 20));
        const qint64 pieces = (size + kPiece - 1) / kPiece;
        char text[256];
        std::snprintf(text, sizeof text,
                      "{\"info_hash\":\"%s\",\"name\":\"bench-file-%05d.bin\",\"size\":%lld,"
                      "\"piece_length\":%lld,\"piece_count\":%lld,\"complete\":",
                      hexId(2, quint64(f)).c_str(), f, static_cast<long long>(size),
                      static_cast<long long>(kPiece), static_cast<long long>(pieces));
        entries.emplace_back(text);
        // The `have` bitfield of a partial holder: every other piece, spare bits zero.
        QByteArray have(qsizetype((pieces + 7) / 8), char(0xaa));
        if (const int spare = int(have.size() * 8 - pieces); spare > 0)
            have.back() = char(uchar(have.back()) & uchar(0xff << spare));
        entries.back() += "false,\"have\":\"" + have.toBase64().toStdString() + "\"}";
    }
    return entries;
}

int fileOf(const Options& options, int peer, int k)
{
    // Peer p holds files p*F .. p*F+F-1 (mod files): each file gets peers*F/files holders.
    return int((qint64(peer) * options.filesPerPeer + k) % options.files);
}

std::string registerBody(const Options& options, const std::vector<std::string>& entries, int peer)
{
    std::string body = "{\"peer_id\":\"" + hexId(1, quint64(peer)) +
                       "\",\"port\":" + std::to_string(10000 + peer % 50000) +
                       ",\"upload_slots\":4,\"files\":[";
    const bool complete = peer % 5 != 0;
    for (int k = 0; k < options.filesPerPeer; ++k) {
        const std::string& entry = entries[size_t(fileOf(options, peer, k))];
        if (k > 0)
            body += ',';
        if (complete) {
            body.append(entry, 0, entry.find("\"complete\":") + 11);
            body += "true}";
        } else {
            body += entry;
        }
    }
    body += "]}";
    return body;
}

// Registers peers [0, peers) on `connections` connections, `depth` requests in flight each.
void registerAll(const Options& options, const std::string& token, Clock::time_point deadline)
{
    const std::vector<std::string> entries = fileEntries(options);
    std::atomic<bool> stop = false;
    std::vector<std::string> errors(size_t(options.connections));
    std::vector<std::thread> workers;
    for (int c = 0; c < options.connections; ++c) {
        workers.emplace_back([&, c] {
            size_t sent = 0;
            size_t received = 0;
            try {
                Connection connection(options.port);
                std::vector<int> mine;
                for (int p = c; p < options.peers; p += options.connections)
                    mine.push_back(p);
                while (received < mine.size()) {
                    while (sent < mine.size() && sent - received < size_t(options.depth)) {
                        connection.send(
                            post("/register", registerBody(options, entries, mine[sent]), token));
                        ++sent;
                    }
                    const Response response = connection.receive();
                    if (response.status != 200)
                        fail("/register of peer " + std::to_string(mine[received]) + ": HTTP " +
                             std::to_string(response.status) + " " + response.body);
                    ++received;
                    if (stop)
                        return;
                    if (received % 1024 == 0 && Clock::now() > deadline)
                        fail("registration passed the time limit");
                }
            } catch (const std::exception& error) {
                errors[size_t(c)] = std::string(error.what()) + " (connection " +
                                    std::to_string(c) + ": " + std::to_string(received) +
                                    " answers, " + std::to_string(sent) + " requests sent)";
                stop = true;
            }
        });
    }
    for (std::thread& worker : workers)
        worker.join();
    for (const std::string& error : errors) {
        if (!error.empty())
            fail(error);
    }
}

double percentile(std::vector<double> sorted, double p)
{
    if (sorted.empty())
        return 0;
    const size_t index = std::min(sorted.size() - 1, size_t(p / 100.0 * double(sorted.size())));
    return sorted[index];
}

int scale(const Options& options)
{
    const Clock::time_point started = Clock::now();
    const Clock::time_point deadline = started + std::chrono::seconds(options.timeLimitSec);
    Connection control(options.port);

    const std::string credentials = R"({"username":"bench","password":"bench-password-1"})";
    if (const Response made = control.request(post("/auth/register", credentials));
        made.status != 201 && made.status != 409) // 409: made by an earlier run
        fail("/auth/register: HTTP " + std::to_string(made.status) + " " + made.body);
    const Response login = control.request(post("/auth/login", credentials));
    const std::string token =
        parseObject(login.body).value(QStringLiteral("token")).toString().toStdString();
    if (login.status != 200 || token.empty())
        fail("/auth/login: HTTP " + std::to_string(login.status) + " " + login.body);

    // Counted before and after: a tracker that served other requests first still checks out.
    const auto counts = [&control] {
        const Response health = control.request("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        const QJsonObject state = parseObject(health.body);
        if (health.status != 200)
            fail("/health: HTTP " + std::to_string(health.status) + " " + health.body);
        return std::pair<int, int>(state.value(QStringLiteral("peers")).toInt(-1),
                                   state.value(QStringLiteral("files")).toInt(-1));
    };
    const std::pair<int, int> known = counts();
    std::pair<long, long> before{-1, -1};
    if (options.pid > 0)
        before = memoryOf(options.pid);
    std::fprintf(stderr,
                 "bench/tracker: registering %d peers x %d files (of %d) on %d connections, "
                 "%d in flight each...\n",
                 options.peers, options.filesPerPeer, options.files, options.connections,
                 options.depth);
    const Clock::time_point registerStart = Clock::now();
    registerAll(options, token, deadline);
    const double registerSec = std::chrono::duration<double>(Clock::now() - registerStart).count();

    // The tracker must now know every peer and file.
    const auto [peersKnown, filesKnown] = counts();
    if (peersKnown - known.first != options.peers || filesKnown - known.second != options.files)
        fail("after registration /health reports " + std::to_string(peersKnown) + " peers and " +
             std::to_string(filesKnown) + " files, expected " +
             std::to_string(known.first + options.peers) + " and " +
             std::to_string(known.second + options.files));
    std::pair<long, long> after{-1, -1};
    if (options.pid > 0)
        after = memoryOf(options.pid);
    std::printf("RESULT register_seconds=%.3f peers_per_second=%.0f holdings_per_second=%.0f "
                "peers=%d files=%d rss_before_kib=%ld rss_kib=%ld hwm_kib=%ld\n",
                registerSec, options.peers / registerSec,
                double(options.peers) * options.filesPerPeer / registerSec, peersKnown, filesKnown,
                before.first, after.first, after.second);
    std::fflush(stdout);

    // Idle-peer queries: sequential, one keep-alive connection, timed by this client.
    std::mt19937_64 random(20240601);
    std::uniform_int_distribution<int> anyPeer(0, options.peers - 1);
    std::uniform_int_distribution<int> anyFile(0, options.files - 1);
    const int warmup = std::min(200, options.queries);
    std::vector<double> latenciesMs;
    latenciesMs.reserve(size_t(options.queries));
    int shortAnswers = 0;
    for (int i = 0; i < warmup + options.queries; ++i) {
        if (Clock::now() > deadline)
            fail("the idle-peer queries passed the time limit");
        const std::string body = "{\"peer_id\":\"" + hexId(1, quint64(anyPeer(random))) +
                                 "\",\"info_hash\":\"" + hexId(2, quint64(anyFile(random))) +
                                 "\",\"n\":" + std::to_string(options.n) + "}";
        const std::string request = post("/get_n_file_idle_peers", body, token);
        const Clock::time_point sent = Clock::now();
        const Response response = control.request(request);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
        if (response.status != 200)
            fail("/get_n_file_idle_peers: HTTP " + std::to_string(response.status) + " " +
                 response.body);
        const qsizetype granted =
            parseObject(response.body).value(QStringLiteral("peers")).toArray().size();
        if (i < warmup)
            continue;
        latenciesMs.push_back(ms);
        shortAnswers += granted < options.n ? 1 : 0;
    }
    std::sort(latenciesMs.begin(), latenciesMs.end());
    double sum = 0;
    for (double ms : latenciesMs)
        sum += ms;
    std::pair<long, long> end{-1, -1};
    if (options.pid > 0)
        end = memoryOf(options.pid);
    std::printf("RESULT queries=%zu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f mean_ms=%.3f "
                "short_answers=%d rss_end_kib=%ld hwm_end_kib=%ld total_seconds=%.1f\n",
                latenciesMs.size(), percentile(latenciesMs, 50), percentile(latenciesMs, 90),
                percentile(latenciesMs, 99), latenciesMs.empty() ? 0 : latenciesMs.back(),
                latenciesMs.empty() ? 0 : sum / double(latenciesMs.size()), shortAnswers, end.first,
                end.second, std::chrono::duration<double>(Clock::now() - started).count());
    return 0;
}

// Binds port 0 on 127.0.0.1 and prints the port the kernel picked (then frees it).
int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        fail(std::string("cannot find a free port: ") + std::strerror(errno));
    std::printf("%d\n", ntohs(address.sin_port));
    ::close(fd);
    return 0;
}

int usage()
{
    std::fprintf(stderr,
                 "usage: swarmshare-bench-tracker free-port\n"
                 "       swarmshare-bench-tracker scale --port PORT [--pid PID] [--peers N] "
                 "[--files N]\n"
                 "           [--files-per-peer N] [--queries N] [--n N] [--connections N] "
                 "[--depth N]\n"
                 "           [--time-limit SECONDS]\n");
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2)
        return usage();
    const std::string command = argv[1];
    try {
        if (command == "free-port")
            return freePort();
        if (command != "scale")
            return usage();
        Options options;
        const std::map<std::string, int*> integers = {
            {"--port", &options.port},
            {"--peers", &options.peers},
            {"--files", &options.files},
            {"--files-per-peer", &options.filesPerPeer},
            {"--queries", &options.queries},
            {"--n", &options.n},
            {"--connections", &options.connections},
            {"--depth", &options.depth},
            {"--time-limit", &options.timeLimitSec},
        };
        for (int i = 2; i < argc; i += 2) {
            const std::string name = argv[i];
            if (i + 1 >= argc)
                return usage();
            char* end = nullptr;
            const long value = std::strtol(argv[i + 1], &end, 10);
            if (*end != '\0' || value < 0)
                return usage();
            if (name == "--pid")
                options.pid = value;
            else if (auto it = integers.find(name); it != integers.end())
                *it->second = int(value);
            else
                return usage();
        }
        if (options.port < 1 || options.port > 65535 || options.peers < 2 || options.files < 1 ||
            options.filesPerPeer < 1 || options.filesPerPeer > options.files ||
            options.connections < 1 || options.connections > 64 || options.depth < 1 ||
            options.depth > 1024 || options.n < 1 || options.timeLimitSec < 1)
            return usage();
        return scale(options);
    } catch (const std::exception& error) {
        std::fflush(stdout);
        std::fprintf(stderr, "swarmshare-bench-tracker: %s\n", error.what());
        return 1;
    }
}

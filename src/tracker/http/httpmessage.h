// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>

#include <utility>

namespace swarmshare::tracker::http {

using HeaderList = QList<std::pair<QByteArray, QByteArray>>;

// One HTTP request as the server hands it to a handler: fully received, within the limits.
struct Request {
    QByteArray method;  // "GET", "POST", ...
    QByteArray path;    // percent-decoded path, e.g. "/files/abc"
    QByteArray query;   // raw query string after '?', still percent-encoded
    int httpMinor = 1;  // HTTP/1.x
    HeaderList headers; // names lower-cased, in arrival order
    QByteArray body;
    QHostAddress peerAddress; // IPv4-mapped IPv6 addresses are given as IPv4
    quint16 peerPort = 0;

    // The first header with this lower-case name, or empty.
    QByteArray header(QByteArrayView lowerCaseName) const;
    // key=value pairs of the query, split on '&' and '=' and percent-decoded ('+' is a space).
    // Binary-safe: a 20-byte info_hash with %00 bytes comes back intact.
    HeaderList queryItems() const;
    // The first value of `key` (decoded), or empty; `found` tells an empty value from none.
    QByteArray queryValue(QByteArrayView key, bool* found = nullptr) const;
    // Calls visit(decodedKey, rawValue) for each pair without allocating; decode the values
    // you keep with percentDecode(). Keys are compared after decoding.
    template<typename Visit>
    void forEachQueryItem(Visit&& visit) const;
};

struct Response {
    int status = 200;
    QByteArray contentType = "application/json";
    HeaderList headers; // extra headers, e.g. Retry-After
    QByteArray body;

    static Response json(int status, QByteArray body);
    static Response text(int status, QByteArray body, QByteArray contentType = "text/plain");
};

// "OK", "Not Found", ... for a status code.
QByteArray reasonPhrase(int status);

// The bytes of a response head: status line, Content-Type, Content-Length, extra headers,
// `Connection: close` when closing, and the blank line.
QByteArray serializeHead(const Response& response, int httpMinor, bool close);

// Percent-decoding that keeps every byte ("%00" gives a NUL byte), '+' as a space when asked.
QByteArray percentDecode(QByteArrayView text, bool plusIsSpace);

template<typename Visit>
void Request::forEachQueryItem(Visit&& visit) const
{
    const QByteArrayView all(query);
    for (qsizetype start = 0; start < all.size();) {
        qsizetype end = all.indexOf('&', start);
        if (end < 0)
            end = all.size();
        const QByteArrayView part = all.sliced(start, end - start);
        start = end + 1;
        if (part.isEmpty())
            continue;
        const qsizetype equals = part.indexOf('=');
        const QByteArrayView key = equals < 0 ? part : part.first(equals);
        const QByteArrayView value = equals < 0 ? QByteArrayView() : part.sliced(equals + 1);
        // Keys are almost always plain: decode only when they are not.
        if (key.indexOf('%') < 0 && key.indexOf('+') < 0)
            visit(key, value);
        else
            visit(QByteArrayView(percentDecode(key, true)), value);
    }
}

} // namespace swarmshare::tracker::http

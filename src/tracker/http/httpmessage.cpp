// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracker/http/httpmessage.h"

#include <charconv>
#include <cstring>

namespace swarmshare::tracker::http {

namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

QByteArray percentDecode(QByteArrayView text, bool plusIsSpace)
{
    QByteArray out(text.size(), Qt::Uninitialized);
    char* to = out.data();
    const char* from = text.data();
    const char* const end = from + text.size();
    while (from < end) {
        const char c = *from++;
        if (c == '%' && end - from >= 2) {
            const int high = hexValue(from[0]);
            const int low = hexValue(from[1]);
            if (high >= 0 && low >= 0) {
                *to++ = char(high * 16 + low);
                from += 2;
                continue;
            }
        }
        *to++ = (plusIsSpace && c == '+') ? ' ' : c;
    }
    out.truncate(to - out.constData());
    return out;
}

QByteArray Request::header(QByteArrayView lowerCaseName) const
{
    for (const auto& [name, value] : headers) {
        if (name == lowerCaseName)
            return value;
    }
    return {};
}

HeaderList Request::queryItems() const
{
    HeaderList items;
    forEachQueryItem([&items](QByteArrayView key, QByteArrayView value) {
        items.append({key.toByteArray(), percentDecode(value, true)});
    });
    return items;
}

QByteArray Request::queryValue(QByteArrayView key, bool* found) const
{
    QByteArray result;
    bool seen = false;
    forEachQueryItem([&](QByteArrayView name, QByteArrayView value) {
        if (!seen && name == key) {
            result = percentDecode(value, true);
            seen = true;
        }
    });
    if (found)
        *found = seen;
    return result;
}

Response Response::json(int status, QByteArray body)
{
    Response response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

Response Response::text(int status, QByteArray body, QByteArray contentType)
{
    Response response;
    response.status = status;
    response.contentType = std::move(contentType);
    response.body = std::move(body);
    return response;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    }
    return "Unknown";
}

QByteArray serializeHead(const Response& response, int httpMinor, bool close)
{
    // One allocation and memcpy's: QByteArray::append costs ~100 instructions a call, and the
    // head is written for every response.
    const QByteArray reason = reasonPhrase(response.status);
    // Fixed parts: status line 13, Content-Type 16, Content-Length 18 + 20 digits, Connection
    // 24, blank line 4 (95 in all): 128 covers them.
    qsizetype size = 128 + reason.size() + response.contentType.size();
    for (const auto& [name, value] : response.headers)
        size += name.size() + value.size() + 4;
    QByteArray head(size, Qt::Uninitialized);
    char* at = head.data();
    const auto put = [&at](QByteArrayView text) {
        std::memcpy(at, text.data(), size_t(text.size()));
        at += text.size();
    };
    put(httpMinor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ");
    at = std::to_chars(at, at + 4, response.status).ptr;
    *at++ = ' ';
    put(reason);
    // RFC 9110: a 204 has neither content nor the headers that describe it.
    if (response.status != 204) {
        put("\r\nContent-Type: ");
        put(response.contentType);
        put("\r\nContent-Length: ");
        at = std::to_chars(at, at + 20, response.body.size()).ptr;
    }
    for (const auto& [name, value] : response.headers) {
        put("\r\n");
        put(name);
        put(": ");
        put(value);
    }
    if (close)
        put("\r\nConnection: close");
    else if (httpMinor == 0)
        put("\r\nConnection: keep-alive");
    put("\r\n\r\n");
    head.truncate(at - head.constData());
    return head;
}

} // namespace swarmshare::tracker::http

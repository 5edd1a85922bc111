// SPDX-License-Identifier: GPL-3.0-or-later
// GET /files?q=, /files/<info_hash>, /files/<info_hash>/metainfo.
#include "tracker/apimodule.h"
#include "tracker/jsonbody.h"

namespace swarmshare::tracker {

namespace {

int queryInt(const http::Request& request, QByteArrayView key, int minimum, int maximum,
             int fallback)
{
    const QByteArray text = request.queryValue(key);
    if (text.isEmpty())
        return fallback;
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value < minimum || value > maximum)
        throw ApiError::invalidArgument(QStringLiteral("%1 must be an integer from %2 to %3")
                                            .arg(QString::fromLatin1(key.toByteArray()))
                                            .arg(minimum)
                                            .arg(maximum));
    return value;
}

} // namespace

bool FilesApi::handle(const http::Request& request, const http::Responder& responder)
{
    if (request.path != "/files" && !request.path.startsWith("/files/"))
        return false;
    requireMethod(request, "GET");
    if (request.path == "/files") {
        responder.send(search(request));
        return true;
    }
    const QList<QByteArray> parts = request.path.mid(7).split('/');
    const QByteArray infoHash = hashFromHex(QString::fromLatin1(parts.value(0)));
    if (infoHash.isEmpty() || parts.size() > 2 || (parts.size() == 2 && parts[1] != "metainfo"))
        throw ApiError::notFound(QStringLiteral("not_found"),
                                 QStringLiteral("expected /files/<40 hex digits>[/metainfo]"));
    responder.send(parts.size() == 2 ? metainfo(infoHash) : details(infoHash));
    return true;
}

http::Response FilesApi::search(const http::Request& request)
{
    const QString query = QString::fromUtf8(request.queryValue("q"));
    if (query.size() > 256)
        throw ApiError::invalidArgument(QStringLiteral("q: at most 256 characters"));
    const int limit = queryInt(request, "limit", 1, 1000, 50);
    const int offset = queryInt(request, "offset", 0, 1'000'000'000, 0);
    Result<QList<FileRecord>> found = m_context.store.searchFiles(query, limit, offset);
    if (!found)
        TrackerContext::raise(found.error());
    QJsonArray files;
    for (const FileRecord& file : std::as_const(*found)) {
        const SwarmRegistry::FileStats stats = m_context.registry.fileStats(file.infoHash);
        files.append(QJsonObject{{QStringLiteral("info_hash"), hex(file.infoHash)},
                                 {QStringLiteral("name"), file.name},
                                 {QStringLiteral("size"), file.size},
                                 {QStringLiteral("seeders"), stats.seeders},
                                 {QStringLiteral("leechers"), stats.leechers}});
    }
    return jsonResponse(200, files);
}

http::Response FilesApi::details(const QByteArray& infoHash)
{
    Result<std::optional<FileRecord>> found = m_context.store.findFile(infoHash);
    if (!found)
        TrackerContext::raise(found.error());
    if (!found->has_value())
        throw ApiError::notFound(QStringLiteral("not_found"), QStringLiteral("no such file"));
    const FileRecord& file = found->value();
    const SwarmRegistry::FileStats stats = m_context.registry.fileStats(infoHash);
    return jsonResponse(200, QJsonObject{
                                 {QStringLiteral("info_hash"), hex(file.infoHash)},
                                 {QStringLiteral("name"), file.name},
                                 {QStringLiteral("size"), file.size},
                                 {QStringLiteral("piece_length"), file.pieceLength},
                                 {QStringLiteral("piece_count"), file.pieceCount},
                                 {QStringLiteral("seeders"), stats.seeders},
                                 {QStringLiteral("leechers"), stats.leechers},
                                 {QStringLiteral("completed"), qint64(stats.completed)},
                                 {QStringLiteral("has_metainfo"), !file.metainfo.isEmpty()},
                                 {QStringLiteral("added_at"), file.addedAt.toString(Qt::ISODate)},
                             });
}

http::Response FilesApi::metainfo(const QByteArray& infoHash)
{
    Result<std::optional<FileRecord>> found = m_context.store.findFile(infoHash);
    if (!found)
        TrackerContext::raise(found.error());
    if (!found->has_value() || found->value().metainfo.isEmpty())
        throw ApiError::notFound(QStringLiteral("not_found"),
                                 QStringLiteral("no .torrent was shared for this file"));
    http::Response response =
        http::Response::text(200, found->value().metainfo, "application/x-bittorrent");
    // RFC 8187 ext-value: UTF-8, percent-encoded except attr-char. The client still sanitises
    // the name before it touches the disk.
    const QByteArray name = found->value().name.toUtf8().toPercentEncoding("!#$&+^`|");
    response.headers.append(
        {"Content-Disposition", "attachment; filename*=UTF-8''" + name + ".torrent"});
    return response;
}

} // namespace swarmshare::tracker

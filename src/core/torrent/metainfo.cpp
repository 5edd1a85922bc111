// SPDX-License-Identifier: GPL-3.0-or-later
#include "torrent/metainfo.h"

#include "bencode/decoder.h"
#include "common/sha1.h"
#include "torrent/pathsanitizer.h"

#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QStringDecoder>

#include <optional>

namespace swarmshare::torrent {

namespace {

using bencode::Value;

// "info.files[2].length": where a field is, for messages. `where` is empty at the top level.
QString fieldName(const QString& where, QByteArrayView key)
{
    const QString name = QString::fromLatin1(key);
    return where.isEmpty() ? name : where + QLatin1Char('.') + name;
}

Error wrongType(const QString& field, const Value& value, Value::Type expected)
{
    return makeError(Metainfo::tr("\"%1\" has the wrong type: %2 instead of %3")
                         .arg(field, bencode::typeName(value.type()), bencode::typeName(expected)));
}

// The entry `key` of `dict` when present and of type `type`; nullptr when absent.
Result<const Value*> optionalField(const Value& dict, const QString& where, QByteArrayView key,
                                   Value::Type type)
{
    const Value* value = dict.find(key);
    if (value && value->type() != type)
        return wrongType(fieldName(where, key), *value, type);
    return value;
}

Result<const Value*> requiredField(const Value& dict, const QString& where, QByteArrayView key,
                                   Value::Type type)
{
    Result<const Value*> value = optionalField(dict, where, key, type);
    if (value && !*value)
        return makeError(Metainfo::tr("\"%1\" is missing").arg(fieldName(where, key)));
    return value;
}

std::optional<QString> strictUtf8(const QByteArray& bytes)
{
    // ConvertInitialBom keeps a leading U+FEFF as part of the name instead of dropping it.
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless |
                                                     QStringDecoder::Flag::ConvertInitialBom);
    QString text = decoder.decode(bytes);
    if (decoder.hasError())
        return std::nullopt;
    return text;
}

// `key`, or `key.utf-8` when the torrent has it: the name of the field to read text from.
QByteArray textKey(const Value& dict, const QByteArray& key)
{
    const QByteArray utf8Key = key + ".utf-8";
    return dict.find(utf8Key) ? utf8Key : key;
}

Result<QString> readName(const Value& info)
{
    const QByteArray key = textKey(info, "name");
    Result<const Value*> name =
        requiredField(info, QStringLiteral("info"), key, Value::Type::String);
    if (!name)
        return name.error();
    std::optional<QString> text = strictUtf8((*name)->toString());
    if (!text)
        return makeError(
            Metainfo::tr("\"%1\" is not valid UTF-8").arg(fieldName(QStringLiteral("info"), key)));
    if (text->isEmpty())
        return makeError(Metainfo::tr("the torrent's name is empty"));
    return *text;
}

Result<QStringList> readPath(const Value& entry, const QString& where)
{
    const QByteArray key = textKey(entry, "path");
    Result<const Value*> path = requiredField(entry, where, key, Value::Type::List);
    if (!path)
        return path.error();
    const QString field = fieldName(where, key);
    QStringList components;
    for (const Value& part : (*path)->toList()) {
        const QString partField = QStringLiteral("%1[%2]").arg(field).arg(components.size());
        if (!part.isString())
            return wrongType(partField, part, Value::Type::String);
        std::optional<QString> text = strictUtf8(part.toString());
        if (!text)
            return makeError(Metainfo::tr("\"%1\" is not valid UTF-8").arg(partField));
        components << *text;
    }
    if (components.isEmpty())
        return makeError(Metainfo::tr("\"%1\" is an empty list").arg(field));
    return components;
}

Result<qint64> readLength(const Value& dict, const QString& where)
{
    Result<const Value*> field = requiredField(dict, where, "length", Value::Type::Integer);
    if (!field)
        return field.error();
    const qint64 length = (*field)->toInteger();
    if (length < 0)
        return makeError(
            Metainfo::tr("\"%1\" is negative (%2)").arg(fieldName(where, "length")).arg(length));
    if (length > Metainfo::kMaxTotalLength)
        return makeError(Metainfo::tr("\"%1\" is too large (%2 bytes)")
                             .arg(fieldName(where, "length"))
                             .arg(length));
    return length;
}

// Records a file's path and its folders; two files at one path, or a path that is a file in
// one entry and a folder in another, cannot both be written.
Result<void> claimPath(const QStringList& components, QSet<QString>& files, QSet<QString>& folders)
{
    QString prefix;
    for (qsizetype i = 0; i + 1 < components.size(); ++i) {
        prefix += (i ? QStringLiteral("/") : QString()) + components[i];
        if (files.contains(prefix))
            return makeError(Metainfo::tr("\"%1\" is both a file and a folder").arg(prefix));
        folders.insert(prefix);
    }
    const QString path = components.join(u'/');
    if (files.contains(path))
        return makeError(Metainfo::tr("the file \"%1\" is listed twice").arg(path));
    if (folders.contains(path))
        return makeError(Metainfo::tr("\"%1\" is both a file and a folder").arg(path));
    files.insert(path);
    return {};
}

QString readString(const Value& value)
{
    return QString::fromUtf8(value.toString());
}

} // namespace

Result<Metainfo> Metainfo::parse(QByteArrayView torrentFileBytes)
{
    bencode::DecodeLimits limits;
    limits.maxInputSize = kMaxFileSize;
    limits.maxStringLength = kMaxFileSize;
    Result<bencode::SpannedValue> decoded = bencode::decodeWithSpans(torrentFileBytes, limits);
    if (!decoded)
        return decoded.error();
    const Value& root = decoded->value;
    if (!root.isDict())
        return makeError(tr("a torrent file is a dictionary, but this is a %1")
                             .arg(bencode::typeName(root.type())));
    Result<const Value*> info = requiredField(root, QString(), "info", Value::Type::Dict);
    if (!info)
        return info.error();

    Metainfo metainfo;
    metainfo.m_infoBytes = decoded->entrySpans.at("info").in(torrentFileBytes).toByteArray();
    metainfo.m_infoHash = Sha1::hash(metainfo.m_infoBytes);
    if (Result<void> read = metainfo.readInfo(**info); !read)
        return read.error();
    if (Result<void> read = metainfo.readTrackers(root); !read)
        return read.error();
    if (Result<void> read = metainfo.readDescription(root); !read)
        return read.error();
    return metainfo;
}

Result<QByteArray> Metainfo::readFile(const QString& path)
{
    const QFileInfo fileInfo(path);
    if (fileInfo.isDir())
        return makeError(tr("%1 is a folder, not a torrent file").arg(path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(tr("cannot open %1: %2").arg(path, file.errorString()));
    const QString tooLarge = tr("%1 is too large for a torrent file (the limit is %2 MiB)")
                                 .arg(path)
                                 .arg(kMaxFileSize / (1024 * 1024));
    if (file.size() > kMaxFileSize)
        return makeError(tooLarge);
    // In chunks up to one byte past the limit: devices and pipes report no size up front, and
    // read(kMaxFileSize + 1) would reserve the whole limit for a file of a few KiB.
    QByteArray bytes;
    bytes.reserve(file.size() + 1);
    while (bytes.size() <= kMaxFileSize) {
        const QByteArray chunk =
            file.read(std::min<qint64>(1024 * 1024, kMaxFileSize + 1 - bytes.size()));
        if (chunk.isEmpty())
            break;
        bytes += chunk;
    }
    if (file.error() != QFileDevice::NoError)
        return makeError(tr("cannot read %1: %2").arg(path, file.errorString()));
    if (bytes.size() > kMaxFileSize)
        return makeError(tooLarge);
    return bytes;
}

Result<Metainfo> Metainfo::load(const QString& path)
{
    const Result<QByteArray> bytes = readFile(path);
    if (!bytes)
        return bytes.error();
    Result<Metainfo> parsed = parse(*bytes);
    if (!parsed)
        return makeError(tr("%1 is not a valid torrent: %2").arg(path, parsed.error().message),
                         parsed.error().offset);
    return parsed;
}

QByteArray Metainfo::pieceHash(int index) const
{
    if (index < 0 || index >= pieceCount())
        return {};
    return m_pieces.mid(qsizetype(index) * kHashSize, kHashSize);
}

Result<void> Metainfo::readInfo(const Value& info)
{
    const QString where = QStringLiteral("info");
    Result<QString> name = readName(info);
    if (!name)
        return name.error();
    m_name = *name;
    if (Result<void> pieces = readPieces(info); !pieces)
        return pieces;

    Result<const Value*> length = optionalField(info, where, "length", Value::Type::Integer);
    Result<const Value*> files = optionalField(info, where, "files", Value::Type::List);
    if (!length)
        return length.error();
    if (!files)
        return files.error();
    if (*length && *files)
        return makeError(tr("\"info\" has both \"length\" (single file) and \"files\" (several)"));
    if (!*length && !*files)
        return makeError(tr("\"info\" has neither \"length\" (single file) nor \"files\""));
    if (*files) {
        m_multiFile = true;
        if (Result<void> read = readFiles(**files); !read)
            return read;
    } else {
        Result<qint64> size = readLength(info, where);
        Result<QString> path = PathSanitizer::join({m_name});
        if (!size)
            return size.error();
        if (!path)
            return path.error();
        m_files = {FileEntry{*path, *size}};
        m_totalLength = *size;
    }
    if (m_totalLength == 0)
        return makeError(tr("the torrent holds no data: its files are all empty"));

    const qint64 expected = (m_totalLength + m_pieceLength - 1) / m_pieceLength;
    if (pieceCount() != expected)
        return makeError(tr("\"info.pieces\" has %1 hashes, but %2 bytes in pieces of %3 bytes "
                            "make %4 pieces")
                             .arg(pieceCount())
                             .arg(m_totalLength)
                             .arg(m_pieceLength)
                             .arg(expected));

    Result<const Value*> isPrivate = optionalField(info, where, "private", Value::Type::Integer);
    if (!isPrivate)
        return isPrivate.error();
    // BEP 27 writes 1; like libtorrent, any other non-zero value also means private.
    m_private = *isPrivate && (*isPrivate)->toInteger() != 0;
    return {};
}

Result<void> Metainfo::readPieces(const Value& info)
{
    const QString where = QStringLiteral("info");
    Result<const Value*> pieceLength =
        requiredField(info, where, "piece length", Value::Type::Integer);
    if (!pieceLength)
        return pieceLength.error();
    m_pieceLength = (*pieceLength)->toInteger();
    if (m_pieceLength < kMinPieceLength || m_pieceLength > kMaxPieceLength ||
        (m_pieceLength & (m_pieceLength - 1)) != 0)
        return makeError(tr("the piece length %1 is not a power of two from 16 KiB to 64 MiB")
                             .arg(m_pieceLength));

    Result<const Value*> pieces = requiredField(info, where, "pieces", Value::Type::String);
    if (!pieces)
        return pieces.error();
    m_pieces = (*pieces)->toString();
    if (m_pieces.size() % kHashSize != 0)
        return makeError(tr("\"info.pieces\" is %1 bytes long, which is not a multiple of 20")
                             .arg(m_pieces.size()));
    return {};
}

Result<void> Metainfo::readFiles(const Value& files)
{
    const Value::List& list = files.toList();
    if (list.isEmpty())
        return makeError(tr("\"info.files\" is an empty list"));
    QSet<QString> filePaths;
    QSet<QString> folderPaths;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString where = QStringLiteral("info.files[%1]").arg(i);
        const Value& entry = list[i];
        if (!entry.isDict())
            return wrongType(where, entry, Value::Type::Dict);
        Result<qint64> length = readLength(entry, where);
        if (!length)
            return length.error();
        Result<QStringList> path = readPath(entry, where);
        if (!path)
            return path.error();
        const QStringList components = QStringList{m_name} + *path;
        Result<QString> joined = PathSanitizer::join(components);
        if (!joined)
            return joined.error();
        if (Result<void> claimed = claimPath(components, filePaths, folderPaths); !claimed)
            return claimed;
        m_files.append(FileEntry{*joined, *length});
        m_totalLength += *length;
        if (m_totalLength > kMaxTotalLength)
            return makeError(tr("the files add up to more than %1 bytes").arg(kMaxTotalLength));
    }
    return {};
}

Result<void> Metainfo::readTrackers(const Value& root)
{
    Result<const Value*> announce = optionalField(root, QString(), "announce", Value::Type::String);
    Result<const Value*> announceList =
        optionalField(root, QString(), "announce-list", Value::Type::List);
    if (!announce)
        return announce.error();
    if (!announceList)
        return announceList.error();
    if (*announceList) {
        for (const Value& tier : (*announceList)->toList()) {
            if (!tier.isList())
                return makeError(tr("\"announce-list\" must be a list of lists of URLs"));
            QStringList urls;
            for (const Value& url : tier.toList()) {
                if (!url.isString())
                    return makeError(tr("\"announce-list\" must be a list of lists of URLs"));
                if (!url.toString().isEmpty())
                    urls << readString(url);
            }
            if (!urls.isEmpty())
                m_trackerTiers << urls;
        }
    }
    // BEP 12: clients that understand announce-list ignore announce.
    if (m_trackerTiers.isEmpty() && *announce && !(*announce)->toString().isEmpty())
        m_trackerTiers << QStringList{readString(**announce)};
    return {};
}

Result<void> Metainfo::readDescription(const Value& root)
{
    Result<const Value*> comment = optionalField(root, QString(), "comment", Value::Type::String);
    Result<const Value*> createdBy =
        optionalField(root, QString(), "created by", Value::Type::String);
    Result<const Value*> date =
        optionalField(root, QString(), "creation date", Value::Type::Integer);
    for (const Result<const Value*>* field : {&comment, &createdBy, &date}) {
        if (!*field)
            return field->error();
    }
    if (*comment)
        m_comment = readString(**comment);
    if (*createdBy)
        m_createdBy = readString(**createdBy);
    if (*date)
        m_creationDate = QDateTime::fromSecsSinceEpoch((*date)->toInteger(), Qt::UTC);
    return {};
}

} // namespace swarmshare::torrent

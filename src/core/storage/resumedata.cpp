// SPDX-License-Identifier: GPL-3.0-or-later
#include "storage/resumedata.h"

#include "common/sha1.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <limits>

namespace swarmshare::storage {

namespace {

const QString kFormat = QStringLiteral("swarmshare-resume");

QByteArray bindingDigest(QByteArrayView pieceHashes)
{
    return Sha1::hash(pieceHashes).toHex();
}

bool hasExactly(const QJsonObject& object, std::initializer_list<QLatin1String> keys)
{
    if (object.size() != qsizetype(keys.size()))
        return false;
    for (const QLatin1String& key : keys) {
        if (!object.contains(key))
            return false;
    }
    return true;
}

std::optional<qint64> integer(const QJsonValue& value, qint64 min)
{
    // toInteger() falls back to its argument for anything that is not an integral number: two
    // different fallbacks agree only when the value is one.
    const qint64 n = value.toInteger(0);
    if (!value.isDouble() || n != value.toInteger(1) || n < min)
        return std::nullopt;
    return n;
}

std::optional<FileStat> parseFile(const QJsonValue& value, const torrent::FileEntry& entry)
{
    const QJsonObject object = value.toObject();
    using L = QLatin1String;
    if (!value.isObject() ||
        !hasExactly(object, {L("path"), L("length"), L("exists"), L("size"), L("mtimeMs")}))
        return std::nullopt;
    if (object.value(L("path")).toString() != entry.path ||
        integer(object.value(L("length")), 0) != entry.length ||
        !object.value(L("exists")).isBool())
        return std::nullopt;
    const std::optional<qint64> size = integer(object.value(L("size")), 0);
    const std::optional<qint64> mtime =
        integer(object.value(L("mtimeMs")), std::numeric_limits<qint64>::min() + 1);
    if (!size || !mtime)
        return std::nullopt;
    return FileStat{object.value(L("exists")).toBool(), *size, *mtime};
}

} // namespace

QList<FileStat> ResumeData::statFiles(const FileLayout& layout, const QString& root)
{
    QList<FileStat> stats;
    stats.reserve(layout.fileCount());
    const QDir dir(root);
    for (const torrent::FileEntry& entry : layout.files()) {
        const QFileInfo info(dir.filePath(entry.path));
        if (!info.exists()) {
            stats.append(FileStat{});
            continue;
        }
        const qint64 mtime = info.fileTime(QFileDevice::FileModificationTime).toMSecsSinceEpoch();
        stats.append(FileStat{true, info.size(), mtime});
    }
    return stats;
}

QByteArray ResumeData::toJson(const FileLayout& layout, QByteArrayView pieceHashes) const
{
    Q_ASSERT(files.size() == layout.fileCount() && have.size() == layout.pieceCount());
    QJsonArray fileArray;
    for (int i = 0; i < layout.fileCount(); ++i) {
        const FileStat& stat = files.at(i);
        fileArray.append(QJsonObject{{QLatin1String("path"), layout.file(i).path},
                                     {QLatin1String("length"), layout.file(i).length},
                                     {QLatin1String("exists"), stat.exists},
                                     {QLatin1String("size"), stat.size},
                                     {QLatin1String("mtimeMs"), stat.mtimeMs}});
    }
    const QJsonObject root{
        {QLatin1String("format"), kFormat},
        {QLatin1String("version"), kVersion},
        {QLatin1String("pieceLength"), layout.pieceLength()},
        {QLatin1String("pieceCount"), layout.pieceCount()},
        {QLatin1String("piecesSha1"), QString::fromLatin1(bindingDigest(pieceHashes))},
        {QLatin1String("have"), QString::fromLatin1(have.toBytes().toBase64())},
        {QLatin1String("files"), fileArray},
    };
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

Result<ResumeData> ResumeData::fromJson(QByteArrayView json, const FileLayout& layout,
                                        QByteArrayView pieceHashes)
{
    using L = QLatin1String;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(tr("invalid JSON: %1").arg(parseError.errorString()), parseError.offset);
    const QJsonObject root = document.object();
    if (!document.isObject() ||
        !hasExactly(root, {L("format"), L("version"), L("pieceLength"), L("pieceCount"),
                           L("piecesSha1"), L("have"), L("files")}) ||
        root.value(L("format")).toString() != kFormat)
        return makeError(tr("not Swarmshare resume data"));
    if (integer(root.value(L("version")), 0) != kVersion)
        return makeError(tr("unsupported resume data version"));
    if (integer(root.value(L("pieceLength")), 1) != layout.pieceLength() ||
        integer(root.value(L("pieceCount")), 0) != layout.pieceCount() ||
        root.value(L("piecesSha1")).toString().toLatin1() != bindingDigest(pieceHashes))
        return makeError(tr("resume data of another torrent"));

    const QByteArray::FromBase64Result decoded = QByteArray::fromBase64Encoding(
        root.value(L("have")).toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!root.value(L("have")).isString() || !decoded)
        return makeError(tr("the bitfield is not valid base64"));
    Result<Bitfield> have = Bitfield::fromBytes(decoded.decoded, layout.pieceCount());
    if (!have)
        return have.error();

    const QJsonArray fileArray = root.value(L("files")).toArray();
    if (!root.value(L("files")).isArray() || fileArray.size() != layout.fileCount())
        return makeError(tr("the file list does not match the torrent"));
    ResumeData data;
    data.have = std::move(*have);
    for (int i = 0; i < layout.fileCount(); ++i) {
        const std::optional<FileStat> stat = parseFile(fileArray.at(i), layout.file(i));
        if (!stat)
            return makeError(tr("invalid entry for file %1").arg(i));
        data.files.append(*stat);
    }
    return data;
}

Result<void> ResumeData::save(const QString& path, const FileLayout& layout,
                              QByteArrayView pieceHashes) const
{
    const QString folder = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(folder))
        return makeError(
            tr("Cannot create the folder \"%1\"").arg(QDir::toNativeSeparators(folder)));
    QSaveFile file(path);
    const QByteArray json = toJson(layout, pieceHashes);
    if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size() || !file.commit()) {
        return makeError(tr("Cannot save the resume data \"%1\": %2")
                             .arg(QDir::toNativeSeparators(path), file.errorString()));
    }
    return {};
}

Result<ResumeData> ResumeData::load(const QString& path, const FileLayout& layout,
                                    QByteArrayView pieceHashes)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(
            tr("Cannot open \"%1\": %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    if (file.size() > kMaxFileSize)
        return makeError(tr("\"%1\" is too large").arg(QDir::toNativeSeparators(path)));
    const QByteArray json = file.read(kMaxFileSize + 1);
    if (json.size() > kMaxFileSize)
        return makeError(tr("\"%1\" is too large").arg(QDir::toNativeSeparators(path)));
    return fromJson(json, layout, pieceHashes);
}

ResumePlan planResume(const FileLayout& layout, const std::optional<ResumeData>& saved,
                      const QList<FileStat>& now)
{
    Q_ASSERT(now.size() == layout.fileCount());
    Q_ASSERT(!saved || saved->files.size() == layout.fileCount());
    const int pieces = layout.pieceCount();
    Bitfield check(pieces);
    Bitfield drop(pieces);
    for (int file = 0; file < layout.fileCount(); ++file) {
        const bool missing = !now.at(file).exists;
        const bool changed = !saved || saved->files.at(file) != now.at(file);
        if (!missing && !changed)
            continue;
        const PieceRange range = layout.piecesOfFile(file);
        for (int piece = range.first; piece < range.last; ++piece)
            (missing ? drop : check).set(piece);
    }
    ResumePlan plan;
    plan.trusted = saved ? saved->have : Bitfield(pieces);
    for (int piece = 0; piece < pieces; ++piece) {
        if (drop.test(piece) || check.test(piece))
            plan.trusted.reset(piece);
        if (check.test(piece) && !drop.test(piece))
            plan.toCheck.append(piece);
    }
    return plan;
}

} // namespace swarmshare::storage

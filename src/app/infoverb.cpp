// SPDX-License-Identifier: GPL-3.0-or-later
// `swarmshare info FILE.torrent [--json]`: checks a .torrent file and prints what it describes.
#include "app/verb.h"
#include "torrent/metainfo.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace swarmshare::app {

namespace {

using torrent::Metainfo;

class InfoVerb final : public Verb {
    Q_DECLARE_TR_FUNCTIONS(InfoVerb)

public:
    QString name() const override { return QStringLiteral("info"); }

    QString summary() const override
    {
        return tr("Check a .torrent file and print its name, info-hash, pieces and files.");
    }

    void configure(QCommandLineParser& parser) const override
    {
        parser.addPositionalArgument(QStringLiteral("FILE"), tr("The .torrent file to read."));
        parser.addOption({QStringLiteral("json"), tr("Print the facts as a JSON object.")});
    }

    int run(VerbContext& context) override
    {
        const QStringList args = context.parser().positionalArguments();
        if (args.isEmpty())
            return context.usageError(tr("missing the .torrent file to read"));
        if (args.size() > 1)
            return context.usageError(tr("unexpected argument '%1'").arg(args.at(1)));
        const Result<Metainfo> meta = Metainfo::load(args.constFirst());
        if (!meta)
            return context.failure(meta.error().message);
        if (context.parser().isSet(QStringLiteral("json")))
            context.out() << QString::fromUtf8(QJsonDocument(toJson(*meta)).toJson());
        else
            context.out() << describe(*meta);
        return 0;
    }

private:
    // Keys are part of the output format (scripts and the interop tests read them): never
    // translated, never renamed without a reason.
    static QJsonObject toJson(const Metainfo& meta)
    {
        QJsonArray files;
        for (const torrent::FileEntry& file : meta.files())
            files.append(QJsonObject{{QStringLiteral("path"), file.path},
                                     {QStringLiteral("length"), file.length}});
        QJsonArray tiers;
        for (const QStringList& tier : meta.trackerTiers())
            tiers.append(QJsonArray::fromStringList(tier));
        const QDateTime created = meta.creationDate();
        return QJsonObject{
            {QStringLiteral("name"), meta.name()},
            {QStringLiteral("infoHash"), meta.infoHashHex()},
            {QStringLiteral("pieceLength"), meta.pieceLength()},
            {QStringLiteral("pieceCount"), meta.pieceCount()},
            {QStringLiteral("totalLength"), meta.totalLength()},
            {QStringLiteral("multiFile"), meta.isMultiFile()},
            {QStringLiteral("files"), files},
            {QStringLiteral("trackers"), tiers},
            {QStringLiteral("private"), meta.isPrivate()},
            {QStringLiteral("comment"), meta.comment()},
            {QStringLiteral("createdBy"), meta.createdBy()},
            {QStringLiteral("creationDate"),
             created.isValid() ? QJsonValue(created.toSecsSinceEpoch()) : QJsonValue()},
        };
    }

    // "256 KiB (262144 bytes)", "1.50 MiB (1572864 bytes)": whole units without decimals.
    static QString size(qint64 bytes)
    {
        qint64 unit = 1;
        while (unit < (qint64(1) << 60) && bytes >= unit * 1024)
            unit *= 1024;
        if (unit == 1)
            return tr("%1 bytes").arg(bytes);
        const int precision = bytes % unit == 0 ? 0 : 2;
        return tr("%1 (%2 bytes)")
            .arg(QLocale().formattedDataSize(bytes, precision, QLocale::DataSizeIecFormat))
            .arg(bytes);
    }

    static QString describe(const Metainfo& meta)
    {
        QString text;
        const auto row = [&text](const QString& label, const QString& value) {
            text += label.leftJustified(16) + value + QLatin1Char('\n');
        };
        row(tr("Name:"), meta.name());
        row(tr("Info-hash:"), meta.infoHashHex());
        row(tr("Piece length:"), size(meta.pieceLength()));
        row(tr("Pieces:"), QString::number(meta.pieceCount()));
        row(tr("Total size:"), size(meta.totalLength()));
        row(tr("Private:"), meta.isPrivate() ? tr("yes") : tr("no"));
        if (!meta.comment().isEmpty())
            row(tr("Comment:"), meta.comment());
        if (!meta.createdBy().isEmpty())
            row(tr("Created by:"), meta.createdBy());
        if (meta.creationDate().isValid())
            row(tr("Created on:"), meta.creationDate().toString(Qt::ISODate));
        text += tr("Trackers:") + QLatin1Char('\n');
        if (meta.trackerTiers().isEmpty())
            text += QStringLiteral("  ") + tr("(none)") + QLatin1Char('\n');
        for (qsizetype tier = 0; tier < meta.trackerTiers().size(); ++tier) {
            for (const QString& url : meta.trackerTiers().at(tier))
                text += QStringLiteral("  ") + tr("tier %1: %2").arg(tier + 1).arg(url) +
                        QLatin1Char('\n');
        }
        text += tr("Files (%1):").arg(meta.files().size()) + QLatin1Char('\n');
        for (const torrent::FileEntry& file : meta.files())
            text += QStringLiteral("  %1  %2\n").arg(file.length, 15).arg(file.path);
        return text;
    }
};

} // namespace

std::unique_ptr<Verb> makeInfoVerb()
{
    return std::make_unique<InfoVerb>();
}

} // namespace swarmshare::app

// SPDX-License-Identifier: GPL-3.0-or-later
// `swarmshare create PATH -o OUT.torrent`: makes a .torrent from a file or a folder.
#include "app/verb.h"
#include "common/units.h"
#include "torrent/torrentcreator.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QLocale>
#include <QSaveFile>
#include <QUrl>

#include <optional>

namespace swarmshare::app {

namespace {

class CreateVerb final : public Verb {
    Q_DECLARE_TR_FUNCTIONS(CreateVerb)

public:
    QString name() const override { return QStringLiteral("create"); }

    QString summary() const override
    {
        return tr("Make a .torrent from a file or a folder, hashing on every core.");
    }

    void configure(QCommandLineParser& parser) const override
    {
        parser.addPositionalArgument(QStringLiteral("PATH"), tr("The file or folder to share."));
        parser.addOptions({
            {{QStringLiteral("o"), QStringLiteral("output")},
             tr("Write the .torrent to FILE."),
             QStringLiteral("FILE")},
            {QStringLiteral("tracker"),
             tr("Announce URL of a tracker; repeat for fallbacks, in order."),
             QStringLiteral("URL")},
            {QStringLiteral("piece-length"),
             tr("Piece size: a power of two from 16K to 64M (default: about 1000-2000 "
                "pieces)."),
             QStringLiteral("N")},
            {QStringLiteral("private"), tr("Mark the torrent private (trackers only, BEP 27).")},
            {QStringLiteral("comment"), tr("Add a comment."), QStringLiteral("TEXT")},
            {QStringLiteral("threads"), tr("Hash on N threads (default: one per core)."),
             QStringLiteral("N")},
            {QStringLiteral("force"), tr("Replace FILE if it exists.")},
        });
    }

    int run(VerbContext& context) override
    {
        const QCommandLineParser& parser = context.parser();
        const QStringList positional = parser.positionalArguments();
        if (positional.size() != 1)
            return context.usageError(positional.isEmpty()
                                          ? tr("missing PATH: the file or folder to share")
                                          : tr("unexpected argument '%1'").arg(positional.at(1)));
        const QString output = parser.value(QStringLiteral("output"));
        if (output.isEmpty())
            return context.usageError(tr("missing -o FILE: where to write the .torrent"));

        torrent::CreateOptions options;
        options.sourcePath = positional.constFirst();
        options.isPrivate = parser.isSet(QStringLiteral("private"));
        options.comment = parser.value(QStringLiteral("comment"));
        for (const QString& url : parser.values(QStringLiteral("tracker"))) {
            const QUrl parsed(url, QUrl::StrictMode);
            if (!parsed.isValid() || parsed.scheme().isEmpty() || parsed.host().isEmpty())
                return context.usageError(tr("'%1' is not a tracker URL").arg(url));
            options.trackers << url;
        }
        if (parser.isSet(QStringLiteral("piece-length"))) {
            const std::optional<qint64> size =
                Units::parseBytes(parser.value(QStringLiteral("piece-length")));
            if (!size)
                return context.usageError(tr("'%1' is not a size (examples: 262144, 256K, 4M)")
                                              .arg(parser.value(QStringLiteral("piece-length"))));
            options.pieceLength = *size;
        }
        if (parser.isSet(QStringLiteral("threads"))) {
            bool ok = false;
            options.threads = parser.value(QStringLiteral("threads")).toInt(&ok);
            if (!ok || options.threads < 1 || options.threads > 256)
                return context.usageError(tr("--threads takes a number from 1 to 256"));
        }
        if (QFileInfo::exists(output) && !parser.isSet(QStringLiteral("force")))
            return context.failure(tr("%1 exists (use --force to replace it)").arg(output));

        torrent::TorrentCreator creator(options);
        if (Result<void> prepared = creator.prepare(); !prepared)
            return context.failure(prepared.error().message);
        Result<torrent::CreatedTorrent> created = hashWithProgress(creator, context);
        if (!created)
            return context.failure(created.error().message);

        QSaveFile file(output);
        if (!file.open(QIODevice::WriteOnly) ||
            file.write(created->torrentFile) != created->torrentFile.size() || !file.commit())
            return context.failure(tr("cannot write %1: %2").arg(output, file.errorString()));
        printSummary(context, creator, output, created->infoHash);
        return 0;
    }

private:
    // Hashes on worker threads; on a terminal, redraws one progress line on stderr meanwhile.
    // Hashes on worker threads; on a terminal, shows percentage, sizes and speed meanwhile.
    static Result<torrent::CreatedTorrent> hashWithProgress(torrent::TorrentCreator& creator,
                                                            VerbContext& context)
    {
        QElapsedTimer clock;
        clock.start();
        const QLocale locale;
        return context.runWithProgress(
            [&creator] { return creator.create(); },
            [&] {
                const qint64 done = creator.bytesHashed();
                const double seconds = qMax(clock.elapsed(), qint64(1)) / 1000.0;
                return tr("Hashing %1%  %2 of %3  %4/s")
                    .arg(done * 100 / qMax(creator.totalBytes(), qint64(1)), 3)
                    .arg(locale.formattedDataSize(done),
                         locale.formattedDataSize(creator.totalBytes()),
                         locale.formattedDataSize(qint64(done / seconds)));
            });
    }

    static void printSummary(VerbContext& context, const torrent::TorrentCreator& creator,
                             const QString& output, const QByteArray& infoHash)
    {
        const QLocale locale;
        QTextStream& out = context.out();
        out << tr("Created %1").arg(output) << '\n';
        const auto row = [&out](const QString& label, const QString& value) {
            out << "  " << label.leftJustified(11) << ' ' << value << '\n';
        };
        row(tr("name"), creator.name());
        row(tr("files"), QString::number(creator.files().size()));
        row(tr("size"), tr("%1 (%2 bytes)")
                            .arg(locale.formattedDataSize(creator.totalBytes()))
                            .arg(creator.totalBytes()));
        row(tr("pieces"), tr("%1 x %2")
                              .arg(creator.pieceCount())
                              .arg(locale.formattedDataSize(creator.pieceLength())));
        row(tr("info-hash"), QString::fromLatin1(infoHash.toHex()));
    }
};

} // namespace

std::unique_ptr<Verb> makeCreateVerb()
{
    return std::make_unique<CreateVerb>();
}

} // namespace swarmshare::app

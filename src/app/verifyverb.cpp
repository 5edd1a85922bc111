// SPDX-License-Identifier: GPL-3.0-or-later
// `swarmshare verify FILE.torrent --data DIR`: checks every piece of the data against the
// .torrent, on all cores, and reports which pieces and files are complete.
#include "app/verb.h"
#include "storage/filelayout.h"
#include "storage/piecechecker.h"
#include "torrent/metainfo.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThreadPool>

#include <numeric>

namespace swarmshare::app {

namespace {

// "0-3, 7, 9-12": the pieces of `bits` that are not set, as ranges.
QString missingRanges(const Bitfield& bits, int limit = 20)
{
    QStringList ranges;
    for (int i = 0; i < bits.size();) {
        if (bits.test(i)) {
            ++i;
            continue;
        }
        int end = i;
        while (end + 1 < bits.size() && !bits.test(end + 1))
            ++end;
        ranges << (end == i ? QString::number(i) : QStringLiteral("%1-%2").arg(i).arg(end));
        i = end + 1;
        if (ranges.size() == limit) {
            ranges << QStringLiteral("...");
            break;
        }
    }
    return ranges.join(QStringLiteral(", "));
}

class VerifyVerb final : public Verb {
    Q_DECLARE_TR_FUNCTIONS(VerifyVerb)

public:
    QString name() const override { return QStringLiteral("verify"); }

    QString summary() const override
    {
        return tr("Check downloaded or shared data against a .torrent, piece by piece.");
    }

    void configure(QCommandLineParser& parser) const override
    {
        parser.addPositionalArgument(QStringLiteral("FILE.torrent"), tr("The .torrent file."));
        parser.addOptions({
            {QStringLiteral("data"),
             tr("The folder that holds the data (the torrent's name is inside it)."),
             QStringLiteral("DIR")},
            {QStringLiteral("json"), tr("Print the result as a JSON object.")},
        });
    }

    int run(VerbContext& context) override
    {
        const QCommandLineParser& parser = context.parser();
        const QStringList positional = parser.positionalArguments();
        if (positional.size() != 1)
            return context.usageError(positional.isEmpty()
                                          ? tr("missing the .torrent file to check against")
                                          : tr("unexpected argument '%1'").arg(positional.at(1)));
        const QString dataDir = parser.value(QStringLiteral("data"));
        if (dataDir.isEmpty())
            return context.usageError(tr("missing --data DIR: the folder that holds the data"));
        if (!QFileInfo(dataDir).isDir())
            return context.failure(tr("%1 is not a folder").arg(dataDir));

        const Result<torrent::Metainfo> meta = torrent::Metainfo::load(positional.constFirst());
        if (!meta)
            return context.failure(meta.error().message);
        Result<storage::FileLayout> layout =
            storage::FileLayout::create(meta->files(), meta->pieceLength());
        if (!layout)
            return context.failure(layout.error().message);

        const storage::PieceChecker::Outcome outcome = check(*layout, *meta, dataDir, context);
        if (outcome.error)
            return context.failure(outcome.error->message);
        report(context, *layout, *meta, dataDir, outcome.good,
               parser.isSet(QStringLiteral("json")));
        return outcome.good.all() ? 0 : 1;
    }

private:
    static storage::PieceChecker::Outcome check(const storage::FileLayout& layout,
                                                const torrent::Metainfo& meta,
                                                const QString& dataDir, VerbContext& context)
    {
        QList<int> pieces(layout.pieceCount());
        std::iota(pieces.begin(), pieces.end(), 0);
        storage::PieceChecker checker(layout, dataDir, meta.pieceHashes(), pieces);
        std::atomic<int> done{0};
        checker.start(
            QThreadPool::globalInstance(), [&done](int finished, int) { done.store(finished); },
            [] {});
        // The checker works on pool threads; waiting for it is the work, the line its count.
        context.runWithProgress(
            [&checker] { checker.wait(); },
            [&] {
                return tr("Checking %1 of %2 pieces").arg(done.load()).arg(layout.pieceCount());
            });
        return checker.outcome();
    }

    // Prints the result; returns whether every piece and every file (empty ones too) is there.
    static bool report(VerbContext& context, const storage::FileLayout& layout,
                       const torrent::Metainfo& meta, const QString& dataDir, const Bitfield& good,
                       bool json)
    {
        QJsonArray files;
        QStringList lines;
        bool allThere = good.all();
        for (int f = 0; f < layout.fileCount(); ++f) {
            const torrent::FileEntry& file = layout.files().at(f);
            const storage::PieceRange range = layout.piecesOfFile(f);
            bool complete = true;
            for (int piece = range.first; piece < range.last; ++piece)
                complete = complete && good.test(piece);
            const bool exists = QFileInfo::exists(QDir(dataDir).filePath(file.path));
            complete = complete && exists; // an empty file has no piece to fail
            allThere = allThere && complete;
            const QString state = complete ? QStringLiteral("complete")
                                  : exists ? QStringLiteral("incomplete")
                                           : QStringLiteral("missing");
            files.append(QJsonObject{{QStringLiteral("path"), file.path},
                                     {QStringLiteral("length"), file.length},
                                     {QStringLiteral("state"), state}});
            if (!complete)
                lines << QStringLiteral("  %1  %2")
                             .arg(exists ? tr("incomplete") : tr("missing"), file.path);
        }
        if (json) {
            QJsonArray bad;
            for (int i = 0; i < good.size(); ++i) {
                if (!good.test(i))
                    bad.append(i);
            }
            context.out() << QString::fromUtf8(
                QJsonDocument(QJsonObject{{QStringLiteral("infoHash"), meta.infoHashHex()},
                                          {QStringLiteral("pieceCount"), good.size()},
                                          {QStringLiteral("goodPieces"), good.count()},
                                          {QStringLiteral("badPieces"), bad},
                                          {QStringLiteral("complete"), allThere},
                                          {QStringLiteral("files"), files}})
                    .toJson());
            return allThere;
        }
        context.out()
            << tr("%1: %2 of %3 pieces good").arg(meta.name()).arg(good.count()).arg(good.size())
            << '\n';
        if (allThere) {
            context.out() << tr("All data is complete and correct.") << '\n';
            return true;
        }
        if (!good.all())
            context.out() << tr("Missing or damaged pieces: %1").arg(missingRanges(good)) << '\n';
        context.out() << tr("Files not complete:") << '\n' << lines.join(QLatin1Char('\n')) << '\n';
        return false;
    }
};

} // namespace

std::unique_ptr<Verb> makeVerifyVerb()
{
    return std::make_unique<VerifyVerb>();
}

} // namespace swarmshare::app

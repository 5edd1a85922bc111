// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/commandline.h"

#include "common/logging.h"

#include <QFileInfo>
#include <QTextStream>

#include <cstdio>
#include <swarmshare/version.h>

namespace swarmshare::app {

namespace {

QCommandLineOption helpOption()
{
    return QCommandLineOption({QStringLiteral("h"), QStringLiteral("help")},
                              QCoreApplication::translate("CommandLine", "Show this help."));
}

QCommandLineOption versionOption()
{
    return QCommandLineOption({QStringLiteral("v"), QStringLiteral("version")},
                              QCoreApplication::translate("CommandLine", "Show the version."));
}

QCommandLineOption configOption()
{
    return QCommandLineOption(
        QStringLiteral("config"),
        QCoreApplication::translate("CommandLine",
                                    "Read the configuration from FILE instead of the default "
                                    "location."),
        QStringLiteral("FILE"));
}

void print(FILE* stream, const QString& text)
{
    QTextStream out(stream);
    out << text;
}

} // namespace

struct CommandLine::Parsed {
    bool ok = false;
    QString error;
    bool help = false;
    bool version = false;
    QString config;
    QStringList positional; // the verb and everything after it
};

CommandLine::CommandLine(std::vector<std::unique_ptr<Verb>> verbs, bool guiAvailable)
    : m_verbs(std::move(verbs))
    , m_guiAvailable(guiAvailable)
{}

CommandLine::Parsed CommandLine::parseGlobal(const QStringList& args) const
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    // Everything from the verb on belongs to the verb's own parser.
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    const QCommandLineOption help = helpOption();
    const QCommandLineOption version = versionOption();
    const QCommandLineOption config = configOption();
    parser.addOptions({help, version, config});

    Parsed parsed;
    parsed.ok = parser.parse(args);
    parsed.error = parser.errorText();
    if (!parsed.ok)
        return parsed;
    parsed.help = parser.isSet(help);
    parsed.version = parser.isSet(version);
    parsed.config = parser.value(config);
    parsed.positional = parser.positionalArguments();
    return parsed;
}

bool CommandLine::isTrackerMode(const QStringList& args) const
{
    // `swarmshare --tracker ...` is a mode; `swarmshare create ... --tracker URL` is an option
    // of a command: the mode counts only when no command name comes before it.
    for (const QString& arg : args.mid(1)) {
        if (arg == u"--tracker")
            return true;
        if (findVerb(arg))
            return false;
    }
    return false;
}

bool CommandLine::wantsGui(const QStringList& args) const
{
    if (isTrackerMode(args))
        return false;
    const Parsed parsed = parseGlobal(args);
    return m_guiAvailable && parsed.ok && !parsed.help && !parsed.version &&
           (parsed.positional.isEmpty() || filesToOpen(args).size() == parsed.positional.size());
}

QStringList CommandLine::filesToOpen(const QStringList& args) const
{
    if (isTrackerMode(args))
        return {};
    const Parsed parsed = parseGlobal(args);
    QStringList files;
    for (const QString& argument : parsed.positional) {
        // A verb's name is never a file to open, even if a file of that name exists here.
        if (findVerb(argument))
            return {};
        const QFileInfo info(argument);
        if (!info.isFile() || !argument.endsWith(QLatin1String(".torrent"), Qt::CaseInsensitive))
            return {};
        files << info.absoluteFilePath();
    }
    return files;
}

QString CommandLine::configPath(const QStringList& args) const
{
    const Parsed parsed = parseGlobal(args);
    return parsed.config.isEmpty() ? Config::defaultPath() : parsed.config;
}

Verb* CommandLine::findVerb(const QString& name) const
{
    for (const auto& verb : m_verbs) {
        if (verb->name() == name)
            return verb.get();
    }
    return nullptr;
}

QString CommandLine::globalHelp() const
{
    QString text;
    QTextStream out(&text);
    out << tr("Usage: swarmshare [options]                 start the desktop app") << '\n'
        << tr("       swarmshare [options] COMMAND [ARGS]  run a command without a window")
        << "\n\n"
        << tr("Swarmshare shares files and folders peer to peer, with a tracker anyone can host.")
        << "\n\n"
        << tr("Options:") << '\n';
    const auto row = [&out](const QString& left, const QString& right) {
        out << "  " << left.leftJustified(22) << ' ' << right << '\n';
    };
    row(QStringLiteral("-h, --help"), helpOption().description());
    row(QStringLiteral("-v, --version"), versionOption().description());
    row(QStringLiteral("--config FILE"), configOption().description());
    out << '\n' << tr("Commands:") << '\n';
    for (const auto& verb : m_verbs)
        row(verb->name(), verb->summary());
    out << '\n'
        << tr("'swarmshare COMMAND --help' describes a command. Default configuration file: %1")
               .arg(Config::defaultPath())
        << '\n';
    return text;
}

int CommandLine::run(const QStringList& args)
{
    // --tracker is a mode with its own options (--listen, --db, ...).
    if (isTrackerMode(args)) {
        if (Verb* tracker = findVerb(QStringLiteral("--tracker")))
            return runVerb(*tracker, args.mid(1), QString());
    }
    const Parsed parsed = parseGlobal(args);
    const QString tryHelp = tr("Try 'swarmshare --help' for more information.");
    if (!parsed.ok) {
        print(stderr, QStringLiteral("swarmshare: %1\n%2\n").arg(parsed.error, tryHelp));
        return 2;
    }
    if (parsed.version) {
        print(stdout, QStringLiteral("swarmshare %1\n").arg(QStringLiteral(SWARMSHARE_VERSION)));
        return 0;
    }
    if (parsed.help) {
        print(stdout, globalHelp());
        return 0;
    }
    if (parsed.positional.isEmpty()) {
        print(stderr, QStringLiteral("swarmshare: %1\n%2\n")
                          .arg(tr("this build has no desktop interface; give a command"), tryHelp));
        return 2;
    }
    Verb* verb = findVerb(parsed.positional.constFirst());
    if (!verb) {
        print(stderr,
              QStringLiteral("swarmshare: %1\n%2\n")
                  .arg(tr("unknown command '%1'").arg(parsed.positional.constFirst()), tryHelp));
        return 2;
    }
    return runVerb(*verb, parsed.positional.mid(1), parsed.config);
}

int CommandLine::runVerb(Verb& verb, const QStringList& args, const QString& globalConfig)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.setApplicationDescription(verb.summary());
    const QCommandLineOption help = helpOption();
    const QCommandLineOption config = configOption();
    parser.addOptions({help, config});
    verb.configure(parser);

    const QString tryHelp = tr("Try 'swarmshare %1 --help' for more information.").arg(verb.name());
    if (!parser.parse(QStringList{QStringLiteral("swarmshare ") + verb.name()} + args)) {
        print(stderr, QStringLiteral("swarmshare %1: %2\n%3\n")
                          .arg(verb.name(), parser.errorText(), tryHelp));
        return 2;
    }
    if (parser.isSet(help)) {
        QString text = parser.helpText();
        // QCommandLineParser names the program after argv[0]; show what the user types.
        const qsizetype usageEnd = text.indexOf(u'\n');
        const QString usageLine = text.left(usageEnd);
        const qsizetype optionsAt = usageLine.indexOf(QStringLiteral("[options]"));
        if (optionsAt >= 0)
            text.replace(0, optionsAt, tr("Usage: swarmshare %1 ").arg(verb.name()));
        print(stdout, text);
        return 0;
    }

    const QString configPath = parser.isSet(config)     ? parser.value(config)
                               : globalConfig.isEmpty() ? Config::defaultPath()
                                                        : globalConfig;
    Result<Config> loaded = Config::load(configPath);
    if (!loaded) {
        print(stderr, QStringLiteral("swarmshare: %1\n").arg(loaded.error().message));
        return 1;
    }
    // Commands report on stdout themselves; the log adds only what went wrong, on stderr.
    logging::Options logOptions;
    logOptions.level =
        qMax(logging::levelFromName(loaded->log.level).value_or(logging::Level::Info),
             logging::Level::Warning);
    (void)logging::install(logOptions);

    VerbContext context(verb.name(), parser, std::move(loaded).value(), configPath);
    return verb.run(context);
}

} // namespace swarmshare::app

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "app/verb.h"

#include <QCoreApplication>
#include <QStringList>

namespace swarmshare::app {

// The `swarmshare` command line:
//   swarmshare [--config FILE]                  the desktop app
//   swarmshare [--config FILE] VERB [ARGS...]   a headless command
//   swarmshare --tracker [OPTIONS]              a tracker role, headless
//   swarmshare --help | --version
// Global options may also follow the verb. Exit status 2 for any misuse.
class CommandLine {
    Q_DECLARE_TR_FUNCTIONS(CommandLine)

public:
    CommandLine(std::vector<std::unique_ptr<Verb>> verbs, bool guiAvailable);

    // True when `args` (argv, program name first) ask for the desktop app and parse cleanly.
    // Needs no application object, so main() can pick QApplication or QCoreApplication.
    bool wantsGui(const QStringList& args) const;
    // The .torrent files `args` ask the desktop app to open (`swarmshare FILE.torrent...`, what
    // the desktop entry runs when one is double-clicked), as absolute paths.
    QStringList filesToOpen(const QStringList& args) const;
    // The config file `args` name, or the default path.
    QString configPath(const QStringList& args) const;

    // Runs everything that is not the desktop app: help, version, usage errors and verbs.
    // Needs a QCoreApplication. Returns the process exit status.
    int run(const QStringList& args);

private:
    struct Parsed;
    Parsed parseGlobal(const QStringList& args) const;
    bool isTrackerMode(const QStringList& args) const;
    Verb* findVerb(const QString& name) const;
    QString globalHelp() const;
    int runVerb(Verb& verb, const QStringList& args, const QString& globalConfig);

    std::vector<std::unique_ptr<Verb>> m_verbs;
    bool m_guiAvailable;
};

} // namespace swarmshare::app

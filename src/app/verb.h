// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"
#include "config/config.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <unistd.h>
#include <vector>

namespace swarmshare::app {

// What a verb gets to work with: its parsed options, the loaded configuration, and the two
// output streams. usageError() and failure() print "swarmshare VERB: message" on stderr and
// return the exit status to give back (2 for misuse, 1 for a failure of the work itself).
class VerbContext {
    Q_DECLARE_TR_FUNCTIONS(VerbContext)

public:
    VerbContext(QString verbName, const QCommandLineParser& parser, Config config,
                QString configPath);
    ~VerbContext();

    const QCommandLineParser& parser() const { return m_parser; }
    const Config& config() const { return m_config; }
    const QString& configPath() const { return m_configPath; }
    QTextStream& out() { return m_out; }
    QTextStream& err() { return m_err; }

    int usageError(const QString& message);
    int failure(const QString& message);

    // Runs `work` on another thread and returns its result; meanwhile, when stderr is a
    // terminal, redraws the one line `progress()` describes every 200 ms, then clears it.
    template<typename Work>
    auto runWithProgress(Work work, const std::function<QString()>& progress)
    {
        auto future = std::async(std::launch::async, std::move(work));
        const bool tty = isatty(STDERR_FILENO);
        while (future.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
            if (tty)
                drawProgress(progress());
        }
        if (tty)
            drawProgress(QString());
        return future.get();
    }

private:
    void drawProgress(const QString& line);

    QString m_verbName;
    const QCommandLineParser& m_parser;
    Config m_config;
    QString m_configPath;
    QTextStream m_out;
    QTextStream m_err;
};

// The first line of a small file holding a secret (a password file, the shared HA secret),
// without its line ending; an error naming the file when it cannot be read.
Result<QByteArray> readFirstLine(const QString& path);

// One command of `swarmshare VERB ...`. Each verb declares its options and runs to an exit
// status; verbs that need an event loop run QCoreApplication::exec() themselves.
class Verb {
public:
    virtual ~Verb() = default;
    virtual QString name() const = 0;
    virtual QString summary() const = 0;
    virtual void configure(QCommandLineParser& parser) const = 0;
    virtual int run(VerbContext& context) = 0;
};

// Every verb this build has, in the order --help lists them.
std::vector<std::unique_ptr<Verb>> makeVerbs();

std::unique_ptr<Verb> makeConfigVerb();
std::unique_ptr<Verb> makeCreateVerb();
std::unique_ptr<Verb> makeGetVerb();
std::unique_ptr<Verb> makeInfoVerb();
std::unique_ptr<Verb> makeSeedVerb();
std::unique_ptr<Verb> makeTrackerVerb();
std::unique_ptr<Verb> makeVerifyVerb();

} // namespace swarmshare::app

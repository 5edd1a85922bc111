// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers for tests that run the real swarmshare binary.
#pragma once

#include <QDir>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QTemporaryDir>

namespace swarmshare::test {

struct ProcessResult {
    int exitCode = -1;
    bool crashed = false;
    QByteArray out;
    QByteArray err;
};

// The environment of a swarmshare process that reads and writes nothing of the user's: HOME and
// the XDG folders in `home` (created if needed).
inline QProcessEnvironment isolatedEnvironment(const QString& home)
{
    QDir().mkpath(home);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), home);
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/data"));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), home + QStringLiteral("/cache"));
    return env;
}

// Runs swarmshare with `args` to completion (bounded by timeoutMs; killed after that), with HOME
// and the XDG folders in `home` so that no user file is read or written.
inline ProcessResult runSwarmshare(const QStringList& args, const QString& home,
                                   const QByteArray& input = {}, int timeoutMs = 30000)
{
    QProcess process;
    QProcessEnvironment env = isolatedEnvironment(home);
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    process.setProcessEnvironment(env);
    process.start(QStringLiteral(SWARMSHARE_BIN), args);
    ProcessResult result;
    if (!process.waitForStarted(10000))
        return result;
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        result.crashed = true;
    }
    result.crashed = result.crashed || process.exitStatus() == QProcess::CrashExit;
    result.exitCode = process.exitCode();
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

} // namespace swarmshare::test

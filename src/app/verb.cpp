// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/verb.h"

#include <QFile>

#include <cstdio>

namespace swarmshare::app {

VerbContext::VerbContext(QString verbName, const QCommandLineParser& parser, Config config,
                         QString configPath)
    : m_verbName(std::move(verbName))
    , m_parser(parser)
    , m_config(std::move(config))
    , m_configPath(std::move(configPath))
    , m_out(stdout)
    , m_err(stderr)
{}

VerbContext::~VerbContext()
{
    m_out.flush();
    m_err.flush();
}

int VerbContext::usageError(const QString& message)
{
    m_err << QStringLiteral("swarmshare %1: %2\n").arg(m_verbName, message)
          << tr("Try 'swarmshare %1 --help' for more information.").arg(m_verbName) << '\n';
    m_err.flush();
    return 2;
}

int VerbContext::failure(const QString& message)
{
    m_err << QStringLiteral("swarmshare %1: %2\n").arg(m_verbName, message);
    m_err.flush();
    return 1;
}

void VerbContext::drawProgress(const QString& line)
{
    // Carriage return, the text, clear to the end of the line: one line redrawn in place.
    m_err << '\r' << line << "\x1b[K";
    m_err.flush();
}

Result<QByteArray> readFirstLine(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(VerbContext::tr("cannot read %1: %2").arg(path, file.errorString()));
    QByteArray line = file.readLine(4096);
    while (line.endsWith('\n') || line.endsWith('\r'))
        line.chop(1);
    return line;
}

std::vector<std::unique_ptr<Verb>> makeVerbs()
{
    std::vector<std::unique_ptr<Verb>> verbs;
    verbs.push_back(makeCreateVerb());
    verbs.push_back(makeInfoVerb());
    verbs.push_back(makeVerifyVerb());
    verbs.push_back(makeSeedVerb());
    verbs.push_back(makeGetVerb());
    verbs.push_back(makeConfigVerb());
    verbs.push_back(makeTrackerVerb());
    return verbs;
}

} // namespace swarmshare::app

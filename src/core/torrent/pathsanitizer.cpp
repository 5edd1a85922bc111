// SPDX-License-Identifier: GPL-3.0-or-later
#include "torrent/pathsanitizer.h"

namespace swarmshare::torrent {

namespace {

bool isControl(QChar c)
{
    return c.unicode() < 0x20 || c.unicode() == 0x7f;
}

bool isAsciiLetter(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z');
}

QString escaped(QStringView text)
{
    QString shown;
    for (const QChar c : text) {
        if (isControl(c))
            shown += QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        else
            shown += c;
    }
    return shown;
}

// Windows maps these names to devices whatever the extension ("nul.txt" is NUL too) and
// ignores trailing spaces before the extension.
bool isWindowsDeviceName(QStringView component)
{
    const qsizetype dot = component.indexOf(u'.');
    const QString stem =
        (dot < 0 ? component : component.first(dot)).trimmed().toString().toUpper();
    if (stem == u"CON" || stem == u"PRN" || stem == u"AUX" || stem == u"NUL")
        return true;
    if (stem.size() != 4 || !(stem.startsWith(u"COM") || stem.startsWith(u"LPT")))
        return false;
    const QChar digit = stem.at(3);
    return (digit >= u'0' && digit <= u'9') || digit == QChar(0x00b9) || digit == QChar(0x00b2) ||
           digit == QChar(0x00b3);
}

} // namespace

QString PathSanitizer::problem(QStringView component, Rules rules)
{
    if (component.isEmpty())
        return tr("a name is empty");
    const QString shown = escaped(component);
    if (component == u"." || component == u"..")
        return tr("\"%1\" is not allowed as a name").arg(shown);
    for (const QChar c : component) {
        if (c == u'/')
            return tr("\"%1\" contains '/'").arg(shown);
        if (c == u'\\')
            return tr("\"%1\" contains a backslash").arg(shown);
        if (isControl(c))
            return tr("\"%1\" contains the control character U+%2")
                .arg(shown)
                .arg(c.unicode(), 4, 16, QLatin1Char('0'));
    }
    if (component.size() >= 2 && isAsciiLetter(component[0]) && component[1] == u':')
        return tr("\"%1\" starts with a drive letter").arg(shown);
    if (component.toUtf8().size() > kMaxComponentBytes)
        return tr("a name is longer than %1 bytes").arg(kMaxComponentBytes);
    if (rules == Rules::Windows)
        return windowsProblem(component);
    return {};
}

QString PathSanitizer::windowsProblem(QStringView component)
{
    for (const QChar c : component) {
        if (QStringView(u"<>:\"|?*").contains(c))
            return tr("\"%1\" contains '%2', which Windows does not allow").arg(component).arg(c);
    }
    if (component.endsWith(u'.') || component.endsWith(u' '))
        return tr("\"%1\" ends with a dot or space, which Windows drops").arg(component);
    if (isWindowsDeviceName(component))
        return tr("\"%1\" is a reserved device name on Windows").arg(component);
    return {};
}

Result<QString> PathSanitizer::join(const QStringList& components, Rules rules)
{
    if (components.isEmpty())
        return makeError(tr("a file path is empty"));
    for (const QString& component : components) {
        const QString why = problem(component, rules);
        if (!why.isEmpty())
            return makeError(tr("unsafe file path \"%1\": %2").arg(displayPath(components), why));
    }
    return components.join(u'/');
}

QString PathSanitizer::displayPath(const QStringList& components)
{
    return escaped(components.join(u'/'));
}

} // namespace swarmshare::torrent

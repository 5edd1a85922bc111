// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QCoreApplication>
#include <QStringList>

namespace swarmshare::torrent {

// Decides whether file names from a .torrent are safe to create under a download folder. It
// rejects rather than repairs: a torrent whose names would escape the folder (or be
// silently renamed by the filesystem) is hostile or broken, and renaming would make two
// torrents of the same data disagree about where it is.
//
// Every platform rejects: empty, "." and ".." components; '/' and '\' inside a component (one
// is a separator here, the other on Windows); a leading drive letter ("C:"); NUL and other
// control characters (U+0000-U+001F, U+007F); components over 255 bytes of UTF-8 (NAME_MAX on
// common filesystems). Windows rules add what Windows would refuse or rewrite: the reserved
// device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension), the characters
// < > : " | ? * and a trailing dot or space.
class PathSanitizer {
    Q_DECLARE_TR_FUNCTIONS(PathSanitizer)

public:
    enum class Rules { Posix, Windows };
#ifdef Q_OS_WIN
    static constexpr Rules kNativeRules = Rules::Windows;
#else
    static constexpr Rules kNativeRules = Rules::Posix;
#endif
    static constexpr qsizetype kMaxComponentBytes = 255;

    // Why `component` is not a safe file or folder name, or an empty string when it is.
    static QString problem(QStringView component, Rules rules = kNativeRules);

    // Joins `components` with '/' into a relative path after checking each one. The error names
    // the whole path (control characters shown as \uXXXX) and the reason.
    static Result<QString> join(const QStringList& components, Rules rules = kNativeRules);

    // `path` with control characters escaped, for messages.
    static QString displayPath(const QStringList& components);

private:
    static QString windowsProblem(QStringView component);
};

} // namespace swarmshare::torrent

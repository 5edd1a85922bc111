// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "common/result.h"

#include <QCoreApplication>
#include <QString>

#include <functional>

namespace swarmshare::gui {

// A tracker client's error in words for a dialog or a status line: what happened, then the
// tracker's own message ("The tracker says: ...") or the client's details. The words for the
// usual cases are shared by every view; `specific` words the cases that mean something particular
// where it is used (a wrong password at login, a file gone at download) and returns "" for the
// rest. It gets the error's code, or "unreachable" when no tracker answered at all.
class TrackerError {
    Q_DECLARE_TR_FUNCTIONS(TrackerError)

public:
    using Specific = std::function<QString(const QString& key)>;

    static QString describe(const Error& error, int status, const QString& trackerUrl,
                            const Specific& specific = {});
};

} // namespace swarmshare::gui

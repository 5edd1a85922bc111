// SPDX-License-Identifier: GPL-3.0-or-later
#include "gui/trackererror.h"

#include "tracker_client/messages.h"

namespace swarmshare::gui {

QString TrackerError::describe(const Error& error, int status, const QString& trackerUrl,
                               const Specific& specific)
{
    namespace code = trackerclient::errorcode;
    const bool unreachable = error.code == QStringView(code::kUnavailable) && status == 0;
    const QString key = unreachable ? QStringLiteral("unreachable") : error.code;
    // The answer came from the tracker, unless nothing answered or it was not a tracker's.
    const bool notTracker = error.code == QStringView(code::kInvalidResponse) ||
                            error.code == QStringView(code::kTooLarge);
    const bool fromTracker = status != 0 && !notTracker;
    QString what = specific ? specific(key) : QString();
    if (!what.isEmpty()) {
        // Worded by the caller.
    } else if (unreachable) {
        what = tr("Cannot reach the tracker at %1. Check the connection, or try again later.")
                   .arg(trackerUrl);
    } else if (error.code == QStringView(code::kUnavailable)) {
        what = tr("The tracker at %1 cannot answer right now. Try again later.").arg(trackerUrl);
    } else if (error.code == QStringView(code::kUnauthenticated)) {
        what = tr("The tracker asks to log in again.");
    } else if (error.code == QStringView(code::kRateLimited)) {
        what = tr("Too many requests. Wait a little, then try again.");
    } else if (error.code == u"invalid_argument") {
        what = tr("The tracker did not accept the request.");
    } else if (notTracker) {
        what = tr("The server at %1 does not answer like a Swarmshare tracker. Check the address.")
                   .arg(trackerUrl);
    } else {
        what = tr("The tracker refused the request (%1).").arg(error.code);
    }
    if (error.message.isEmpty())
        return what;
    return what + QLatin1Char('\n') +
           (fromTracker ? tr("The tracker says: %1").arg(error.message)
                        : tr("Details: %1").arg(error.message));
}

} // namespace swarmshare::gui

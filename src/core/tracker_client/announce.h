// SPDX-License-Identifier: GPL-3.0-or-later
// The standard BitTorrent HTTP tracker protocol as a client speaks it: BEP 3 /announce, BEP 23
// compact peers, BEP 7 peers6. Pure encoding and decoding; the Announcer (announcer.h) does the
// talking. This is how the peer engine joins swarms of ordinary trackers, next to the
// Swarmshare tracker's own JSON API (trackerclient.h).
#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QUrl>

namespace swarmshare::trackerclient {

enum class AnnounceEvent { None, Started, Completed, Stopped };

struct AnnounceRequest {
    QByteArray infoHash; // 20 bytes
    QByteArray peerId;   // 20 bytes
    quint16 port = 0;
    qint64 uploaded = 0, downloaded = 0, left = 0;
    AnnounceEvent event = AnnounceEvent::None;
    int numWant = 50;
    QByteArray key; // optional, hex/ascii, sent as &key=
};

struct AnnouncePeer {
    QHostAddress address;
    quint16 port = 0;
    QByteArray peerId; // empty for compact peers

    friend bool operator==(const AnnouncePeer&, const AnnouncePeer&) = default;
};

struct AnnounceResult {
    int intervalSec = 1800;
    int minIntervalSec = 0;             // 0 when the tracker did not say
    int complete = -1, incomplete = -1; // -1 when the tracker did not say
    QList<AnnouncePeer> peers;
    QString warning;      // "warning message"
    QByteArray trackerId; // "tracker id", echoed in later announces
};

// Bounds on what a tracker may make us hold.
inline constexpr qsizetype kMaxAnnounceBodyBytes = 1024 * 1024;
inline constexpr int kMaxAnnouncePeers = 2000;
inline constexpr int kMinAnnounceIntervalSec = 30;
inline constexpr int kMaxAnnounceIntervalSec = 86'400;

// Error::code of an answer carrying a "failure reason".
inline constexpr char16_t kTrackerFailure[] = u"tracker_failure";

// "started", "completed", "stopped"; empty for None.
QByteArray eventName(AnnounceEvent event);

// The full GET URL: the base announce URL (keeping its own query, e.g. a passkey) plus
// info_hash and peer_id percent-encoded byte for byte, port, uploaded, downloaded, left,
// compact=1, no_peer_id=1, event (omitted for None), numwant, key and trackerid (when set).
QUrl announceUrl(const QUrl& announce, const AnnounceRequest& request,
                 const QByteArray& trackerId = {});

// Decodes a tracker's answer, strictly: a canonical bencoded dictionary of at most
// kMaxAnnounceBodyBytes. A "failure reason" gives an Error with code kTrackerFailure and the
// reason in the message; anything malformed gives code "invalid_response" ("too_large" for an
// oversized body). Peers with port 0 or an unusable address are skipped, at most
// kMaxAnnouncePeers are kept, intervals are clamped to [30 s, 1 day].
Result<AnnounceResult> decodeAnnounce(QByteArrayView body);

} // namespace swarmshare::trackerclient

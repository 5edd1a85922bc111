// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>

namespace swarmshare::torrent {

// One file of a torrent, in torrent order. `path` is relative, '/'-separated and already
// sanitised (no absolute path, no "..", no empty or "." component, no NUL): safe to join to a
// download folder. For a single-file torrent it is the torrent's name.
struct FileEntry {
    QString path;
    qint64 length = 0;

    friend bool operator==(const FileEntry&, const FileEntry&) = default;
};

using FileList = QList<FileEntry>;

} // namespace swarmshare::torrent

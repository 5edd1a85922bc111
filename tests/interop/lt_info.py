#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print what libtorrent reads from a .torrent file, as one JSON object on stdout.

    lt_info.py FILE.torrent

Keys: info_hash (40 hex), name, piece_length, num_pieces, total_size, files (list of
{path, length, pad}; path is "name/dir/file" for multi-file torrents, the name otherwise),
trackers (tiers, each sorted: libtorrent shuffles URLs within a tier), private, comment,
creator. Exit status 1 when libtorrent rejects the file, 2 for misuse.

Any test can use it as the reference reader: the metainfo interop test compares it with
`swarmshare info --json`, and a torrent written by `swarmshare create` can be checked the same
way. Run it with Debian's /usr/bin/python3, which has python3-libtorrent.
"""
import json
import os
import sys

import libtorrent as lt


def describe(path):
    info = lt.torrent_info(path)
    storage = info.files()
    files = []
    for index in range(storage.num_files()):
        flags = storage.file_flags(index)
        files.append({
            "path": storage.file_path(index).replace(os.sep, "/"),
            "length": storage.file_size(index),
            "pad": bool(flags & lt.file_storage.flag_pad_file),
        })
    tiers = {}
    for tracker in info.trackers():
        tiers.setdefault(tracker.tier, []).append(tracker.url)
    return {
        "info_hash": str(info.info_hash()),
        "name": info.name(),
        "piece_length": info.piece_length(),
        "num_pieces": info.num_pieces(),
        "total_size": info.total_size(),
        "files": files,
        "trackers": [sorted(tiers[tier]) for tier in sorted(tiers)],
        "private": bool(info.priv()),
        "comment": info.comment(),
        "creator": info.creator(),
    }


def main(argv):
    if len(argv) != 2:
        print("usage: lt_info.py FILE.torrent", file=sys.stderr)
        return 2
    try:
        facts = describe(argv[1])
    except RuntimeError as error:
        print(f"lt_info.py: libtorrent rejects {argv[1]}: {error}", file=sys.stderr)
        return 1
    json.dump(facts, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""bench/swarm's reference leecher: Debian's python3-libtorrent downloads one torrent from peers.

  swarm_lt.py TORRENT OUT_DIR PORT [PORT...] [--timeout SECONDS]

Connects to 127.0.0.1:PORT for each PORT (no tracker, DHT, LSD, UPnP or NAT-PMP), waits until
the torrent is finished (every piece downloaded and hash-checked) and prints one JSON line:
{"seconds": from add_torrent to the torrent_finished alert, "bytes": payload bytes downloaded,
"first_connect_seconds": from add_torrent to the first outgoing connection, "libtorrent": version,
"peersUsed": peers seen sending payload (sampled between alerts)}. Exit status 0 when complete, 1 otherwise.

Settings: libtorrent's defaults (lt.default_settings(), not the high_performance_seed pack) except
listen_interfaces 127.0.0.1:0, DHT/LSD/UPnP/NAT-PMP off, allow_multiple_connections_per_ip on
(every seeder is on 127.0.0.1) and the alert mask (status + error alerts, to see the end at
once), and enable_outgoing_utp off. The torrent is added started and not auto-managed (no 0.5 s
wait for the queue manager) and each peer is connected with peer flags 0 (no MSE/PE first
attempt). The seeders speak neither uTP nor MSE/PE: libtorrent would first try uTP and fall back
to TCP after a 3 s connect time-out, then try an encrypted handshake and retry in plain text.
Run it with /usr/bin/python3: Debian's libtorrent module is installed for the system Python only.
"""
import json
import sys
import time

import libtorrent as lt


def main(argv):
    timeout = 600.0
    args = list(argv)
    if '--timeout' in args:
        i = args.index('--timeout')
        timeout = float(args[i + 1])
        del args[i:i + 2]
    if len(args) < 3:
        sys.exit(__doc__)
    torrent_path, out_dir, ports = args[0], args[1], [int(p) for p in args[2:]]

    ses = lt.session({
        'listen_interfaces': '127.0.0.1:0',
        'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
        'allow_multiple_connections_per_ip': True,
        # The seeders speak TCP only: with uTP on, libtorrent tries uTP first and falls back
        # to TCP after a 3 s connect time-out (peer flags alone do not prevent it).
        'enable_outgoing_utp': False,
        'alert_mask': lt.alert.category_t.status_notification | lt.alert.category_t.error_notification |
        lt.alert.category_t.connect_notification,
    })
    info = lt.torrent_info(torrent_path)
    start = time.monotonic()
    # Started at once: an auto-managed torrent waits for the queue manager's next tick (0.5 s).
    flags = lt.torrent_flags.default_flags & ~lt.torrent_flags.auto_managed & ~lt.torrent_flags.paused
    handle = ses.add_torrent({'ti': info, 'save_path': out_dir, 'flags': flags})
    for port in ports:
        # Peer flags 0 (the default is encryption | uTP | holepunch): a plain handshake at once;
        # the seeders do not speak MSE/PE, and libtorrent's encrypted first attempt would be
        # refused and retried in plain text.
        handle.connect_peer(('127.0.0.1', port), 0, 0)

    finished = connected = None
    sources = set()  # peers seen sending payload (sampled: a seed is dropped once we finish)
    while finished is None:
        elapsed = time.monotonic() - start
        if elapsed > timeout:
            status = handle.status()
            print('swarm_lt: not complete after %.0f s (progress %.3f, %d peers, state %s)' %
                  (timeout, status.progress, status.num_peers, status.state), file=sys.stderr)
            return 1
        ses.wait_for_alert(100)
        for alert in ses.pop_alerts():
            if isinstance(alert, lt.peer_connect_alert) and connected is None:
                connected = time.monotonic() - start
            elif isinstance(alert, lt.torrent_finished_alert):
                finished = time.monotonic() - start
            elif isinstance(alert, (lt.torrent_error_alert, lt.file_error_alert)):
                print('swarm_lt: %s' % alert.message(), file=sys.stderr)
                return 1
            elif alert.category() & lt.alert.category_t.error_notification:
                print('swarm_lt: alert: %s' % alert.message(), file=sys.stderr)
        sources.update(p.ip for p in handle.get_peer_info() if p.total_download > 0)
        # Belt and braces: a finished torrent whose alert was missed.
        if finished is None:
            status = handle.status()
            if status.is_finished or status.is_seeding:
                finished = time.monotonic() - start

    status = handle.status()
    print(json.dumps({
        'seconds': round(finished, 3),
        'bytes': status.total_payload_download,
        'first_connect_seconds': None if connected is None else round(connected, 3),
        'complete': status.total_wanted_done == status.total_wanted,
        'libtorrent': lt.__version__,
        'peersUsed': len(sources),
    }), flush=True)
    return 0 if status.total_wanted_done == status.total_wanted else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A libtorrent peer for interop tests (Debian's python3-libtorrent).

  lt_swarm.py make DATA_DIR TORRENT ANNOUNCE_URL SIZE   write DATA_DIR/payload.bin and a .torrent
  lt_swarm.py seed TORRENT DATA_DIR                     seed until stdin closes; "seeding" when ready
  lt_swarm.py get TORRENT OUT_DIR TIMEOUT               download; exit 0 once complete and checked
Everything listens on 127.0.0.1 only; DHT, LSD, UPnP and NAT-PMP are off.
"""
import hashlib
import json
import os
import sys
import threading
import time

import libtorrent as lt


def session():
    return lt.session({
        'listen_interfaces': '127.0.0.1:0',
        'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
        'allow_multiple_connections_per_ip': True,
        'announce_to_all_trackers': True, 'announce_to_all_tiers': True,
        'alert_mask': lt.alert.category_t.error_notification | lt.alert.category_t.tracker_notification,
    })


def make(data_dir, torrent_path, announce, size):
    os.makedirs(data_dir, exist_ok=True)
    payload = os.path.join(data_dir, 'payload.bin')
    with open(payload, 'wb') as out:
        out.write(os.urandom(size))
    fs = lt.file_storage()
    lt.add_files(fs, payload)
    # v1 only: libtorrent 2 makes hybrid v1+v2 torrents by default, which aria2 cannot read.
    t = lt.create_torrent(fs, 32768, flags=lt.create_torrent.v1_only)
    t.add_tracker(announce)
    lt.set_piece_hashes(t, data_dir)
    with open(torrent_path, 'wb') as out:
        out.write(lt.bencode(t.generate()))


def add(ses, torrent_path, save_path):
    return ses.add_torrent({'ti': lt.torrent_info(torrent_path), 'save_path': save_path})


def report_alerts(ses):
    for alert in ses.pop_alerts():
        if isinstance(alert, (lt.tracker_error_alert, lt.peer_error_alert)):
            print('alert:', alert.message(), file=sys.stderr, flush=True)


def seed(torrent_path, data_dir):
    ses = session()
    handle = add(ses, torrent_path, data_dir)
    deadline = time.time() + 60
    while not handle.status().is_seeding:
        if time.time() > deadline:
            sys.exit('seed: the data did not check out as complete')
        time.sleep(0.1)
    handle.force_reannounce()
    print('seeding', flush=True)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    while not stop.is_set():
        report_alerts(ses)
        time.sleep(0.2)


def get(torrent_path, out_dir, timeout):
    ses = session()
    handle = add(ses, torrent_path, out_dir)
    start = time.time()
    while not handle.status().is_seeding:
        report_alerts(ses)
        if time.time() - start > timeout:
            status = handle.status()
            sys.exit('get: not complete after %ds (progress %.2f, peers %d, tracker %r)' %
                     (timeout, status.progress, status.num_peers, status.current_tracker))
        time.sleep(0.1)
    print(json.dumps({'seconds': round(time.time() - start, 3)}), flush=True)


def main():
    mode = sys.argv[1]
    if mode == 'make':
        make(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif mode == 'seed':
        seed(sys.argv[2], sys.argv[3])
    elif mode == 'get':
        get(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit('unknown mode ' + mode)


if __name__ == '__main__':
    main()

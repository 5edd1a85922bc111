#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A libtorrent peer for interop tests (Debian's python3-libtorrent).

  lt_swarm.py make DATA_DIR TORRENT ANNOUNCE_URL SIZE [PIECE]
        write DATA_DIR/payload.bin and a v1 .torrent (ANNOUNCE_URL "" for none; PIECE in bytes,
        32768 by default)
  lt_swarm.py seed TORRENT DATA_DIR [PEER]
        seed until stdin closes; prints "listening on port N", then "seeding" when ready
  lt_swarm.py get TORRENT OUT_DIR TIMEOUT [PEER]
        download; exit 0 once complete and checked, with a JSON line on stdout (seconds,
        total_download: payload bytes, peers: sorted "ADDR:PORT" of the peers that sent payload)
PEER (ADDR:PORT) is a peer to connect to directly, with no tracker. SWARM_VERBOSE=1 in the
environment prints peer and connection alerts on stderr too.
Everything listens on 127.0.0.1 only; DHT, LSD, UPnP and NAT-PMP are off.
"""
import hashlib
import json
import os
import sys
import threading
import time

import libtorrent as lt


VERBOSE = os.environ.get('SWARM_VERBOSE') == '1'


def session():
    mask = lt.alert.category_t.error_notification | lt.alert.category_t.tracker_notification
    if VERBOSE:
        mask |= lt.alert.category_t.peer_notification | lt.alert.category_t.connect_notification
        mask |= lt.alert.category_t.status_notification
    return lt.session({
        'listen_interfaces': '127.0.0.1:0',
        'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
        'allow_multiple_connections_per_ip': True,
        # TCP only: a peer without uTP (BEP 29), like Swarmshare, never answers libtorrent's uTP
        # dial and libtorrent keeps retrying it over uTP.
        'enable_outgoing_utp': False,
        'announce_to_all_trackers': True, 'announce_to_all_tiers': True,
        'alert_mask': mask,
    })


def make(data_dir, torrent_path, announce, size, piece=32768):
    os.makedirs(data_dir, exist_ok=True)
    payload = os.path.join(data_dir, 'payload.bin')
    with open(payload, 'wb') as out:
        out.write(os.urandom(size))
    fs = lt.file_storage()
    lt.add_files(fs, payload)
    # v1 only: libtorrent 2 makes hybrid v1+v2 torrents by default, which aria2 cannot read.
    t = lt.create_torrent(fs, piece, flags=lt.create_torrent.v1_only)
    if announce:
        t.add_tracker(announce)
    lt.set_piece_hashes(t, data_dir)
    with open(torrent_path, 'wb') as out:
        out.write(lt.bencode(t.generate()))


def add(ses, torrent_path, save_path):
    return ses.add_torrent({'ti': lt.torrent_info(torrent_path), 'save_path': save_path})


def report_alerts(ses):
    for alert in ses.pop_alerts():
        if VERBOSE or isinstance(alert, (lt.tracker_error_alert, lt.peer_error_alert)):
            print('alert:', alert.message(), file=sys.stderr, flush=True)


def parse_peer(peer):
    host, _, port = peer.rpartition(':')
    return (host, int(port))


def listening(ses):
    print('listening on port %d' % ses.listen_port(), flush=True)


def seed(torrent_path, data_dir, peer=None):
    ses = session()
    handle = add(ses, torrent_path, data_dir)
    listening(ses)
    deadline = time.time() + 60
    while not handle.status().is_seeding:
        if time.time() > deadline:
            sys.exit('seed: the data did not check out as complete')
        time.sleep(0.1)
    handle.force_reannounce()
    if peer:
        handle.connect_peer(parse_peer(peer))
    print('seeding', flush=True)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    while not stop.is_set():
        report_alerts(ses)
        time.sleep(0.2)


def get(torrent_path, out_dir, timeout, peer=None):
    ses = session()
    handle = add(ses, torrent_path, out_dir)
    listening(ses)
    start = time.time()
    from_peers = set()
    next_connect = 0
    while not handle.status().is_seeding:
        report_alerts(ses)
        # A direct peer is dialled again while none is connected (a refused or dropped
        # connection is not retried quickly by libtorrent on its own).
        if peer and time.time() >= next_connect and handle.status().num_peers == 0:
            handle.connect_peer(parse_peer(peer))
            next_connect = time.time() + 2
        from_peers.update('%s:%d' % info.ip for info in handle.get_peer_info()
                          if info.total_download > 0)
        if time.time() - start > timeout:
            status = handle.status()
            sys.exit('get: not complete after %ds (progress %.2f, peers %d, tracker %r)' %
                     (timeout, status.progress, status.num_peers, status.current_tracker))
        time.sleep(0.1)
    status = handle.status()
    from_peers.update('%s:%d' % info.ip for info in handle.get_peer_info()
                      if info.total_download > 0)
    print(json.dumps({'seconds': round(time.time() - start, 3),
                      'total_download': status.total_payload_download,
                      'peers': sorted(from_peers)}), flush=True)


def main():
    mode = sys.argv[1]
    if mode == 'make':
        make(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]),
             *[int(arg) for arg in sys.argv[6:7]])
    elif mode == 'seed':
        seed(sys.argv[2], sys.argv[3], *sys.argv[4:5])
    elif mode == 'get':
        get(sys.argv[2], sys.argv[3], int(sys.argv[4]), *sys.argv[5:6])
    else:
        sys.exit('unknown mode ' + mode)


if __name__ == '__main__':
    main()

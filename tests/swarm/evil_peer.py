#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A BitTorrent peer that lies: it claims every piece and answers every request with random
bytes of the right length (BEP 3 framing is correct, the data is not). For swarm tests: a
leecher must notice the bad pieces by their SHA-1, ban this peer and finish from honest ones.

  evil_peer.py PIECE_COUNT     prints "listening on PORT" and serves until stdin closes
"""
import os
import socket
import struct
import sys
import threading


def read_exact(sock, n):
    data = b''
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError('closed')
        data += chunk
    return data


def serve(sock, piece_count):
    try:
        handshake = read_exact(sock, 68)
        info_hash = handshake[28:48]
        peer_id = b'-EV0001-' + os.urandom(6).hex().encode()
        sock.sendall(bytes([19]) + b'BitTorrent protocol' + bytes(8) + info_hash + peer_id)
        bits = bytearray(b'\xff' * ((piece_count + 7) // 8))
        spare = len(bits) * 8 - piece_count
        if spare:
            bits[-1] = (0xff << spare) & 0xff
        sock.sendall(struct.pack('>IB', 1 + len(bits), 5) + bytes(bits))
        sock.sendall(struct.pack('>IB', 1, 1))  # unchoke
        while True:
            (length,) = struct.unpack('>I', read_exact(sock, 4))
            if length == 0:
                continue
            body = read_exact(sock, length)
            if body[0] == 6:  # request: answer with garbage of the asked length
                index, begin, size = struct.unpack('>III', body[1:13])
                sock.sendall(struct.pack('>IBII', 9 + size, 7, index, begin) + os.urandom(size))
    except (ConnectionError, OSError):
        pass
    finally:
        sock.close()


def main():
    piece_count = int(sys.argv[1])
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(('127.0.0.1', 0))
    server.listen(16)
    print('listening on %d' % server.getsockname()[1], flush=True)

    def accept():
        while True:
            client, _ = server.accept()
            threading.Thread(target=serve, args=(client, piece_count), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()  # the test closes stdin (or dies) to stop us


if __name__ == '__main__':
    main()

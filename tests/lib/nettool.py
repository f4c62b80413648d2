#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Servers and clients for the network tests (net.bats, network.bats): one tool, so no nc
flavour differences and no sleeps. Runs on the host, in test namespaces, and inside containers
(the host's python3 mounted into the busybox image, this directory at /tool).

  free-port tcp|udp [COUNT]         print the first of COUNT consecutive free ports on 127.0.0.1
  hold ADDR PORT READY              keep a TCP port in use (listening, accepting and closing)
  tcp-serve ADDR PORT REPLY OUT READY
                                    for each connection: read the client's message (up to a
                                    newline or EOF), answer REPLY, close, and append
                                    "peer=<client address> data=<message>" to OUT
  tcp-client HOST PORT MSG          send MSG and a newline, shut the sending side, print the
                                    whole answer (surrounding white space stripped)
  udp-echo PORT [--ready F] [--batch N]
                                    answer each datagram with "echo:<data> from <peer address>";
                                    with --batch, hold the requests until N different clients
                                    have asked, then answer them newest first (clients whose
                                    requests overlap; a repeated request is answered at once)
  udp-client HOST PORT MSG...       from one socket, send each MSG until its echo comes back
                                    (every 0.5 s, 20 tries) and print the echo, one line each;
                                    exit 1 when one never comes
  dns-serve ADDR NAME IPV4 READY    answer A queries for NAME on ADDR:53, NXDOMAIN otherwise

READY files are created (atomically) once the socket is bound. Errors end with a traceback and a
non-zero status (tests look for e.g. ConnectionRefusedError).
"""
import os
import socket
import struct
import sys


def ready(path):
    if path:
        open(path + ".tmp", "w").close()
        os.rename(path + ".tmp", path)


def free_port(kind, count=1):
    stype = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
    while True:
        s = socket.socket(socket.AF_INET, stype)
        s.bind(("127.0.0.1", 0))
        base, held, ok = s.getsockname()[1], [s], True
        for i in range(1, count):
            t = socket.socket(socket.AF_INET, stype)
            try:
                t.bind(("127.0.0.1", base + i))
                held.append(t)
            except OSError:
                ok = False
                break
        if ok and base + count - 1 <= 65535:
            print(base)
            return


def hold(addr, port, rdy):
    s = socket.socket()
    s.bind((addr, port))
    s.listen(1)
    ready(rdy)
    while True:
        s.accept()[0].close()


def read_message(c):
    data = b""
    while b"\n" not in data:
        b = c.recv(4096)
        if not b:
            break
        data += b
    return data.decode(errors="replace").strip()


def tcp_serve(addr, port, reply, out, rdy):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(5)
    ready(rdy)
    while True:
        c, peer = s.accept()
        msg = read_message(c)
        c.sendall(reply.encode())
        c.close()
        with open(out, "a") as f:
            f.write("peer=%s data=%s\n" % (peer[0], msg))


def tcp_client(host, port, msg):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(msg.encode() + b"\n")
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        data += b
    print(data.decode().strip())


def echo(data, peer):
    return b"echo:" + data + b" from " + peer[0].encode()


def udp_echo(port, rdy=None, batch=1):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    ready(rdy)
    waiting = {}  # peer -> its latest request, in arrival order
    answered = {}  # peer -> its last answered request
    while True:
        data, peer = s.recvfrom(65535)
        if answered.get(peer) == data:  # a retry that crossed the answer: answer it again
            s.sendto(echo(data, peer), peer)
            continue
        waiting.pop(peer, None)
        waiting[peer] = data
        if len(waiting) >= batch:
            for p, d in reversed(list(waiting.items())):
                s.sendto(echo(d, p), p)
                answered[p] = d
            waiting.clear()


def udp_client(host, port, msgs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    for msg in msgs:
        want = b"echo:" + msg.encode() + b" from "
        for _ in range(20):
            s.sendto(msg.encode(), (host, port))
            try:
                reply = s.recv(65535)
                # a late echo of an earlier message's retry is not this one's
                while not reply.startswith(want):
                    reply = s.recv(65535)
                print(reply.decode(), flush=True)
                break
            except socket.timeout:
                pass
        else:
            print("no echo for %r from %s:%d" % (msg, host, port), file=sys.stderr)
            sys.exit(1)


def dns_serve(addr, name, ip, rdy):
    name = name.rstrip(".").lower()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    ready(rdy)
    while True:
        q, peer = s.recvfrom(512)
        tid, flags, qd = struct.unpack("!HHH", q[:6])
        i, labels = 12, []
        while q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode().lower())
            i += 1 + q[i]
        qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
        question = q[12:i + 5]
        known = ".".join(labels) == name
        hit = known and qtype == 1
        hdr = struct.pack("!HHHHHH", tid, 0x8180 if known else 0x8183, 1, 1 if hit else 0, 0, 0)
        ans = b""
        if hit:
            ans = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(ip)
        s.sendto(hdr + question + ans, peer)


def usage():
    sys.exit("usage:\n" + __doc__.split("\n\n")[1])


def main(argv):
    if not argv:
        usage()
    mode, a = argv[0], argv[1:]
    if mode == "free-port" and len(a) in (1, 2) and a[0] in ("tcp", "udp"):
        free_port(a[0], int(a[1]) if len(a) > 1 else 1)
    elif mode == "hold" and len(a) == 3:
        hold(a[0], int(a[1]), a[2])
    elif mode == "tcp-serve" and len(a) == 5:
        tcp_serve(a[0], int(a[1]), a[2], a[3], a[4])
    elif mode == "tcp-client" and len(a) == 3:
        tcp_client(a[0], int(a[1]), a[2])
    elif mode == "udp-echo" and len(a) in (1, 3, 5):
        opts = dict(zip(a[1::2], a[2::2]))
        if set(opts) - {"--ready", "--batch"}:
            usage()
        udp_echo(int(a[0]), opts.get("--ready"), int(opts.get("--batch", "1")))
    elif mode == "udp-client" and len(a) >= 3:
        udp_client(a[0], int(a[1]), a[2:])
    elif mode == "dns-serve" and len(a) == 4:
        dns_serve(a[0], a[1], a[2], a[3])
    else:
        usage()


if __name__ == "__main__":
    main(sys.argv[1:])

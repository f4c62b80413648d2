#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Servers and clients for the network tests (net.bats, network.bats): one tool, so no nc
flavour differences and no sleeps. Runs on the host, in test namespaces, and inside containers
(the host's python3 mounted into the busybox image, this directory at /tool).

  free-port tcp|udp [COUNT]         print the first of COUNT consecutive free ports on 127.0.0.1
                                    (and on ::1 too, where the host has IPv6)
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
                                    exit 1 when one never comes. A datagram from another
                                    address or port than HOST PORT is not an echo (it is noted
                                    on stderr)
  dns-serve ADDR NAME IPV4 READY    answer A queries for NAME on ADDR:53, NXDOMAIN otherwise
  has-ipv6                          exit 0 when an IPv6 socket can be bound to ::1

ADDR and HOST are IPv4 or IPv6 addresses (no brackets: ::1). READY files are created
(atomically) once the socket is bound. Errors end with a traceback and a non-zero status (tests
look for e.g. ConnectionRefusedError).
"""
import os
import socket
import struct
import sys


def ready(path):
    if path:
        open(path + ".tmp", "w").close()
        os.rename(path + ".tmp", path)


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def sock(addr, stype):
    s = socket.socket(family(addr), stype)
    if ":" in addr:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    return s


def has_ipv6():
    try:
        sock("::1", socket.SOCK_DGRAM).bind(("::1", 0))
        return True
    except OSError:
        return False


def free_port(kind, count=1):
    stype = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
    addrs = ["127.0.0.1"] + (["::1"] if has_ipv6() else [])
    while True:
        s = socket.socket(socket.AF_INET, stype)
        s.bind(("127.0.0.1", 0))
        base, held, ok = s.getsockname()[1], [s], True
        for addr in addrs:
            for i in range(0 if addr != "127.0.0.1" else 1, count):
                t = sock(addr, stype)
                try:
                    t.bind((addr, base + i))
                    held.append(t)
                except OSError:
                    ok = False
                    break
        if ok and base + count - 1 <= 65535:
            print(base)
            return


def hold(addr, port, rdy):
    s = sock(addr, socket.SOCK_STREAM)
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
    s = sock(addr, socket.SOCK_STREAM)
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
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.settimeout(0.5)
    server = socket.getaddrinfo(host, port, family(host), socket.SOCK_DGRAM)[0][4][:2]

    def recv():
        # only what comes from the address and port the request went to
        while True:
            data, peer = s.recvfrom(65535)
            if peer[:2] == server:
                return data
            print("a datagram from %s port %d, not from %s port %d: %r"
                  % (peer[0], peer[1], server[0], server[1], data), file=sys.stderr)

    for msg in msgs:
        want = b"echo:" + msg.encode() + b" from "
        for _ in range(20):
            s.sendto(msg.encode(), (host, port))
            try:
                reply = recv()
                # a late echo of an earlier message's retry is not this one's
                while not reply.startswith(want):
                    reply = recv()
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
    elif mode == "has-ipv6" and not a:
        sys.exit(0 if has_ipv6() else 1)
    else:
        usage()


if __name__ == "__main__":
    main(sys.argv[1:])

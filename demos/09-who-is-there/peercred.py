"""Lesson 09 · ask the kernel who connected: SO_PEERCRED.

A server on an abstract name (or any Unix socket) can ask the kernel for the
pid, uid and gid of the process at the other end of a connection. The kernel
recorded them at connect(): the client cannot lie about them. Node has no API
for it, so here it is in Python. This server serves its own user only:

    python3 demos/09-who-is-there/peercred.py
    python3 - knock @ping-pong-09-peercred ping < demos/09-who-is-there/impostor.py

One client at a time (lesson 02's blocking loop): the point is the check.
"""

import argparse
import os
import signal
import socket
import struct
import sys


def peer_credentials(connection):
    """struct ucred { pid_t pid; uid_t uid; gid_t gid; }: three 32-bit integers."""
    size = struct.calcsize("3i")
    raw = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, size)
    return struct.unpack("3i", raw)


def serve(connection, me):
    pid, uid, gid = peer_credentials(connection)
    print(f"client pid={pid} uid={uid} gid={gid}", flush=True)
    if uid != me:
        print(f"refused uid {uid}", flush=True)
        connection.sendall(f"error uid {uid} may not use this server, only uid {me}\n".encode())
        connection.shutdown(socket.SHUT_WR)  # then let it finish sending: closing on unread
        connection.settimeout(2)  # bytes would reset the connection and lose our answer
        while connection.recv(4096):
            pass
        return
    connection.sendall(f"welcome, uid {uid} (pid {pid})\n".encode())
    for raw in connection.makefile("rb"):
        line = raw.decode(errors="replace").rstrip("\r\n")
        if line == "ping" or line.startswith("ping "):
            connection.sendall(("pong" + line[4:] + "\n").encode())


def main():
    parser = argparse.ArgumentParser(
        prog="peercred.py",
        description="A ping server on an abstract name that asks the kernel who each client is (SO_PEERCRED) and serves only its own user.",
    )
    parser.add_argument("--name", default="ping-pong-09-peercred", help="abstract name (default: %(default)s)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(0))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind("\0" + args.name)
    except OSError as error:
        sys.exit(f"could not listen on @{args.name}: {error.strerror}: choose another --name")
    listener.listen()
    me = os.getuid()
    print(f"peercred server (uid {me}) listening on @{args.name}", flush=True)
    while True:
        connection, _ = listener.accept()
        with connection:
            try:
                serve(connection, me)
            except OSError:
                pass  # a client that vanished: serve the next one


if __name__ == "__main__":
    main()

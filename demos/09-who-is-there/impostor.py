"""Lesson 09 · the attacker: what another user on your machine can do to a
naive server and client. Run it as another user, reading it from stdin so that
user needs no access to your clone:

    sudo -u nobody python3 - listen /tmp/ping-pong-naive.sock < demos/09-who-is-there/impostor.py
    setpriv --reuid=nobody --regid=nogroup --clear-groups python3 - knock 127.0.0.1:7009 ping < demos/09-who-is-there/impostor.py

  listen ADDRESS        take a socket file path or an @abstract name first, and
                        answer every ping with a pong of our own
  fifos DIR             replace the FIFOs in a folder we own with ours, and answer
  knock ADDRESS LINE..  connect to someone's server, send lines, print the replies
"""

import argparse
import json
import os
import selectors
import signal
import socket
import sys

UID = os.getuid()


def unix_addresses(address):
    """A path as is; an @name both exact (Node 22+) and padded to 108 bytes (Node 20)."""
    if not address.startswith("@"):
        return [address]
    name = address[1:].encode()
    return [b"\0" + name, b"\0" + name + b"\0" * (107 - len(name))]


def reply_to(line):
    """What an impostor answers: convincing pongs, and a made-up cookie proof."""
    if line.startswith("ping"):
        return "pong" + line[4:] + f" (from uid {UID}, not your server)"
    if line.startswith("hello "):
        return "proof " + os.urandom(16).hex() + " " + os.urandom(32).hex()
    return "ok"


def listen(address):
    listeners = []
    for name in unix_addresses(address):
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(name)
        except OSError as error:
            print(f"impostor could not take {address}: {error.strerror}", flush=True)
            continue
        if isinstance(name, str):
            os.chmod(name, 0o777)  # let any victim connect to our socket
        listener.listen()
        listeners.append(listener)
    if not listeners:
        sys.exit(1)
    print(f"impostor (uid {UID}) listening on {address}", flush=True)
    try:
        serve(listeners)
    finally:
        if not address.startswith("@"):
            os.unlink(address)  # we made it, we remove it


def serve(listeners):
    selector = selectors.DefaultSelector()
    for listener in listeners:
        selector.register(listener, selectors.EVENT_READ, None)
    while True:
        for key, _ in selector.select():
            if key.data is None:
                connection, _ = key.fileobj.accept()
                selector.register(connection, selectors.EVENT_READ, [b""])
                continue
            data = key.fileobj.recv(65536)
            if not data:
                selector.unregister(key.fileobj)
                key.fileobj.close()
                continue
            key.data[0] += data
            *lines, key.data[0] = key.data[0].split(b"\n")
            for raw in lines:
                line = raw.decode(errors="replace")
                print(f"impostor heard {json.dumps(line)}", flush=True)
                key.fileobj.sendall((reply_to(line) + "\n").encode())


def fifos(folder):
    paths = [os.path.join(folder, name) for name in ("to-server", "to-client")]
    for path in paths:
        try:
            os.unlink(path)  # allowed: the folder is ours, whoever made the file
        except FileNotFoundError:
            pass
        os.mkfifo(path)
        os.chmod(path, 0o666)
    print(f"impostor (uid {UID}) swapped the FIFOs in {folder}", flush=True)
    with open(paths[0], "rb") as requests, open(paths[1], "wb") as replies:
        for raw in requests:  # each open() above waited for the client
            line = raw.decode(errors="replace").rstrip("\n")
            print(f"impostor heard {json.dumps(line)}", flush=True)
            replies.write((reply_to(line) + "\n").encode())
            replies.flush()


def knock(address, lines):
    if address.startswith("@") or "/" in address:
        names, family = unix_addresses(address), socket.AF_UNIX
    else:
        host, port = address.rsplit(":", 1)
        names, family = [(host, int(port))], socket.AF_INET
    for name in names:
        conn = socket.socket(family, socket.SOCK_STREAM)
        try:
            conn.connect(name)
            break
        except OSError as error:
            failure = error
    else:
        print(f"could not connect to {address}: {failure.strerror}")
        sys.exit(1)
    print(f"connected to {address} as uid {UID}")
    received = b""
    try:
        conn.sendall("".join(line + "\n" for line in lines).encode())
        conn.shutdown(socket.SHUT_WR)  # done sending: the server sees end-of-file
        conn.settimeout(5)
        while chunk := conn.recv(65536):
            received += chunk
    except OSError as error:  # hung up on mid-way: say what we got
        print(f"connection ended: {error.strerror}")
    for line in received.decode(errors="replace").splitlines():
        print(f"got {json.dumps(line)}")
    print("the server closed the connection")


def main():
    parser = argparse.ArgumentParser(
        prog="impostor.py",
        description="Lesson 09's attacker: squat an address, swap FIFOs, or knock on a server.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    take = commands.add_parser("listen", help="take a socket path or @name first")
    take.add_argument("address", help="a socket file path, or @name for an abstract name")
    swap = commands.add_parser("fifos", help="replace the FIFOs in a folder you own")
    swap.add_argument("folder")
    visit = commands.add_parser("knock", help="connect, send lines, print replies")
    visit.add_argument("address", help="HOST:PORT, @name or a socket file path")
    visit.add_argument("lines", nargs="*", default=["ping"])
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    try:
        if args.command == "listen":
            listen(args.address)
        elif args.command == "fifos":
            fifos(args.folder)
        else:
            knock(args.address, args.lines)
    except OSError as error:  # one line, no traceback
        sys.exit(f"impostor: {error.strerror} ({' '.join(sys.argv[1:])})")


if __name__ == "__main__":
    main()

"""Lesson 06 · a subscriber in Python: the protocol is just JSON lines on a Unix socket.

    python3 demos/06-subscriptions/watch.py [--socket PATH] [--updates N]

Subscribes, prints each message, and exits after N updates (default: never).
"""
import argparse
import json
import os
import socket
import stat
import sys
import tempfile


def default_socket(lesson):
    """The course's private runtime folder (lesson 01): $XDG_RUNTIME_DIR/ping-pong, else <tmp>/ping-pong-<uid>."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = os.path.join(runtime, "ping-pong") if runtime else os.path.join(tempfile.gettempdir(), f"ping-pong-{os.getuid()}")
    return os.path.join(folder, f"{lesson}.sock")


parser = argparse.ArgumentParser(description="Subscribes to the lesson 06 daemon and prints every update.")
parser.add_argument("--socket", metavar="PATH", default=default_socket("06"), help="the daemon's socket file (default: %(default)s)")
parser.add_argument("--updates", metavar="N", type=int, default=-1, help="exit after N updates (default: never)")
args = parser.parse_args()
wanted = args.updates

with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
    try:
        info = os.lstat(args.socket)  # lesson 01's check: a socket (not a symlink) that is ours
        if not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.getuid():
            sys.exit(f"{args.socket} is not a socket owned by you: refusing to talk to it")
        sock.connect(args.socket)
    except OSError as error:
        sys.exit(f"cannot connect to {args.socket}: {error.strerror}: start npx tsx demos/06-subscriptions/server.ts")
    sock.sendall(json.dumps({"type": "subscribe"}).encode() + b"\n")
    for line in sock.makefile("r", encoding="utf-8", errors="replace"):  # makefile() splits the stream into lines
        try:
            message = json.loads(line)
        except ValueError:
            print(f"not JSON: {line.strip()!r}", flush=True)
            continue
        print(message.get("type"), message.get("count"), flush=True)
        if message.get("type") == "update":
            wanted -= 1
            if wanted == 0:
                break

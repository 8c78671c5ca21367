"""Lesson 06 · a subscriber in Python: the protocol is just JSON lines on a Unix socket.

Usage: python3 demos/06-subscriptions/watch.py [SOCKET] [UPDATES]
Subscribes, prints each update, and exits after UPDATES of them (default: never).
"""
import json, socket, sys

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/ping-pong-06.sock"
wanted = int(sys.argv[2]) if len(sys.argv) > 2 else -1

with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
    sock.connect(path)
    sock.sendall(json.dumps({"type": "subscribe"}).encode() + b"\n")
    for line in sock.makefile("r", encoding="utf-8"):  # makefile() splits the stream into lines
        message = json.loads(line)
        print(message["type"], message.get("count"), flush=True)
        if message["type"] == "update":
            wanted -= 1
            if wanted == 0:
                break

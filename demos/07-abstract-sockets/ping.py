"""Lesson 07 from Python: ping the server on an abstract name, whatever Node made of it.

An abstract name is the exact bytes up to the address length. Node 22 binds
b'\\0ping-pong-07' (13 bytes); Node 20 binds it padded with NUL bytes to all 108.
So we read the name as the kernel holds it from /proc/net/unix (where a NUL
byte is printed as '@') and connect with exactly those bytes.
"""
import argparse
import socket
import sys

LISTENING = 0x10000  # __SO_ACCEPTCON in the Flags column: listen() was called
START = "start it with: npx tsx demos/07-abstract-sockets/server.ts --name {}"


def kernel_address(name):
    with open("/proc/net/unix", encoding="utf-8", errors="surrogateescape") as table:
        next(table)  # the header line
        for row in table:
            fields = row.rstrip("\n").split(None, 7)
            if len(fields) < 8 or not int(fields[3], 16) & LISTENING:
                continue
            path, rest = fields[7], fields[7][1 + len(name):]
            if path.startswith("@" + name) and rest == "@" * len(rest):
                return b"\0" + name.encode() + b"\0" * len(rest)
    return None


def shown(text):
    """Whoever holds the name answers: escape what it sent before printing it."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


parser = argparse.ArgumentParser(
    description="Ping the lesson 07 server on a Linux abstract socket name.")
parser.add_argument("name", nargs="?", default="ping-pong-07",
                    help="the abstract name, without the @ (default: ping-pong-07)")
name = parser.parse_args().name

address = kernel_address(name)
if address is None:
    sys.exit(f"no socket listens on @{name} in this network namespace: {START.format(name)}")
print(f"connecting to @{name} + {len(address) - 1 - len(name.encode())} NUL bytes, as /proc/net/unix shows it")
try:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(address)
        sock.sendall(b"ping from python\n")
        print(shown(sock.makefile(errors="replace").readline().rstrip("\n")))
except OSError as error:
    sys.exit(f"could not talk to @{name}: {error.strerror or error}: {START.format(name)}")

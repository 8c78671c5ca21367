"""Lesson 05 from another language: several connections, one thread, one poll().

Opens N connections to the lesson 05 server, sends a tagged ping on each, then
waits for all of them at once with poll(2): one call, a list of (descriptor,
events) pairs in, the descriptors that are ready out. Node's event loop does the
same wait for you, with epoll.

    python3 demos/05-poll/poll-clients.py [--socket PATH] [--clients N] [--rounds R]
"""
import argparse
import os
import select
import socket
import stat
import sys
import tempfile


def default_socket(lesson):
    """The course's private runtime folder (lesson 01): $XDG_RUNTIME_DIR/ping-pong, else <tmp>/ping-pong-<uid>."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = os.path.join(runtime, "ping-pong") if runtime else os.path.join(tempfile.gettempdir(), f"ping-pong-{os.getuid()}")
    return os.path.join(folder, f"{lesson}.sock")


parser = argparse.ArgumentParser(description="Opens N connections to the lesson 05 server and waits for all their pongs with one poll().")
parser.add_argument("--socket", metavar="PATH", default=default_socket("05"), help="socket file to connect to (default: %(default)s)")
parser.add_argument("-n", "--clients", metavar="N", type=int, default=3, help="connections to open (default: %(default)s)")
parser.add_argument("--rounds", metavar="R", type=int, default=2, help="pings per connection (default: %(default)s)")
args = parser.parse_args()
path, count, rounds = args.socket, args.clients, args.rounds

try:
    info = os.lstat(path)  # lesson 01's check: a socket (not a symlink) that is ours
    if not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.getuid():
        sys.exit(f"{path} is not a socket owned by you: refusing to talk to it")
    connections = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(count)]
    for connection in connections:
        connection.connect(path)
except OSError as error:
    sys.exit(f"cannot connect to {path}: {error.strerror}: start npx tsx demos/05-poll/server.ts")

by_fd = {connection.fileno(): number for number, connection in enumerate(connections, 1)}
pending = {fd: b"" for fd in by_fd}  # bytes read but not yet a whole line
poller = select.poll()
for fd in by_fd:
    poller.register(fd, select.POLLIN)  # "wake me when this one has something to read"
print(f"poll() over {count} sockets, fds {', '.join(map(str, by_fd))}")

wrong = 0
for turn in range(1, rounds + 1):
    waiting = set(by_fd)
    for connection in reversed(connections):  # ask in reverse: the answers still find their way
        connection.sendall(f"ping p{by_fd[connection.fileno()]}-{turn}\n".encode())
    while waiting:
        ready = poller.poll()  # blocks until at least one socket is readable
        print(f"  poll() returned {len(ready)} ready: fds {', '.join(str(fd) for fd, _ in ready)}")
        for fd, _events in ready:
            chunk = connections[by_fd[fd] - 1].recv(4096)
            if not chunk:
                sys.exit(f"the server closed connection {by_fd[fd]}")
            pending[fd] += chunk
            while b"\n" in pending[fd] and fd in waiting:
                raw, pending[fd] = pending[fd].split(b"\n", 1)
                line = raw.decode(errors="replace")
                expected = f"pong p{by_fd[fd]}-{turn}"
                shown = line if line == expected else f"{line!r}  (expected {expected})"  # repr: no raw bytes on the console
                print(f"  fd {fd}: {shown}")
                wrong += line != expected
                waiting.discard(fd)

for connection in connections:
    connection.close()
print(f"{count * rounds - wrong} of {count * rounds} pongs on the right connection")
sys.exit(1 if wrong else 0)

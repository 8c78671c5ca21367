"""Lesson 05 from another language: several connections, one thread, one poll().

Opens N connections to the lesson 05 server, sends a tagged ping on each, then
waits for all of them at once with poll(2): one call, a list of (descriptor,
events) pairs in, the descriptors that are ready out. Node's event loop does the
same wait for you, with epoll.

    python3 demos/05-poll/poll-clients.py [SOCKET] [N] [ROUNDS]
"""
import select
import socket
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/ping-pong-05.sock"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 3
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2

try:
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
                line, pending[fd] = pending[fd].split(b"\n", 1)
                expected = f"pong p{by_fd[fd]}-{turn}"
                print(f"  fd {fd}: {line.decode()}" + ("" if line.decode() == expected else f"  (expected {expected})"))
                wrong += line.decode() != expected
                waiting.discard(fd)

for connection in connections:
    connection.close()
print(f"{count * rounds - wrong} of {count * rounds} pongs on the right connection")
sys.exit(1 if wrong else 0)

"""Lesson 03 without Node: the same polling loop in Python, so strace shows the raw EAGAIN.

With the socket in O_NONBLOCK mode, accept() and recv() return at once; when there is
nothing to hand over, the kernel answers EAGAIN and Python raises BlockingIOError.
Run: python3 demos/03-non-blocking/poll-by-hand.py [--socket PATH] [--interval MS] [--passes N]
"""
import argparse, os, socket, time

parser = argparse.ArgumentParser(description="A non-blocking polling loop on a Unix socket.")
parser.add_argument("--socket", default="/tmp/ping-pong-03.sock", help="socket file to listen on")
parser.add_argument("--interval", type=int, default=500, help="milliseconds to nap between passes")
parser.add_argument("--passes", type=int, default=0, help="stop after this many passes (0: run until Ctrl-C)")
args = parser.parse_args()

server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.setblocking(False)  # fcntl(O_NONBLOCK): from now on nothing here waits
if os.path.exists(args.socket):
    os.unlink(args.socket)  # a teaching shortcut; the Node servers probe before unlinking
server.bind(args.socket)
server.listen()
print(f"python polling server listening on {args.socket}", flush=True)

clients, passes, clients_so_far = {}, 0, 0
try:
    while args.passes == 0 or passes < args.passes:
        passes += 1
        seen = []
        try:
            conn, _ = server.accept()  # accept4(): a waiting connection, or EAGAIN
            conn.setblocking(False)
            clients_so_far += 1  # not len(clients) + 1: numbers must not repeat after someone leaves
            clients[conn] = clients_so_far
            seen.append(f"accept: client {clients[conn]} connected")
        except BlockingIOError:
            seen.append("accept: nothing yet (EAGAIN)")
        for conn, number in list(clients.items()):
            try:
                data = conn.recv(1024)  # recvfrom(): bytes, b"" at end of stream, or EAGAIN
                seen.append(f"client {number}: {data.decode(errors='replace').strip()!r}" if data else f"client {number}: left")
                if not data:
                    del clients[conn]
                    conn.close()
            except BlockingIOError:
                seen.append(f"client {number}: nothing yet (EAGAIN)")
            except OSError as error:
                seen.append(f"client {number}: vanished ({error.strerror})")
                del clients[conn]
        print(f"tick {passes} | " + " | ".join(seen), flush=True)
        time.sleep(args.interval / 1000)
except KeyboardInterrupt:
    pass
finally:
    server.close()
    os.unlink(args.socket)

"""Lesson 03 without Node: the same polling loop in Python, so strace shows the raw EAGAIN.

With the socket in O_NONBLOCK mode, accept() and recv() return at once; when there is
nothing to hand over, the kernel answers EAGAIN and Python raises BlockingIOError.
Run: python3 demos/03-non-blocking/poll-by-hand.py [--socket PATH] [--interval MS] [--passes N]
"""
import argparse, os, signal, socket, stat, sys, tempfile, time


def private_dir():
    """Lesson 01's private folder: $XDG_RUNTIME_DIR/ping-pong, or <tmp>/ping-pong-<uid>."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "ping-pong")
    return os.path.join(tempfile.gettempdir(), f"ping-pong-{os.getuid()}")


parser = argparse.ArgumentParser(description="A non-blocking polling loop on a Unix socket.")
parser.add_argument("--socket", default=os.path.join(private_dir(), "03.sock"), help="socket file to listen on")
parser.add_argument("--interval", type=int, default=500, help="milliseconds to nap between passes")
parser.add_argument("--passes", type=int, default=0, help="stop after this many passes (0: run until Ctrl-C)")
args = parser.parse_args()


def refuse(message):
    sys.exit(f"python polling server: {message}")  # one line on stderr, exit code 1


folder = os.path.dirname(args.socket)
if folder == private_dir():  # make it 0700, then check it as lesson 01 does (lstat: no symlinks)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        refuse(f"{folder} is not a private folder of yours: refusing to use it")
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.setblocking(False)  # fcntl(O_NONBLOCK): from now on nothing here waits
try:
    info = os.lstat(args.socket)
    if not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.getuid():
        refuse(f"{args.socket} exists and is not a socket of yours; not touching it")
    try:  # knock first, as lesson 01 does: never remove a live server's socket
        socket.socket(socket.AF_UNIX).connect(args.socket)
        refuse(f"another server is already listening on {args.socket}")
    except ConnectionRefusedError:
        os.unlink(args.socket)  # refused: a leftover
except FileNotFoundError:
    pass
try:
    server.bind(args.socket)
except OSError as error:
    refuse(f"cannot listen on {args.socket}: {error.strerror}")
server.listen()
print(f"python polling server listening on {args.socket}", flush=True)

def stop(signum, frame):
    raise KeyboardInterrupt  # SIGTERM and SIGHUP clean up like Ctrl-C (SIGINT)


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGHUP, stop)
clients, passes, clients_so_far = {}, 0, 0
try:
    while args.passes == 0 or passes < args.passes:
        passes += 1
        seen = []
        while True:  # take every waiting connection, until the kernel says EAGAIN
            try:
                conn, _ = server.accept()  # accept4(): a waiting connection, or EAGAIN
            except BlockingIOError:
                if not seen:
                    seen.append("accept: nothing yet (EAGAIN)")
                break
            conn.setblocking(False)
            clients_so_far += 1  # not len(clients) + 1: numbers must not repeat after someone leaves
            clients[conn] = clients_so_far
            seen.append(f"accept: client {clients[conn]} connected")
        for conn, number in list(clients.items()):
            try:
                data = conn.recv(1024)  # recvfrom(): bytes, b"" at end of stream, or EAGAIN
                # !r prints the bytes escaped, so a client cannot send escape codes to the terminal
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

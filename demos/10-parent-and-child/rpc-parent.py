#!/usr/bin/env python3
"""Lesson 10: a Python parent driving the Node JSON-RPC child (standard library only).

subprocess.PIPE makes real pipes (pipe2), where Node's spawn makes socketpairs:
the framing does not care. After the child exits, one more write gets EPIPE.
"""
import argparse
import json
import os
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('--child', default='demos/10-parent-and-child/rpc-child.ts', metavar='PATH',
                    help='the TypeScript child to run with node --import tsx, relative to the repository (default: %(default)s)')
args = parser.parse_args()

try:
    child = subprocess.Popen(['node', '--import', 'tsx', args.child], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
except FileNotFoundError:
    sys.exit('node is not on PATH: install Node.js 20 or later')
print(f'spawned child {child.pid}: node {args.child}', flush=True)


def send(message):
    body = json.dumps(message, ensure_ascii=False).encode('utf-8')
    child.stdin.write(b'Content-Length: %d\r\n\r\n' % len(body) + body)
    child.stdin.flush()


def receive():
    """The next response, whichever request it answers."""
    length = None
    while (line := child.stdout.readline()) not in (b'\r\n', b''):
        name, _, value = line.decode('latin-1').partition(':')
        if name.lower() == 'content-length':
            length = int(value)
    if length is None:
        sys.exit('the child closed its stdout, or sent no Content-Length')
    return json.loads(child.stdout.read(length).decode('utf-8'))


send({'jsonrpc': '2.0', 'id': 1, 'method': 'sleep', 'params': {'ms': 200}})
send({'jsonrpc': '2.0', 'id': 2, 'method': 'ping', 'params': {'text': 'żółw 🐢'}})
send({'jsonrpc': '2.0', 'id': 3, 'method': 'nosuch'})
for _ in range(3):
    response = receive()
    print(f'← id {response["id"]}: {json.dumps(response.get("result", response.get("error")), ensure_ascii=False)}', flush=True)
send({'jsonrpc': '2.0', 'id': 4, 'method': 'shutdown'})
receive()
send({'jsonrpc': '2.0', 'method': 'exit'})
print(f'the child exited with code {child.wait()}', flush=True)
try:
    send({'jsonrpc': '2.0', 'id': 5, 'method': 'ping'})
except BrokenPipeError as error:
    # Python ignores SIGPIPE, so the kernel's "no reader left" arrives as an error.
    print(f'one more ping: BrokenPipeError, errno {error.errno} (EPIPE): nobody reads this pipe any more')

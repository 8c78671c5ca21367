#!/usr/bin/env python3
"""Lesson 10: the JSON-RPC child of rpc-child.ts, in Python (standard library only).

Same methods (ping, sleep, log, shutdown, exit), same Content-Length framing on
stdin/stdout, logs on stderr. `npx tsx demos/10-parent-and-child/parent.ts --child python`
drives it; the parent cannot tell which language answers.
"""
import argparse
import json
import os
import sys
import threading

MAX_CONTENT_LENGTH = 1024 * 1024
MAX_HEADER_BYTES = 1024

argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
write_lock = threading.Lock()  # sleep answers from a timer thread: one frame at a time
shutdown_requested = False


def reply(message):
    body = json.dumps(message, ensure_ascii=False).encode('utf-8')  # count bytes, not characters
    with write_lock:
        try:
            stdout.write(b'Content-Length: %d\r\n\r\n' % len(body) + body)
            stdout.flush()
        except BrokenPipeError:  # also from a sleep's timer thread: leave without a traceback
            print(f'python child {os.getpid()}: the parent is gone (EPIPE); exiting', file=sys.stderr)
            os._exit(1)


def error(id_, code, message):
    reply({'jsonrpc': '2.0', 'id': id_, 'error': {'code': code, 'message': message}})


def call(method, params, id_):
    """Runs a method; returns (result, None) or (None, (code, message)). None result: answered later."""
    global shutdown_requested
    if method == 'ping':
        if params is None:
            return 'pong', None
        if isinstance(params, dict) and isinstance(params.get('text'), str):
            return 'pong ' + params['text'], None
        return None, (-32602, 'ping takes no params, or {"text": string}')
    if method == 'sleep':
        ms = params.get('ms') if isinstance(params, dict) else None
        if not isinstance(ms, (int, float)) or isinstance(ms, bool) or not 0 <= ms <= 10000:
            return None, (-32602, 'sleep takes {"ms": 0 to 10000}')
        # Answer from a timer: requests behind this one are not held up.
        threading.Timer(ms / 1000, lambda: id_ is not None and reply({'jsonrpc': '2.0', 'id': id_, 'result': {'slept': ms}})).start()
        return None, None
    if method == 'log':
        print(f'python child {os.getpid()} log: {json.dumps(params)}', file=sys.stderr, flush=True)
        return None, None
    if method == 'shutdown':
        shutdown_requested = True
        return None, None
    if method == 'exit':
        os._exit(0 if shutdown_requested else 1)
    return None, (-32601, 'method not found: ' + json.dumps(method[:40]))


def handle(body):
    try:
        message = json.loads(body.decode('utf-8'))
    except ValueError:
        return error(None, -32700, 'parse error: not JSON: ' + json.dumps(body[:40].decode('utf-8', 'replace')))
    if not isinstance(message, dict):
        return error(None, -32600, 'invalid request: expected one JSON object')
    id_ = message.get('id')
    valid_id = id_ is None or (isinstance(id_, (str, int, float)) and not isinstance(id_, bool))
    if message.get('jsonrpc') != '2.0' or not isinstance(message.get('method'), str) or not valid_id:
        return error(id_ if valid_id else None, -32600, 'invalid request: needs "jsonrpc":"2.0", a string "method" and a number or string "id"')
    is_notification = 'id' not in message
    result, problem = call(message['method'], message.get('params'), None if is_notification else id_)
    if is_notification:
        return None
    if problem:
        return error(id_, *problem)
    if message['method'] != 'sleep':  # sleep answers from its timer
        reply({'jsonrpc': '2.0', 'id': id_, 'result': result})


def read_header():
    """The Content-Length of the next frame; None at end of input."""
    header = b''
    while not header.endswith(b'\r\n\r\n'):
        byte = stdin.read(1)  # a buffered reader: this does not cost a read() per byte
        if not byte:
            if header:  # a message cut short is a broken stream, not silence
                raise ValueError(f'the input ended inside a header ({len(header)} bytes)')
            return None
        header += byte
        if len(header) > MAX_HEADER_BYTES:
            raise ValueError(f'no end of header within {MAX_HEADER_BYTES} bytes')
    length = None
    for line in header[:-4].decode('latin-1').split('\r\n'):
        name, colon, value = line.partition(':')
        if not colon:
            raise ValueError('not a header line: ' + json.dumps(line[:60]))
        if name.strip().lower() == 'content-length':
            if not value.strip().isdigit():
                raise ValueError('bad Content-Length: ' + json.dumps(value.strip()[:20]))
            length = int(value)
    if length is None:
        raise ValueError('header without Content-Length')
    return length


try:
    while (length := read_header()) is not None:
        if length > MAX_CONTENT_LENGTH:
            error(None, -32600, f'Content-Length {length} is over the cap of {MAX_CONTENT_LENGTH} bytes: refused, body skipped unread')
            while length > 0:  # drop it in small pieces, never holding it whole
                skipped = stdin.read(min(length, 65536))
                if not skipped:
                    break
                length -= len(skipped)
            continue
        body = stdin.read(length)
        if len(body) < length:
            raise ValueError(f'the input ended inside a body ({len(body)} of {length} bytes)')
        handle(body)
except ValueError as problem:
    print(f'python child {os.getpid()}: {problem}; exiting', file=sys.stderr)
    error(None, -32700, f'framing error: {problem}')
    sys.exit(1)

#!/usr/bin/python3
"""A client of glass-shim's control socket for t-shim.sh (docs/shim.md).

  shim-ctl.py STATE request JSON
        sends one request line, prints the reply line
  shim-ctl.py STATE attach [--input TEXT] [--after TEXT] [--resize HxW] [--tty] [--timeout S]
        attaches (stdin, stdout, stderr); after the first output that
        contains --after (or at once) sends the --resize request on a
        second connection and then TEXT as stdin, then half-closes; reads
        until the shim ends the stream.  Without --tty the stream is
        decoded as stdcopy frames and printed as JSON [[stream, text], ...];
        with --tty the raw bytes are printed.
"""
import json
import os
import socket
import struct
import sys
import time


def connect(state):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.path.join(state, "ctl.sock"))
    return s


def request(state, line):
    s = connect(state)
    s.sendall(line.encode() + b"\n")
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
    s.close()
    return reply.decode().rstrip("\n")


def frames(data):
    out, i = [], 0
    while i + 8 <= len(data):
        stream, size = struct.unpack(">BxxxI", data[i:i + 8])
        out.append([stream, data[i + 8:i + 8 + size].decode(errors="replace")])
        i += 8 + size
    if i != len(data):
        out.append(["trailing", len(data) - i])
    return out


def attach(state, args):
    opts = {"--input": None, "--after": None, "--resize": None, "--timeout": "20"}
    tty = "--tty" in args
    args = [a for a in args if a != "--tty"]
    for k, v in zip(args[::2], args[1::2]):
        opts[k] = v
    s = connect(state)
    s.sendall(b'{"op":"attach","stdin":true,"stdout":true,"stderr":true}\n')
    s.settimeout(float(opts["--timeout"]))
    data, sent = b"", False
    deadline = time.time() + float(opts["--timeout"])

    def send_input():
        if opts["--resize"]:
            h, w = opts["--resize"].split("x")
            r = request(state, json.dumps({"op": "resize", "height": int(h), "width": int(w)}))
            sys.stderr.write("resize: %s\n" % r)
        if opts["--input"] is not None:
            s.sendall(opts["--input"].encode())
        if not tty:
            s.shutdown(socket.SHUT_WR)

    if opts["--after"] is None:
        send_input()
        sent = True
    while time.time() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
        if not sent and opts["--after"].encode() in data:
            send_input()
            sent = True
    s.close()
    if tty:
        sys.stdout.write(data.decode(errors="replace"))
    else:
        print(json.dumps(frames(data)))


def main():
    state, verb = sys.argv[1], sys.argv[2]
    if verb == "request":
        print(request(state, sys.argv[3]))
    elif verb == "attach":
        attach(state, sys.argv[3:])
    else:
        sys.exit("shim-ctl.py: unknown verb " + verb)


main()

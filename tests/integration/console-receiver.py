#!/usr/bin/python3
"""A --console-socket receiver, as containerd's shim or podman's conmon is:
listens on a unix socket, receives the container's pty master over
SCM_RIGHTS, writes the message that came with it to OUT.name, optionally
types INPUT into the terminal, and copies everything the container writes to
OUT until the terminal closes (EIO when the last slave fd is gone).

    console-receiver.py SOCKET OUT [INPUT]
Creates OUT.ready once it listens.  Exits 0 after the pty closes, 1 if no
fd came within 30 seconds.
"""
import os
import socket
import sys
import time

sock_path, out = sys.argv[1], sys.argv[2]
typed = sys.argv[3].encode() if len(sys.argv) > 3 else b""
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
srv.listen(1)
srv.settimeout(30)
open(out + ".ready", "w").close()
try:
    conn, _ = srv.accept()
    msg, fds, _, _ = socket.recv_fds(conn, 4096, 4)
except (socket.timeout, OSError) as e:
    sys.exit("console-receiver: no pty master received: %s" % e)
if not fds:
    sys.exit("console-receiver: a message came but no fd (SCM_RIGHTS missing)")
with open(out + ".name", "wb") as f:
    f.write(msg)
master = fds[0]
for extra in fds[1:]:
    os.close(extra)
if typed:
    time.sleep(0.3)
    os.write(master, typed)
deadline = time.time() + 30
with open(out, "wb") as f:
    while time.time() < deadline:
        try:
            data = os.read(master, 4096)
        except OSError:
            break  # EIO: the container's side of the pty is closed
        if not data:
            break
        f.write(data)
        f.flush()
sys.exit(0)

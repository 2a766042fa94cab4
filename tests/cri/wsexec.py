"""The client side of a Kubernetes exec stream over WebSocket, as kubectl
speaks it to the URL that the CRI `Exec` call returns.

The streaming server (containerd's, from kubelet's streaming package)
upgrades GET URL to a WebSocket with the subprotocol v4.channel.k8s.io:
every binary message starts with a channel byte (0 stdin, 1 stdout,
2 stderr, 3 error, 4 resize) and the error channel carries the exec's end
as a metav1.Status JSON ("Success", or "Failure" with reason
NonZeroExitCode and the code in details.causes).  RFC 6455 framing, done
by hand: the standard library has no WebSocket client.
"""
import base64
import json
import os
import socket
import struct
import urllib.parse

PROTOCOL = "v4.channel.k8s.io"


def _recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("stream closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def _read_frame(s):
    b0, b1 = _recv_exact(s, 2)
    opcode = b0 & 0x0F
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", _recv_exact(s, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _recv_exact(s, 8))[0]
    mask = _recv_exact(s, 4) if b1 & 0x80 else None
    data = _recv_exact(s, n)
    if mask:
        data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
    return opcode, data


def _send_close(s):
    # Client frames are masked (RFC 6455 5.3); an empty close frame.
    s.sendall(bytes([0x88, 0x80]) + os.urandom(4))


def exec_stream(url, timeout=20):
    """Runs the exec behind url; returns (status line, protocol, stdout,
    stderr, status dict from the error channel)."""
    u = urllib.parse.urlsplit(url)
    key = base64.b64encode(os.urandom(16)).decode()
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Protocol: %s\r\nOrigin: http://%s\r\n\r\n"
           % (u.path + ("?" + u.query if u.query else ""), u.netloc, key, PROTOCOL, u.netloc))
    s = socket.create_connection((u.hostname, u.port), timeout=timeout)
    try:
        s.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(1)
            if not chunk:
                raise ConnectionError("no HTTP answer: %r" % head)
            head += chunk
        lines = head.decode("latin-1").split("\r\n")
        status = lines[0]
        headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
        if " 101 " not in status + " ":
            return status, None, b"", b"", None
        out = {1: b"", 2: b"", 3: b""}
        while True:
            opcode, data = _read_frame(s)
            if opcode == 8:  # close
                break
            if opcode in (1, 2) and data:
                ch = data[0]
                out[ch] = out.get(ch, b"") + data[1:]
        try:
            _send_close(s)
        except OSError:
            pass
        st = json.loads(out[3]) if out[3] else None
        return status, headers.get("sec-websocket-protocol"), out[1], out[2], st
    finally:
        s.close()


def exit_code(st):
    """The exit code a v4 status reports (0 for Success)."""
    if st is None:
        return None
    if st.get("status") == "Success":
        return 0
    for c in (st.get("details") or {}).get("causes") or []:
        if c.get("reason") == "ExitCode":
            return int(c.get("message"))
    return -1

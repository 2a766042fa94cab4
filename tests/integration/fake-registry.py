#!/usr/bin/env python3
"""A tiny read-only registry (distribution API v2 subset) serving an OCI
layout, for the tests that need a misbehaving server:
  fake-registry.py LAYOUT PORTFILE [--corrupt DIGEST] [--slow BYTES_PER_SEC] [--log FILE]
                   [--bearer USER:PASS]
Listens on 127.0.0.1 (port 0 = any; the port is written to PORTFILE).
--corrupt flips one byte of that blob; --slow throttles blob bodies.
--bearer answers with a Bearer challenge whose realm (/token) hands out a
token for those Basic credentials (docker hub's flow).
Range requests get 206.  Each request is logged as "METHOD PATH RANGE"."""
import base64
import http.server, json, os, sys, time

layout, portfile = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
corrupt = slow = log = bearer = None
TOKEN = 'glass-test-token-42'
while args:
    k = args.pop(0)
    if k == '--corrupt':
        corrupt = args.pop(0)
    elif k == '--slow':
        slow = int(args.pop(0))
    elif k == '--log':
        log = args.pop(0)
    elif k == '--bearer':
        bearer = args.pop(0)

def blob(digest):
    if not digest.startswith('sha256:') or '/' in digest:
        return None
    p = os.path.join(layout, 'blobs', 'sha256', digest[7:])
    if not os.path.exists(p):
        return None
    with open(p, 'rb') as f:
        data = f.read()
    if digest == corrupt:
        data = bytearray(data)
        data[len(data) // 2] ^= 0xff
        data = bytes(data)
    return data

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a):
        pass
    def send(self, code, body=b'', ctype='application/octet-stream', extra=None):
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != 'HEAD':
          try:
            if slow:
                for i in range(0, len(body), 16384):
                    self.wfile.write(body[i:i + 16384])
                    self.wfile.flush()
                    time.sleep(16384 / slow)
            else:
                self.wfile.write(body)
          except (BrokenPipeError, ConnectionResetError):
            pass
    def do_GET(self):
        if log:
            with open(log, 'a') as f:
                f.write('%s %s %s\n' % (self.command, self.path, self.headers.get('Range', '-')))
        path = self.path.split('?')[0]
        if bearer and path == '/token':
            want = 'Basic ' + base64.b64encode(bearer.encode()).decode()
            if self.headers.get('Authorization') != want:
                return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', 'application/json')
            return self.send(200, json.dumps({'token': TOKEN}).encode(), 'application/json')
        if bearer and self.headers.get('Authorization') != 'Bearer ' + TOKEN:
            host = self.headers.get('Host')
            return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', 'application/json', {
                'WWW-Authenticate': 'Bearer realm="http://%s/token",service="fake",scope="repository:x:pull"' % host})
        parts = path.split('/')
        if self.path in ('/v2/', '/v2'):
            return self.send(200, b'{}', 'application/json')
        if len(parts) >= 5 and parts[-2] == 'manifests':
            ref = parts[-1]
            if not ref.startswith('sha256:'):
                idx = json.load(open(os.path.join(layout, 'index.json')))
                for m in idx['manifests']:
                    if m.get('annotations', {}).get('org.opencontainers.image.ref.name') == ref:
                        ref = m['digest']
                        break
                else:
                    return self.send(404, b'{}', 'application/json')
            data = blob(ref)
            if data is None:
                return self.send(404, b'{}', 'application/json')
            mt = json.loads(data).get('mediaType', 'application/vnd.oci.image.manifest.v1+json')
            return self.send(200, data, mt, {'Docker-Content-Digest': ref})
        if len(parts) >= 5 and parts[-2] == 'blobs':
            data = blob(parts[-1])
            if data is None:
                return self.send(404, b'{}', 'application/json')
            rng = self.headers.get('Range')
            if rng and rng.startswith('bytes='):
                start = int(rng[6:].split('-')[0])
                return self.send(206, data[start:], extra={
                    'Content-Range': 'bytes %d-%d/%d' % (start, len(data) - 1, len(data))})
            return self.send(200, data)
        self.send(404, b'{}', 'application/json')
    do_HEAD = do_GET

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address):
        pass  # clients that hang up mid-transfer (the kill -9 test) are expected

srv = Server(('127.0.0.1', 0), H)
with open(portfile + '.tmp', 'w') as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + '.tmp', portfile)
srv.serve_forever()

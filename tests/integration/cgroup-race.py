#!/usr/bin/python3
"""Two creates race for one cgroupsPath (t-cgroup.sh).  The first, driven
with --step-fd, is held at the pause before the clone of its process (it
has made the cgroup and found it free; the process enters it with that
clone, clone3 into a cgroup2 cgroup, and by its first step, "0" to each
v1 `tasks`); the second create of a container
with the same cgroupsPath is started then.  The second must not also find
the cgroup free and join it: it must wait until the first has joined, and
then be refused as busy.
    cgroup-race.py RUNTIME STATE BUNDLE ID1 ID2
Prints one line per finding, "second: <exit code> <stderr's last line>",
and whether the second had finished while the first was held."""
import json
import os
import select
import subprocess
import sys
import tempfile
import time

rt, state, bundle, id1, id2 = sys.argv[1:6]
ev_r, ev_w = os.pipe()
ctl_r, ctl_w = os.pipe()


def fds():
    os.dup2(ev_w, 3)
    os.dup2(ctl_r, 4)


first = subprocess.Popen([rt, '--root', state, '--trace-format', 'json', '--trace-fd', '3',
                          '--step-fd', '4', 'create', '--bundle', bundle, id1],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, preexec_fn=fds, pass_fds=(3, 4))
os.close(ev_w)
os.close(ctl_r)
second = None
held_done = None
# a file, not a pipe: the container's init would hold a pipe open
errf = tempfile.TemporaryFile()
begin = {}
with os.fdopen(ev_r, 'rb', buffering=0) as ev, os.fdopen(ctl_w, 'wb', buffering=0) as ctl:
    buf = b''
    while True:
        # the container's init keeps the trace fd: EOF never comes, so the
        # loop ends when the first create has exited
        if not select.select([ev], [], [], 0.1)[0]:
            if first.poll() is not None:
                break
            continue
        chunk = ev.read(65536)
        if not chunk:
            break
        buf += chunk
        *lines, buf = buf.split(b'\n')
        for line in lines:
            if b'"type":"begin"' in line:
                begin = json.loads(line)
            if b'"type":"pause"' not in line:
                continue
            if second is None and begin.get('call') in ('clone', 'clone3') and \
                    'CLONE_NEW' in begin.get('args', ''):
                second = subprocess.Popen([rt, '--root', state, 'create', '--bundle', bundle,
                                           id2], stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL, stderr=errf)
                deadline = time.monotonic() + 3
                while second.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.05)
                held_done = second.poll() is not None
                ctl.write(b'n\n')
            else:
                ctl.write(b'n\n')
first.wait()
if second is None:
    print('first: never paused at the clone of its process (exit %d)' % first.returncode)
    sys.exit(1)
second.wait(timeout=60)
errf.seek(0)
err = errf.read().decode(errors='replace').strip().splitlines()
print('first: %d' % first.returncode)
print('second finished while the first was held: %s' % ('yes' if held_done else 'no'))
print('second: %d %s' % (second.returncode, err[-1] if err else ''))

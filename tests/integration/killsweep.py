#!/usr/bin/python3
"""The kill -9 sweep: kills glass-runtime at every traced step of one verb.

  killsweep.py RUNTIME STATE CG_PARENT BUNDLE VERB PREFIX [EXEC_BUNDLE]
  killsweep.py --kill-at CALL:TEXT RUNTIME STATE CG_PARENT BUNDLE VERB ID

The second form kills VERB once, at the first step CALL whose arguments
hold TEXT (e.g. mkdirat:/sys/fs/cgroup), and leaves the remains to the
caller; it exits 1 when no such step came.

VERB is create, run or exec.  For K = 1, 2, ... the runtime runs VERB in
step mode (--step-fd), driven from here: "next" at every pause until the
K-th, where the runtime is killed with SIGKILL.  Then `delete --force`
must leave nothing: no state directory, no cgroup below CG_PARENT, no
process (this program is a child subreaper, so whatever the runtime
started is re-parented here), no host mount naming the bundle, the state
or the image, no memfd and no keyring of the container.  The sweep ends
at the first K the verb finishes before reaching (it had K-1 steps).
For exec, each K first starts a container from EXEC_BUNDLE (unstepped).

Prints TAP comment lines and one summary line; exits 1 on any leftover.
"""
import ctypes
import json
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def reap(keep=None):
    """Reaps the orphans re-parented here (but not KEEP, a child whose
    status a caller waits for): a PID namespace's init cannot finish
    dying while a zombie of its namespace waits for its parent."""
    me = str(os.getpid())
    for p in os.listdir('/proc'):
        if not p.isdigit() or int(p) == keep:
            continue
        try:
            stat = open('/proc/%s/stat' % p).read()
        except OSError:
            continue
        if stat[stat.rindex(')') + 2:].split()[1] == me:
            try:
                os.waitpid(int(p), os.WNOHANG)
            except ChildProcessError:
                pass


def children():
    """Live processes whose parent is this one (the subreaper)."""
    me = str(os.getpid())
    out = []
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            stat = open('/proc/%s/stat' % p).read()
        except OSError:
            continue
        fields = stat[stat.rindex(')') + 2:].split()
        if fields[1] == me and fields[0] not in ('Z', 'X'):
            out.append(int(p))
    return out


def in_cgroup(parent):
    """Processes in a cgroup below PARENT (any hierarchy)."""
    out = []
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            text = open('/proc/%s/cgroup' % p).read()
        except OSError:
            continue
        if '/%s/' % parent in text:
            out.append(int(p))
    return out


def cgroups_below(parent):
    found = []
    for base in ['/sys/fs/cgroup'] + ['/sys/fs/cgroup/' + d for d in os.listdir('/sys/fs/cgroup')]:
        top = os.path.join(base, parent)
        if not os.path.isdir(top):
            continue
        for dirpath, dirnames, _ in os.walk(top):
            found += [os.path.join(dirpath, d) for d in dirnames]
    return found


def mounts(words):
    return {l for l in open('/proc/self/mountinfo') if any(w in l for w in words)}


def memfds(words):
    """memfd fds held by a process whose command line names WORDS."""
    out = []
    for p in os.listdir('/proc'):
        if not p.isdigit():
            continue
        try:
            cmd = open('/proc/%s/cmdline' % p, 'rb').read().decode(errors='replace')
            if not any(w in cmd for w in words):
                continue
            for fd in os.listdir('/proc/%s/fd' % p):
                link = os.readlink('/proc/%s/fd/%s' % (p, fd))
                if link.startswith('/memfd:'):
                    out.append('%s:%s %s' % (p, fd, link))
        except OSError:
            continue
    return out


def keyrings(prefix):
    return [l.strip() for l in open('/proc/keys') if (' %s-' % prefix) in l]


class Sweep:
    def __init__(self, argv):
        (self.rt, self.state, self.cg, self.bundle, self.verb, self.prefix) = argv[:6]
        self.exec_bundle = argv[6] if len(argv) > 6 else self.bundle
        self.words = [self.state, self.bundle, os.path.realpath(self.bundle)]
        self.failures = []

    def runtime(self, *args):
        """Runs a runtime command, reaping orphans while it runs."""
        p = subprocess.Popen([self.rt, '--root', self.state] + list(args),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        err = b''
        os.set_blocking(p.stderr.fileno(), False)
        deadline = time.monotonic() + 60
        while p.poll() is None and time.monotonic() < deadline:
            err += p.stderr.read() or b''
            reap(keep=p.pid)
            time.sleep(0.005)
        if p.returncode is None:
            p.kill()
            p.wait()
        err += p.stderr.read() or b''
        p.stderr.close()
        return subprocess.CompletedProcess(args, p.returncode, '', err.decode(errors='replace'))

    def argv_of(self, cid):
        if self.verb == 'exec':
            return ['exec', cid, '/bin/true']
        return [self.verb, '--bundle', self.bundle, cid]

    def stepped(self, cid, k, at=None):
        """Runs the verb stepped; kills it at pause K (or at the first pause
        of the call AT = (CALL, TEXT)).  True: it was killed there; False:
        it finished first."""
        ev_r, ev_w = os.pipe()
        ctl_r, ctl_w = os.pipe()

        def fds():
            os.dup2(ev_w, 3)
            os.dup2(ctl_r, 4)
        p = subprocess.Popen([self.rt, '--root', self.state, '--trace-format', 'json',
                              '--trace-fd', '3', '--step-fd', '4'] + self.argv_of(cid),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, preexec_fn=fds, pass_fds=(3, 4))
        os.close(ev_w)
        os.close(ctl_r)
        pauses, killed, begin = 0, False, {}
        with os.fdopen(ev_r, 'rb', buffering=0) as ev, os.fdopen(ctl_w, 'wb', buffering=0) as ctl:
            buf = b''
            while not killed:
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
                    pauses += 1
                    if pauses == k or (at and begin.get('call') == at[0] and
                                       at[1] in begin.get('args', '')):
                        p.send_signal(signal.SIGKILL)
                        killed = True
                        break
                    try:
                        ctl.write(b'n\n')
                    except BrokenPipeError:
                        pass
        p.wait()
        return killed

    def leftovers(self, cid, mounts_before):
        left = []
        if os.path.exists(os.path.join(self.state, cid)):
            left.append('state dir %s/%s' % (self.state, cid))
        left += ['cgroup ' + d for d in cgroups_below(self.cg)]
        # A child still waiting on its sync socket exits on EOF: give it
        # a moment before it counts.
        for _ in range(100):
            reap()
            procs = set(children()) | set(in_cgroup(self.cg))
            if not procs:
                break
            time.sleep(0.02)
        for pid in sorted(procs):
            try:
                cmd = open('/proc/%d/cmdline' % pid, 'rb').read().replace(b'\0', b' ').decode()
            except OSError:
                cmd = '?'
            left.append('process %d (%s)' % (pid, cmd.strip()))
        left += ['mount ' + m.strip() for m in mounts(self.words) - mounts_before]
        left += ['memfd ' + m for m in memfds(self.words)]
        return left

    def cleanup_after_failure(self, cid):
        self.runtime('delete', '--force', cid)
        for pid in children():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
        reap()
        for d in sorted(cgroups_below(self.cg), key=len, reverse=True):
            try:
                os.rmdir(d)
            except OSError:
                pass

    def one(self, k, mounts_before):
        cid = '%s-%s%d' % (self.prefix, self.verb[0], k)
        if self.verb == 'exec':
            # Its stdio is the container's: not a pipe this would wait on.
            r = subprocess.run([self.rt, '--root', self.state, 'run', '-d', '--bundle',
                                self.exec_bundle, cid], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            reap()
            if r.returncode != 0:
                self.failures.append('k=%d: the container to exec in did not start' % k)
                return False
        killed = self.stepped(cid, k)
        r = self.runtime('delete', '--force', cid)
        if r.returncode != 0:
            self.failures.append('k=%d: delete --force %s failed: %s' % (k, cid, r.stderr.strip()))
        left = self.leftovers(cid, mounts_before)
        if left:
            self.failures.append('k=%d (%s): %s' % (k, cid, '; '.join(left)))
            self.cleanup_after_failure(cid)
        return killed

    def run(self):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        mounts_before = mounts(self.words)
        start = time.monotonic()
        k = 1
        while self.one(k, mounts_before):
            k += 1
            if k > 2000:
                self.failures.append('more than 2000 steps: the sweep stopped')
                break
        keys = []
        for _ in range(50):
            keys = keyrings(self.prefix)
            if not keys:
                break
            time.sleep(0.1)
        self.failures += ['keyring ' + k2 for k2 in keys]
        for f in self.failures:
            print('# ' + f)
        print('# %s: killed at each of %d steps in %.1f s, %d with leftovers'
              % (self.verb, k - 1, time.monotonic() - start, len(self.failures)))
        print(json.dumps({'verb': self.verb, 'steps': k - 1, 'failures': len(self.failures),
                          'seconds': round(time.monotonic() - start, 1)}))
        return 1 if self.failures or k <= 2 else 0


def kill_at(spec, argv):
    sweep = Sweep(argv)
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    call, _, text = spec.partition(':')
    killed = sweep.stepped(sweep.prefix, 0, (call, text))
    for _ in range(50):
        reap()
        if not children():
            break
        time.sleep(0.02)
    print('# %s %s: %s' % (sweep.verb, sweep.prefix,
                           'killed at %s(%s...)' % (call, text) if killed else 'no such step'))
    return 0 if killed else 1


if __name__ == '__main__':
    if len(sys.argv) > 2 and sys.argv[1] == '--kill-at':
        sys.exit(kill_at(sys.argv[2], sys.argv[3:]))
    if len(sys.argv) < 7:
        sys.exit(__doc__)
    sys.exit(Sweep(sys.argv[1:]).run())

"""TAP output for the CRI suite, and the glass-vs-runc comparison of what
the kernel showed a container (glass-probe's JSON).

A comparison flattens both observations into path -> value, removes what
differs between any two containers (pids, addresses, inode and device
numbers, container ids), and reports every remaining difference as a
failure, except those listed in INTENDED (documented in
docs/kubernetes.md) and those in KNOWN (a bug another issue fixes, shown
as TODO so that the suite stays honest about it).
"""
import fnmatch
import json
import re
import sys

# path glob -> why glass differs from runc on purpose (docs/kubernetes.md)
INTENDED = {
    "*mounts./sys/fs/cgroup.[os]*":
        "the spec's cgroup mount asks for ro: glass makes the tmpfs at /sys/fs/cgroup read-only "
        "as well as every hierarchy in it; runc 1.1 leaves that tmpfs writable",
    "*mounts./sys/fs/cgroup/unified*":
        "on a hybrid host the container also joins the cgroup2 hierarchy (docs/cgroups.md), "
        "and sees it read-only at /sys/fs/cgroup/unified; runc 1.1 mounts only the v1 hierarchies",
}
# Signals 32 and 33 (glibc's own, bits 31 and 32 of SigIgn): a caller may
# leave them ignored; runc's Go runtime never touches them, glass resets
# every signal (docs/security.md).  Under runc the pause process then shows
# them ignored, under glass not.
RESERVED_SIGS = (1 << 31) | (1 << 32)


KEPT_FLAGS = {"nosuid", "nodev", "noexec"}


def intended_value(path, g, r):
    """Why a difference of values is intended, or None."""
    if fnmatch.fnmatchcase(path, "*mounts.*.options") and isinstance(g, str) and isinstance(r, str):
        gs, rs = set(g.split(",")), set(r.split(","))
        if ("ro" in gs and "ro" in rs and gs - rs and gs - rs <= KEPT_FLAGS
                and gs - KEPT_FLAGS == rs - KEPT_FLAGS):
            return ("a read-only bind keeps the source's nosuid/nodev/noexec (docs/kubernetes.md, "
                    "docs/conformance.md); runc 1.1 drops them")
    if not fnmatch.fnmatchcase(path, "*status.SigIgn"):
        return None
    try:
        gv = [int(x, 16) for x in (g if isinstance(g, list) else [g])]
        rv = [int(x, 16) for x in (r if isinstance(r, list) else [r])]
    except (TypeError, ValueError):
        return None
    if len(gv) == len(rv) and all(a & RESERVED_SIGS == 0 and a == b & ~RESERVED_SIGS
                                  for a, b in zip(gv, rv)):
        return "signals 32/33 ignored by the caller: glass resets them, runc cannot"
    return None


# path glob -> (issue, what is wrong): a glass bug that issue fixes.
KNOWN = {}


class Tap:
    def __init__(self, out=sys.stdout):
        self.n = 0
        self.failed = 0
        self.out = out

    def line(self, text):
        print(text, file=self.out, flush=True)

    def diag(self, text):
        for l in str(text).splitlines() or [""]:
            self.line("#   " + l)

    def ok(self, name, cond, diag=None):
        self.n += 1
        if cond:
            self.line("ok %d - %s" % (self.n, name))
        else:
            self.failed += 1
            self.line("not ok %d - %s" % (self.n, name))
            if diag is not None:
                self.diag(diag)
        return bool(cond)

    def is_(self, name, got, want):
        return self.ok(name, got == want, "got:  %r\nwant: %r" % (got, want))

    def like(self, name, got, regex):
        return self.ok(name, re.search(regex, got or "") is not None,
                       "got:  %r\nwant match: %r" % ((got or "")[:2000], regex))

    def todo(self, name, cond, issue, diag=None):
        """A check that a known glass bug (fixed by ISSUE) makes fail."""
        self.n += 1
        if cond:
            self.line("ok %d - %s (the %s bug no longer shows: drop this TODO)" % (self.n, name, issue))
        else:
            self.line("not ok %d - %s # TODO %s" % (self.n, name, issue))
            if diag is not None:
                self.diag(diag)
        return bool(cond)

    def skip(self, name, reason):
        self.n += 1
        self.line("ok %d - %s # SKIP %s" % (self.n, name, reason))

    def fail_exc(self, name, exc):
        self.ok(name, False, "%s: %s" % (type(exc).__name__, exc))

    def finish(self):
        self.line("1..%d" % self.n)
        return 0 if self.failed == 0 else 1


# ---- normalizing glass-probe output ----
HEX64 = re.compile(r"[0-9a-f]{64}")
INODE = re.compile(r"(pipe|socket|anon_inode:\S*|net|mnt):\[\d+\]")
SNAP = re.compile(r"/snapshots/\d+/")


def norm_str(s, subst):
    for k, v in subst.items():
        if k:
            s = s.replace(k, v)
    s = HEX64.sub("<id>", s)
    s = INODE.sub(lambda m: m.group(1) + ":[]", s)
    return SNAP.sub("/snapshots/N/", s)


def norm_probe(p, subst):
    """The parts of one glass-probe report that are comparable between two
    containers made from the same config (see the module's doc)."""
    p = json.loads(json.dumps(p))
    for k in ("pid", "ppid", "pgid", "sid", "ns", "clocks", "timens_offsets", "root"):
        p.pop(k, None)
    if "procs" in p:
        p["procs"] = sorted(x["comm"] for x in p["procs"])
    if "mounts" in p:
        m = {}
        for x in p["mounts"]:
            x = {k: v for k, v in x.items() if k not in ("id", "parent", "dev")}
            m[x.pop("target")] = x
        p["mounts"] = m
    if "net" in p:
        p["net"] = {x["name"]: {"up": x.get("up"), "loopback": x.get("loopback"),
                                "addrs": len(x.get("addrs") or [])} for x in p["net"]}
    if "fds" in p:
        p["fds"] = {str(x["fd"]): x["target"] for x in p["fds"]}
    if "cgroup" in p:
        p["cgroup"] = {x["controllers"]: x["path"] for x in p["cgroup"]}
    if "env" in p:
        p["env"].pop("HOSTNAME", None)
    if "call" in p and isinstance(p.get("ret"), int) and p["ret"] >= 0:
        p["ret"] = "ok"  # a key serial, an fd number, a count
    for t in p.get("tries", []):
        if isinstance(t.get("ret"), int) and t["ret"] >= 0:
            t["ret"] = "ok"
    if "entries" in p:
        p["entries"] = sorted(p["entries"], key=lambda e: e["name"])  # readdir order
    return walk(p, lambda s: norm_str(s, subst))


def walk(v, f):
    if isinstance(v, dict):
        return {k: walk(x, f) for k, x in v.items()}
    if isinstance(v, list):
        return [walk(x, f) for x in v]
    return f(v) if isinstance(v, str) else v


def flatten(v, prefix=""):
    out = {}
    if isinstance(v, dict):
        for k, x in v.items():
            out.update(flatten(x, prefix + "." + k if prefix else k))
    elif isinstance(v, list) and v and all(isinstance(x, (dict, list)) for x in v):
        for i, x in enumerate(v):
            out.update(flatten(x, "%s[%d]" % (prefix, i)))
    else:
        out[prefix] = v
    return out


def differences(a, b):
    fa, fb = flatten(a), flatten(b)
    return [(k, fa.get(k, "<absent>"), fb.get(k, "<absent>"))
            for k in sorted(set(fa) | set(fb)) if fa.get(k, "<absent>") != fb.get(k, "<absent>")]


def match(table, path):
    for pat, why in table.items():
        if fnmatch.fnmatchcase(path, pat):
            return why
    return None


def compare(tap, name, glass, runc, extra_known=None):
    """One TAP line: glass's observation equals runc's but for INTENDED
    differences; differences in KNOWN (or extra_known) make it a TODO."""
    known_table = dict(KNOWN, **(extra_known or {}))
    diffs = differences(glass, runc)
    unexplained, known, intended = [], [], []
    for path, g, r in diffs:
        if match(INTENDED, path) or intended_value(path, g, r):
            intended.append(path)
        elif match(known_table, path):
            known.append((path, g, r, match(known_table, path)))
        else:
            unexplained.append((path, g, r))
    text = "\n".join("%s: glass %s, runc %s" % (p, json.dumps(g), json.dumps(r)) for p, g, r in unexplained)
    if unexplained or not known:
        tap.ok(name + ": glass and runc showed the same", not unexplained, text)
    else:
        issues = sorted({k[3][0] for k in known})
        tap.todo(name + ": glass and runc showed the same", False, ", ".join(issues),
                 "\n".join("%s: glass %s, runc %s (%s: %s)" % (p, json.dumps(g), json.dumps(r), w[0], w[1])
                           for p, g, r, w in known))
    return not unexplained

#!/usr/bin/python3
"""The differential harness's judge (t-differential.sh).

For each case directory of WORKDIR it reads what the probe printed under
each runtime (glass/, runc/, crun/ beside the bundles: .out, .rc), reduces
it to what a container's process can observe and a user relies on (exit
status, ids, umask, hostname, cwd, env, capabilities, no_new_privs,
seccomp mode, rlimits, mounts with their flags, fds beyond stdio, network
interfaces, /dev entries, a file the case names) and compares glass with
the others, field by field.  A field is fine when glass shows what runc or
crun shows.  Otherwise it is a difference, which passes only when
docs/conformance.md's table "Differences from runc and crun" has a row
whose case pattern and field pattern match it (the row says why).

Prints one line per case: "ok|CASE[: note]" or "not ok|CASE", each
followed by "#"-lines with the details.
  diff-compare.py WORKDIR CONFORMANCE_MD RUNTIME_NAMES(comma list)
"""
import fnmatch
import json
import os
import re
import sys


def docs(text):
    """Every JSON document of the probe's output, in order."""
    dec, at, out = json.JSONDecoder(), 0, []
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return out
        try:
            obj, at = dec.raw_decode(text, at)
        except ValueError:
            return out
        out.append(obj)


def opts(s):
    return ",".join(sorted((s or "").split(",")))


def mount_view(m):
    if m.get("root") == "/null":
        return "null-bind " + opts(m.get("options"))
    return "%s %s" % (m.get("fstype"), opts(m.get("options")))


def view(main):
    """What the process saw, reduced to comparable fields."""
    v = {}
    for k in ("uid", "gid", "euid", "egid", "groups", "umask", "hostname",
              "domainname", "cwd", "env", "caps", "rlimits"):
        if k in main:
            v[k] = main[k]
    st = main.get("status") or {}
    for k in ("NoNewPrivs", "Seccomp", "oom_score_adj"):
        if k in st:
            v["status." + k] = st[k]
    if "mounts" in main:
        v["mounts"] = {m["target"]: mount_view(m) for m in main["mounts"]}
    if "fds" in main:
        v["fds_beyond_stdio"] = len([f for f in main["fds"] if f.get("fd", 0) > 2])
    if "net" in main:
        v["net"] = {n["name"]: bool(n.get("up")) for n in main["net"]}
    return v


def observe(base):
    """The view of one runtime's run of one case."""
    try:
        rc = int(open(base + ".rc").read().strip())
    except (OSError, ValueError):
        return None
    v = {"exit": rc}
    ds = docs(open(base + ".out", errors="replace").read()) if os.path.exists(base + ".out") else []
    for d in ds:
        if not isinstance(d, dict):
            continue
        if "entries" in d:
            v["dev"] = {e["name"]: "%s %s %s:%s %s:%s" % (e.get("type"), e.get("mode"), e.get("uid"),
                                                         e.get("gid"), e.get("major"), e.get("minor"))
                        for e in d["entries"]}
        elif "content" in d or "errname" in d:
            v["cat"] = (d.get("content") or "").strip() if "content" in d else d.get("errname")
            # a v1 devices.list is a set: the kernel lists the rules in
            # the order they were written, which means nothing
            lines = v["cat"].split("\n") if isinstance(v["cat"], str) else []
            if lines and all(re.match(r"^[abc] [0-9*]+:[0-9*]+ [rwm]+$", x) for x in lines):
                v["cat"] = "\n".join(sorted(lines))
        else:
            v.update(view(d))
    return v


def flatten(v, prefix=""):
    out = {}
    if isinstance(v, dict):
        for k, x in v.items():
            out.update(flatten(x, prefix + "." + k if prefix else k))
    else:
        out[prefix] = json.dumps(v, sort_keys=True)
    return out


def allowances(md):
    """Rows of the table under '## Differences from runc and crun':
    | `case-glob` | `field-regex` | glass | why |"""
    rows, inside = [], False
    for line in open(md):
        if line.startswith("## "):
            inside = line.strip().lower().startswith("## differences from runc and crun")
            continue
        m = re.match(r"\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|", line) if inside else None
        if m:
            # "\\|" is a pipe escaped for the Markdown table.
            rows.append((m.group(1), re.compile(m.group(2).replace("\\|", "|"))))
    return rows


def judge(case, seen, names, allowed):
    g = seen.get("glass")
    if g is None:
        return "not ok", ["# glass did not run"]
    others = {n: flatten(seen[n]) for n in names if n != "glass" and seen.get(n) is not None}
    if not others:
        return "not ok", ["# no other runtime ran this case"]
    fg = flatten(g)
    keys = set(fg)
    for o in others.values():
        keys |= set(o)
    bad, documented = [], []
    for k in sorted(keys):
        if any(o.get(k) == fg.get(k) for o in others.values()):
            continue
        # A field only one other runtime reports, and glass lacks (or the
        # reverse), when the other runtimes also differ among themselves:
        line = "# %s: glass=%s %s" % (k, fg.get(k), " ".join(
            "%s=%s" % (n, o.get(k)) for n, o in others.items()))
        if any(fnmatch.fnmatchcase(case, cg) and rx.search(k) for cg, rx in allowed):
            documented.append(line)
        else:
            bad.append(line)
    if bad:
        return "not ok", bad + ["# (documented) " + d[2:] for d in documented]
    return "ok", ["# documented difference: " + d[2:] for d in documented]


def main():
    work, md, names = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
    allowed = allowances(md)
    for case in sorted(os.listdir(work)):
        d = os.path.join(work, case)
        if not os.path.isdir(d) or not os.path.isdir(os.path.join(d, "glass")):
            continue
        seen = {n: observe(os.path.join(d, n)) for n in names}
        verdict, lines = judge(case, seen, names, allowed)
        note = ": documented differences" if verdict == "ok" and lines else ""
        print("%s|%s: glass-runtime shows what %s show%s" % (verdict, case, "/".join(n for n in names if n != "glass"), note))
        for line in lines[:12]:
            print(line)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""docs/conformance.md against the runtime spec's text (t-conformance.sh).

Extracts every sentence with MUST, MUST NOT, SHOULD, SHOULD NOT or REQUIRED
from runtime.md, config.md, config-linux.md and runtime-linux.md of the
runtime-spec the build declares, names each by the first 8 hex digits of
its SHA-1, and checks the table "Spec sentences" of docs/conformance.md:
  - every sentence has a row (by its id), and no row names a sentence
    the spec does not have;
  - every row's test column names tests that exist: "FILE :: CASE" (FILE
    under tests/, CASE a text that occurs in it), several joined by " ;; ",
    or gives the reason there is none: "host: ..." or "n/a: ...".
Prints TAP-ish lines "ok|..." / "not ok|..." for t-conformance.sh.
  conformance-check.py SPEC_DIR DOC TESTS_DIR
"""
import hashlib
import os
import re
import sys

KW = re.compile(r"\b(MUST NOT|MUST|SHOULD NOT|SHOULD|REQUIRED)\b")
FILES = ("runtime.md", "config.md", "config-linux.md", "runtime-linux.md")


def sentences(path):
    text = re.sub(r"```.*?```", "", open(path).read(), flags=re.S)
    out = []
    for para in re.split(r"\n\s*\n", text):
        p = " ".join(l.strip() for l in para.split("\n") if not l.startswith("#"))
        for s in re.split(r"(?<=[.!?])\s+(?=[A-Z*`\[])", p):
            if KW.search(s):
                out.append(re.sub(r"\s+", " ", s).strip())
    return out


def rows(doc):
    inside, out = False, {}
    for line in open(doc):
        if line.startswith("## "):
            inside = line.strip().lower() == "## spec sentences"
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if inside else []
        if len(cells) >= 6 and re.fullmatch(r"[0-9a-f]{8}", cells[0]):
            out[cells[0]] = cells
    return out


def check_test(col, tests):
    if col.startswith(("host:", "n/a:")):
        return None if len(col) > 12 else "a reason is needed after host:/n/a:"
    for ref in col.split(";;"):
        if "::" not in ref:
            return "not FILE :: CASE: %r" % ref.strip()
        f, case = (x.strip() for x in ref.split("::", 1))
        path = os.path.join(tests, f)
        if not os.path.isfile(path):
            return "no test file %s" % f
        if len(case) < 4 or case.replace("\\", "") not in open(path, errors="replace").read():
            return "%s has no case %r" % (f, case)
    return None


def main():
    spec, doc, tests = sys.argv[1:4]
    want = {}
    for f in FILES:
        for s in sentences(os.path.join(spec, f)):
            want.setdefault(hashlib.sha1(s.encode()).hexdigest()[:8], (f, s))
    have = rows(doc)
    bad = 0
    for h, (f, s) in sorted(want.items()):
        if h not in have:
            bad += 1
            print("not ok|%s %s has a row: %s" % (f, h, s[:100]))
    for h, cells in sorted(have.items()):
        if h not in want:
            bad += 1
            print("not ok|row %s names a sentence of the spec" % h)
            continue
        why = check_test(cells[5], tests)
        if why:
            bad += 1
            print("not ok|row %s (%s) names an existing test: %s" % (h, cells[1], why))
    n_test = sum(1 for c in have.values() if not c[5].startswith(("host:", "n/a:")))
    print("ok|%d spec sentences, %d rows, %d with tests, %d with a host or n/a reason" %
          (len(want), len(have), n_test, len(have) - n_test) if not bad else
          "not ok|%d problems in docs/conformance.md" % bad)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Structure checks of the C sources (tests/integration/t-structure.sh).

  structure.py functions SRC ALLOW   functions over 150 lines or nested deeper
                                     than 4, less those the allow-list names
  structure.py cycles SRC ALLOW      include or call cycles between module
                                     families, less those the allow-list names

The sources are clang-formatted (.clang-format: Linux braces, tabs for
indentation), so a function is the lines from a "{" alone in column 0 to
the next "}" in column 0, and a line's nesting is its count of leading
tabs less one (a statement of the function body is at depth 0; IndentCase
Labels is off, so a switch's cases count once).

A module family is what a file's name says before its first '-' (cgroup-v1.c,
cgroup-layout.c and cgroup.h are the family cgroup), within its directory
(lib/, store/, runtime/, engine/, lab/, ...).  An include edge goes from the
including file's family to the included header's; a call edge from a file's
family to the family of the file that defines the called (non-static)
function.  A cycle is a strongly connected set of two or more families.
"""
import os
import re
import sys

MAX_LINES = 150
MAX_DEPTH = 4


def sources(src):
    for d, _, files in os.walk(src):
        for f in sorted(files):
            if f.endswith(('.c', '.h')):
                p = os.path.join(d, f)
                if os.path.islink(p):
                    continue
                yield os.path.relpath(p, os.path.dirname(src))


FAMILY = {}


def read_allow(path):
    """KIND NAME REASON lines: long FILE:FUNCTION, deep FILE:FUNCTION,
    cycle FAMILY<->FAMILY..., and family DIR/FILE DIR/FAMILY (a file that
    belongs to another family than its name says)."""
    allow = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            parts = line.split(None, 3 if line.startswith('family') else 2)
            if len(parts) < 3 or (parts[0] == 'family' and len(parts) < 4):
                sys.exit('%s: "%s": want KIND NAME REASON' % (path, line))
            if parts[0] == 'family':
                FAMILY[parts[1]] = parts[2]
            else:
                allow[(parts[0], parts[1])] = parts[2]
    return allow


def functions_of(path):
    """(name, first line, last line, max depth, depth line) per function."""
    lines = open(path, errors='replace').read().split('\n')
    out = []
    i = 0
    while i < len(lines):
        if lines[i] != '{':
            i += 1
            continue
        # the signature: the lines above up to a blank, a ';', a '}' or a comment end
        j = i - 1
        sig = []
        while j >= 0 and lines[j].strip() and not lines[j].rstrip().endswith((';', '}', '*/')) \
                and not lines[j].startswith('#'):
            sig.insert(0, lines[j])
            j -= 1
        m = re.search(r'([A-Za-z_][A-Za-z0-9_]*)\s*\(', ' '.join(sig))
        name = m.group(1) if m else '?'
        k = i + 1
        depth, at = 0, i + 1
        while k < len(lines) and lines[k] != '}':
            t = len(lines[k]) - len(lines[k].lstrip('\t'))
            if lines[k].strip() and t - 1 > depth:
                depth, at = t - 1, k + 1
            k += 1
        if sig:
            out.append((name, j + 2, k + 1, depth, at))
        i = k + 1
    return out


def cmd_functions(src, allow):
    bad = []
    for rel in sources(src):
        if not rel.endswith('.c'):
            continue
        for name, first, last, depth, at in functions_of(os.path.join(os.path.dirname(src), rel)):
            key = '%s:%s' % (rel, name)
            n = last - first + 1
            if n > MAX_LINES and ('long', key) not in allow:
                bad.append('%s: %d lines (limit %d), line %d' % (key, n, MAX_LINES, first))
            if depth > MAX_DEPTH and ('deep', key) not in allow:
                bad.append('%s: nested %d deep (limit %d), line %d' % (key, depth, MAX_DEPTH, at))
    return bad


def family(rel):
    d, f = os.path.split(rel)
    base = f.rsplit('.', 1)[0].split('-', 1)[0]
    fam = '%s/%s' % (os.path.basename(d), base)
    return FAMILY.get(fam, fam)


COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def graph(src):
    root = os.path.dirname(src)
    files = list(sources(src))
    text = {}
    for rel in files:
        raw = open(os.path.join(root, rel), errors='replace').read()
        text[rel] = raw
    headers = {}
    for rel in files:
        if rel.endswith('.h'):
            headers.setdefault(os.path.basename(rel), rel)
    edges = {}

    def add(a, b, why):
        if a != b:
            edges.setdefault(a, {}).setdefault(b, why)

    # include edges (quoted includes of the project's headers)
    for rel, raw in text.items():
        for m in re.finditer(r'^#include "([^"]+)"', raw, re.M):
            h = headers.get(os.path.basename(m.group(1)))
            if h:
                add(family(rel), family(h), '%s includes %s' % (rel, h))
    # call edges: non-static functions defined in column 0
    defined = {}
    for rel, raw in text.items():
        if not rel.endswith('.c'):
            continue
        body = COMMENT.sub(' ', raw)
        for m in re.finditer(r'^(?!static\b)[A-Za-z_][^;{}()\n]*?\b([A-Za-z_][A-Za-z0-9_]*)\s*\([^;{]*\)\s*\n\{',
                             body, re.M):
            defined.setdefault(m.group(1), rel)
    ident = re.compile(r'\b([A-Za-z_][A-Za-z0-9_]*)\s*\(')
    for rel, raw in text.items():
        if not rel.endswith('.c'):
            continue
        body = COMMENT.sub(' ', raw)
        for m in ident.finditer(body):
            d = defined.get(m.group(1))
            if d and d != rel:
                add(family(rel), family(d), '%s calls %s (%s)' % (rel, m.group(1), d))
    return edges


def sccs(edges):
    index, low, stack, on, out = {}, {}, [], set(), []
    nodes = set(edges) | {b for a in edges for b in edges[a]}
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def cmd_cycles(src, allow):
    edges = graph(src)
    bad = []
    for comp in sccs(edges):
        key = '<->'.join(comp)
        if ('cycle', key) in allow:
            continue
        why = ['%s -> %s: %s' % (a, b, edges[a][b]) for a in comp for b in comp
               if b in edges.get(a, {})]
        bad.append('cycle %s (%s)' % (key, '; '.join(why)))
    return bad


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ('functions', 'cycles'):
        sys.exit(__doc__)
    src, allow = os.path.abspath(sys.argv[2]), read_allow(sys.argv[3])
    bad = (cmd_functions if sys.argv[1] == 'functions' else cmd_cycles)(src, allow)
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())

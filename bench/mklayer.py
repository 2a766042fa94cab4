#!/usr/bin/env python3
"""Writes a deterministic tree for the unpack benchmark: text files (source
code-like, ~3x compressible), semi-compressible binaries, incompressible
blobs, symlinks and hard links, spread over a few hundred directories.
   mklayer.py DIR [SCALE]   (SCALE 1.0 ~ 200 MB once gzipped)"""
import os, random, sys

out = sys.argv[1]
scale = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
rnd = random.Random(20261129)
words = [''.join(rnd.choice('abcdefghijklmnopqrstuvwxyz_') for _ in range(rnd.randint(2, 12)))
         for _ in range(4000)]
punct = ['(', ')', ';', ' = ', ', ', '{', '}', '->', '\n\t', '\n', ' ', ' ', ' ']

def text(n):
    parts, size = [], 0
    while size < n:
        w = rnd.choice(words) + rnd.choice(punct)
        parts.append(w)
        size += len(w)
    return ''.join(parts)[:n].encode()

def semi(n):
    # bytes from a skewed alphabet: compresses about 1.6x, like binaries
    alpha = bytes(rnd.choice(range(256)) for _ in range(64)) + b'\0' * 32
    return bytes(rnd.choice(alpha) for _ in range(min(n, 1 << 16))) * (n // (1 << 16) + 1)

os.makedirs(out, exist_ok=True)
dirs = []
for i in range(int(300 * scale) or 1):
    d = os.path.join(out, 'usr', 'share', 'pkg%03d' % (i % 60), 'sub%03d' % i)
    os.makedirs(d, exist_ok=True)
    dirs.append(d)
total = 0
n = 0
target_text = int(330e6 * scale)
while total < target_text:
    size = int(rnd.expovariate(1 / 16000)) + 100
    p = os.path.join(rnd.choice(dirs), 'f%05d.c' % n)
    with open(p, 'wb') as f:
        f.write(text(size))
    total += size
    n += 1
bins = os.path.join(out, 'usr', 'lib')
os.makedirs(bins, exist_ok=True)
for i in range(int(60 * scale) or 1):
    with open(os.path.join(bins, 'lib%03d.so' % i), 'wb') as f:
        f.write(semi(rnd.randint(200_000, 2_500_000))[:rnd.randint(200_000, 2_500_000)])
blobs = os.path.join(out, 'var', 'cache')
os.makedirs(blobs, exist_ok=True)
for i in range(int(12 * scale) or 1):
    with open(os.path.join(blobs, 'blob%02d.bin' % i), 'wb') as f:
        f.write(rnd.randbytes(5_000_000))
for i, d in enumerate(dirs[:100]):
    os.symlink('../sub%03d' % ((i + 1) % len(dirs)), os.path.join(d, 'link'))
first = os.path.join(bins, 'lib000.so')
for i in range(20):
    os.link(first, os.path.join(bins, 'hard%02d.so' % i))
print(n, 'text files')

#!/usr/bin/env python3
"""Writes the layer tars of the pull benchmark's images, deterministically
(the same bytes on every machine and every run), straight from memory:

  mkimage.py big DIR    five layers, ~1 GB uncompressed:
                          1 "base": 30,000 small files (most under 4 KiB) in 600 dirs
                          2 "libs": 160 semi-compressible binaries (~2.5 MB each)
                          3 "src":  6,000 source-like text files
                          4 "data": 40 incompressible 5 MB blobs
                          5 "etc":  2,000 small config files and a few larger ones
  mkimage.py small DIR  one layer of ~3.5 MB (300 files)

Each layer is DIR/N.tar (ustar/GNU, sorted, uid 0, mtime 0)."""
import io
import os
import random
import sys
import tarfile

rnd = random.Random(20261202)


def text_pool(n):
    words = [''.join(rnd.choice('abcdefghijklmnopqrstuvwxyz_') for _ in range(rnd.randint(2, 12)))
             for _ in range(4000)]
    punct = ['(', ')', ';', ' = ', ', ', '{', '}', '->', '\n\t', '\n', ' ', ' ', ' ']
    parts, size = [], 0
    while size < n:
        w = rnd.choice(words) + rnd.choice(punct)
        parts.append(w)
        size += len(w)
    return ''.join(parts).encode()[:n]


def semi_pool(n):
    # bytes from a skewed alphabet: compresses about 1.6x, like binaries
    alpha = bytes(rnd.randrange(256) for _ in range(64)) + b'\0' * 32
    return bytes(rnd.choice(alpha) for _ in range(n))


TEXT = text_pool(8 << 20)
SEMI = semi_pool(8 << 20)


def piece(src, n):
    out = bytearray()
    while len(out) < n:
        off = rnd.randrange(len(src) - 4096)
        take = min(n - len(out), len(src) - off, rnd.randint(4096, 1 << 20))
        out += src[off:off + take]
    return bytes(out)


class Layer:
    def __init__(self, path):
        self.t = tarfile.open(path, 'w', format=tarfile.GNU_FORMAT)
        self.dirs = set()

    def _info(self, name, kind):
        ti = tarfile.TarInfo(name)
        ti.type = kind
        ti.mtime = 0
        ti.uname = ti.gname = 'root'
        ti.mode = 0o755 if kind in (tarfile.DIRTYPE, tarfile.SYMTYPE) else 0o644
        return ti

    def mkdirs(self, path):
        parts = path.split('/')[:-1]
        for i in range(1, len(parts) + 1):
            d = '/'.join(parts[:i])
            if d not in self.dirs:
                self.dirs.add(d)
                self.t.addfile(self._info(d, tarfile.DIRTYPE))

    def file(self, name, data, mode=0o644):
        self.mkdirs(name)
        ti = self._info(name, tarfile.REGTYPE)
        ti.size = len(data)
        ti.mode = mode
        self.t.addfile(ti, io.BytesIO(data))

    def symlink(self, name, target):
        self.mkdirs(name)
        ti = self._info(name, tarfile.SYMTYPE)
        ti.linkname = target
        self.t.addfile(ti)

    def close(self):
        self.t.close()


def small_size():
    return min(int(rnd.expovariate(1 / 2500)) + 20, 60000)


def big(out):
    l = Layer(os.path.join(out, '1.tar'))  # many small files
    names = []
    for i in range(30000):
        d = 'usr/share/doc/pkg%03d/sub%d' % (i % 300, (i // 300) % 2)
        n = '%s/f%05d.txt' % (d, i)
        l.file(n, piece(TEXT, small_size()))
        names.append(n)
    for i in range(0, 30000, 100):
        l.symlink('usr/share/doc/links/l%05d' % i, '../../../../' + names[i])
    l.close()
    l = Layer(os.path.join(out, '2.tar'))  # binaries
    for i in range(160):
        l.file('usr/lib/x86_64-linux-gnu/lib%03d.so.1' % i, piece(SEMI, rnd.randint(1_000_000, 4_000_000)),
               0o755)
    l.close()
    l = Layer(os.path.join(out, '3.tar'))  # source-like text
    for i in range(6000):
        l.file('usr/src/proj%02d/f%05d.c' % (i % 40, i),
               piece(TEXT, int(rnd.expovariate(1 / 45000)) + 200))
    l.close()
    l = Layer(os.path.join(out, '4.tar'))  # incompressible data
    for i in range(40):
        l.file('var/lib/data/blob%02d.bin' % i, rnd.randbytes(5_000_000))
    l.close()
    l = Layer(os.path.join(out, '5.tar'))  # configuration
    for i in range(2000):
        l.file('etc/conf%02d/c%04d.conf' % (i % 50, i), piece(TEXT, small_size()))
    for i in range(4):
        l.file('opt/app/bundle%d.jar' % i, piece(SEMI, 6_000_000))
    l.close()


def small(out):
    l = Layer(os.path.join(out, '1.tar'))
    for i in range(300):
        src = SEMI if i % 10 == 0 else TEXT
        l.file('app/%02d/f%03d' % (i % 20, i), piece(src, int(rnd.expovariate(1 / 11000)) + 100))
    l.close()


if __name__ == '__main__':
    os.makedirs(sys.argv[2], exist_ok=True)
    {'big': big, 'small': small}[sys.argv[1]](sys.argv[2])

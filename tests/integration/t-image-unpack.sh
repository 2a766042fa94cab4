#!/bin/bash
# Layer unpack (`glass image unpack-layer`, the real path pulls use):
# gzip (isa-l and zlib), zstd and plain tar, the diffID, fidelity
# (hard links, symlinks, devices, sparse files, xattrs, ownership, modes,
# mtimes), OCI whiteouts in overlayfs form, and tar-slip refusal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
need_root
need_cmd python3
need_cmd zstd
U() { "$ENGINE" image unpack-layer "$@"; }
xattr() { python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())' "$@" 2>/dev/null; }

# A tree with every kind of entry, archived by GNU tar.
T=$TEST_TMP/src
mkdir -p "$T/dir/sub" "$T/empty"
echo hello >"$T/dir/file"
chmod 0640 "$T/dir/file"
ln "$T/dir/file" "$T/dir/hard"
ln -s file "$T/dir/sym"
ln -s /etc/passwd "$T/abs-sym"
mknod "$T/dir/null" c 1 3
mknod "$T/dir/blk" b 7 200
mkfifo "$T/dir/fifo"
truncate -s 100M "$T/sparse"
printf 'data' | dd of="$T/sparse" bs=1 seek=50000000 conv=notrunc 2>/dev/null
chown 1234:5678 "$T/dir/sub"
chmod 4755 "$T/dir/file" 2>/dev/null
echo x >"$T/setuid"
chown 1000:1000 "$T/setuid"
chmod 4755 "$T/setuid"
touch -d '2001-02-03 04:05:06' "$T/dir/file" "$T/dir"
python3 -c 'import os; os.setxattr("'"$T"'/dir/file", "user.glass", b"yes")' 2>/dev/null
tar -C "$T" --xattrs --xattrs-include='*' -S --numeric-owner -cf "$TEST_TMP/all.tar" .
gzip -c "$TEST_TMP/all.tar" >"$TEST_TMP/all.tgz"
zstd -q -c "$TEST_TMP/all.tar" >"$TEST_TMP/all.tzst"
want=sha256:$(sha256sum <"$TEST_TMP/all.tar" | cut -d' ' -f1)

is "plain tar: diffID" "$(U "$TEST_TMP/all.tar" "$TEST_TMP/o1")" "$want"
is "gzip (isa-l): diffID of the uncompressed stream" "$(U "$TEST_TMP/all.tgz" "$TEST_TMP/o2")" "$want"
is "gzip (zlib fallback): same diffID" "$(U --inflate=zlib "$TEST_TMP/all.tgz" "$TEST_TMP/o3")" "$want"
is "zstd: same diffID" "$(U "$TEST_TMP/all.tzst" "$TEST_TMP/o4")" "$want"
cat "$TEST_TMP/all.tgz" "$TEST_TMP/all.tgz" >"$TEST_TMP/multi.tgz" # two gzip members
ok "multi-member gzip is read to the end" U "$TEST_TMP/multi.tgz" "$TEST_TMP/o5"
O=$TEST_TMP/o2
is "regular file content" "$(cat "$O/dir/file")" hello
is "mode preserved (setuid too)" "$(stat -c %a "$O/dir/file")" "$(stat -c %a "$T/dir/file")"
is "setuid survives chown" "$(stat -c '%a %u:%g' "$O/setuid")" "4755 1000:1000"
is "ownership preserved" "$(stat -c %u:%g "$O/dir/sub")" 1234:5678
is "mtime preserved" "$(stat -c %Y "$O/dir/file")" "$(stat -c %Y "$T/dir/file")"
is "directory mtime preserved" "$(stat -c %Y "$O/dir")" "$(stat -c %Y "$T/dir")"
is "hard link shares the inode" "$(stat -c %i "$O/dir/hard")" "$(stat -c %i "$O/dir/file")"
is "relative symlink" "$(readlink "$O/dir/sym")" file
is "absolute symlink kept as is (not followed)" "$(readlink "$O/abs-sym")" /etc/passwd
is "char device" "$(stat -c '%F %t:%T' "$O/dir/null")" "character special file 1:3"
is "block device" "$(stat -c '%F %t:%T' "$O/dir/blk")" "block special file 7:c8"
is "fifo" "$(stat -c %F "$O/dir/fifo")" fifo
is "sparse file: size" "$(stat -c %s "$O/sparse")" 104857600
check "sparse file: holes stay holes" $(($(stat -c %b "$O/sparse") * 512 > 10000000))
is "sparse file: data at the offset" "$(dd if="$O/sparse" bs=1 skip=50000000 count=4 2>/dev/null)" data
if [ -n "$(xattr "$T/dir/file" user.glass)" ]; then
	is "xattrs preserved" "$(xattr "$O/dir/file" user.glass)" yes
else
	skip "xattrs preserved" "the filesystem of $TEST_TMP has no user xattrs"
fi

# OCI whiteouts become overlayfs whiteouts.
W=$TEST_TMP/wh
mkdir -p "$W/a/opq"
: >"$W/a/.wh.gone"
: >"$W/a/opq/.wh..wh..opq"
echo kept >"$W/a/opq/new"
tar -C "$W" -cf "$TEST_TMP/wh.tar" .
ok "whiteout layer unpacks" U "$TEST_TMP/wh.tar" "$TEST_TMP/owh"
is ".wh.NAME becomes a 0:0 char device NAME" "$(stat -c '%F %t:%T' "$TEST_TMP/owh/a/gone")" "character special file 0:0"
check "no .wh. file is left" "$([ ! -e "$TEST_TMP/owh/a/.wh.gone" ]; echo $?)"
is ".wh..wh..opq becomes trusted.overlay.opaque=y" "$(xattr "$TEST_TMP/owh/a/opq" trusted.overlay.opaque)" y
is "same-layer content of an opaque dir stays" "$(cat "$TEST_TMP/owh/a/opq/new")" kept

# Tar-slip: entries that would leave the layer are refused, naming the entry.
S=$TEST_TMP/slip
mkdir -p "$S" "$TEST_TMP/outside"
python3 - "$S" "$TEST_TMP/outside" <<'PY'
import io, sys, tarfile
d, outside = sys.argv[1], sys.argv[2]
def mk(name, entries):
    with tarfile.open(f"{d}/{name}.tar", "w") as t:
        for e in entries:
            ti = tarfile.TarInfo(e[1])
            if e[0] == "file":
                data = b"pwned\n"
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
            elif e[0] == "sym":
                ti.type = tarfile.SYMTYPE
                ti.linkname = e[2]
                t.addfile(ti)
            elif e[0] == "hard":
                ti.type = tarfile.LNKTYPE
                ti.linkname = e[2]
                t.addfile(ti)
            elif e[0] == "dir":
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
mk("dotdot", [("file", "ok.txt"), ("file", "../../../../../../" + outside[1:] + "/dotdot")])
mk("abs", [("file", outside + "/abs")])
mk("symdir", [("sym", "evil", outside), ("file", "evil/viasym")])
mk("symdotdot", [("sym", "evil", "../../../../../../../" + outside[1:]), ("file", "evil/viasym2")])
mk("hardout", [("hard", "h", "../../../../../../../etc/passwd")])
mk("deep", [("dir", "a"), ("sym", "a/b", "/"), ("file", "a/b/" + outside[1:] + "/deep")])
PY
for t in dotdot abs symdir symdotdot hardout deep; do
	fails "tar-slip $t: refused" U "$S/$t.tar" "$TEST_TMP/o-$t"
	like "tar-slip $t: the error names the entry" "$FAIL_OUT" "(refusing entry|entry \")"
done
is "nothing was written outside the layer" "$(ls -A "$TEST_TMP/outside")" ""
check "/etc/passwd was not linked" "$([ "$(stat -c %h /etc/passwd)" = 1 ]; echo $?)"
like "a symlink escaping the layer names the symlink" "$(U "$S/symdir.tar" "$TEST_TMP/o-x" 2>&1)" "symlink"

# A layer of 50,000 small files under a low open-file limit: queued files
# must not each hold a directory fd (EMFILE), for gzip and zstd alike.
small_files_tar "$TEST_TMP/small.tar" 50000
gzip -1 -c "$TEST_TMP/small.tar" >"$TEST_TMP/small.tgz"
zstd -q -c "$TEST_TMP/small.tar" >"$TEST_TMP/small.tzst"
want=sha256:$(sha256sum <"$TEST_TMP/small.tar" | cut -d' ' -f1)
for f in small.tgz small.tzst; do
	out=$( (ulimit -n 64; U "$TEST_TMP/$f" "$TEST_TMP/o-$f") 2>&1)
	is "50,000 small files ($f) unpack with ulimit -n 64" "$out" "$want"
	is "all 50,000 files are there ($f)" "$(find "$TEST_TMP/o-$f" -type f | wc -l)" 50000
done

# Corrupt compressed data is an error, not a silent short layer.
head -c $(($(stat -c %s "$TEST_TMP/all.tgz") / 2)) "$TEST_TMP/all.tgz" >"$TEST_TMP/trunc.tgz"
like "a truncated gzip layer is an error" "$(U "$TEST_TMP/trunc.tgz" "$TEST_TMP/o-trunc" 2>&1)" "truncated"
finish

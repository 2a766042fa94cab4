#!/bin/bash
# Hostile and unlucky inputs to the image store: layouts and archives whose
# documents are symlinks to /dev/zero, FIFOs or devices, blobs larger than
# their descriptor or corrupt, a corrupted layer behind a good layer of the
# same chain ID, tar-slip variants that replace a link (compared with GNU
# tar), paths past PATH_MAX, the debris a killed import leaves, and a full
# disk.  Every case must end in a clear error naming what is wrong and
# leave nothing behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
need_root
need_cmd jq
need_cmd python3
need_cmd zstd
export GLASS_ROOT=$TEST_TMP/root
G() { "$ENGINE" "$@"; }
ST=$GLASS_ROOT/store
H=$TEST_TMP/hostile
mkdir -p "$H"
# No debris: no scratch dir, no layer being made, no blob in waiting.
debris() { ls -A "$GLASS_ROOT/tmp" "$GLASS_ROOT/layers" "$ST/ingest" 2>/dev/null | grep -E '^(import-|export-|\.tmp-)|\.ready\.' || true; }
# An import bounded in time and memory: a reader without limits would
# hang on a FIFO or allocate until this limit.
IMPORT() { (ulimit -v 4000000; timeout 30 "$ENGINE" image import "$@") 2>&1; }
layout_files() { echo '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout"; }

# --- documents that are not files -----------------------------------------
mkdir -p "$H/zero" "$H/fifo"
layout_files "$H/zero"
ln -s /dev/zero "$H/zero/index.json"
out=$(IMPORT "$H/zero")
rc=$?
is "index.json -> /dev/zero: a plain failure, not a crash" "$rc" 1
like "index.json -> /dev/zero: the error says it is a symlink" "$out" 'index\.json.*(symlink|Too many levels)'
layout_files "$H/fifo"
mkfifo "$H/fifo/index.json"
out=$(IMPORT "$H/fifo")
rc=$?
is "index.json a FIFO: fails at once instead of hanging" "$rc" 1
like "index.json a FIFO: the error says it is not a regular file" "$out" 'index\.json is not a regular file'

# the same inside archives: the extraction refuses the entry
python3 - "$H" <<'PY'
import io, sys, tarfile
d = sys.argv[1]
def tar(name, entries):
    with tarfile.open(f"{d}/{name}.tar", "w") as t:
        layout = b'{"imageLayoutVersion":"1.0.0"}'
        ti = tarfile.TarInfo("oci-layout"); ti.size = len(layout)
        t.addfile(ti, io.BytesIO(layout))
        for kind, path, arg in entries:
            ti = tarfile.TarInfo(path)
            ti.type = {"sym": tarfile.SYMTYPE, "fifo": tarfile.FIFOTYPE, "chr": tarfile.CHRTYPE}[kind]
            if kind == "sym":
                ti.linkname = arg
            if kind == "chr":
                ti.devmajor, ti.devminor = 1, 3
            t.addfile(ti)
tar("a-zero", [("sym", "index.json", "/dev/zero")])
tar("a-climb", [("sym", "index.json", "../../../../../../dev/zero")])
tar("a-fifo", [("fifo", "index.json", None)])
tar("a-dev", [("chr", "blobs/sha256/null", None)])
PY
for a in zero climb fifo dev; do
	out=$(IMPORT "$H/a-$a.tar")
	rc=$?
	is "archive with a $a entry: a plain failure" "$rc" 1
	like "archive with a $a entry: refused at extraction, naming it" "$out" \
		'extract .*entry "(index\.json|blobs/sha256/null)": (symlink to .* points outside|a (FIFO|device node) has no place)'
done
is "no scratch directory is left by failed imports" "$(debris)" ""

# --- blobs that lie --------------------------------------------------------
L=$TEST_TMP/layout
build_test_layout "$L"
man=$(cut -d: -f2 "$L/.manifest-amd64")
# a layer blob of the right size but corrupt content, under its old name
C=$TEST_TMP/corrupt
cp -r "$L" "$C"
l1=$(jq -r '.layers[1].digest' "$C/blobs/sha256/$man")
f=$C/blobs/sha256/${l1#sha256:}
rm -f "$f" && cp "$L/blobs/sha256/${l1#sha256:}" "$f"
printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
out=$(IMPORT "$C")
like "a corrupt blob: the error names it and what it hashed to" "$out" "blob $l1: received [0-9]+ bytes with digest sha256:"
check "a corrupt blob: no 'expected -1 bytes'" "$([[ $out != *"-1 bytes"* ]]; echo $?)"
# a blob much larger than its descriptor says
B=$TEST_TMP/big
cp -r "$L" "$B"
f=$B/blobs/sha256/${l1#sha256:}
rm -f "$f" && truncate -s 4G "$f"
out=$(IMPORT "$B")
like "a blob larger than its descriptor is cut off at the descriptor's size" "$out" "more data than the [0-9]+ bytes its descriptor says"
is "failed imports name nothing" "$(jq '.manifests | length' "$ST/index.json")" 0
is "failed imports leave no verified blob waiting" "$(debris)" ""

# --- a corrupted layer behind an unpacked layer of the same chain ID ------
ok "a good image is imported" G image import --name good:1 "$L"
B2=$TEST_TMP/badlayer
mkdir -p "$B2/blobs/sha256" "$TEST_TMP/evil/data"
layout_files "$B2"
echo evil >"$TEST_TMP/evil/data/keep.txt"
tar -C "$TEST_TMP/evil" -cf - . | gzip -n >"$TEST_TMP/evil.tgz"
read -r ed es < <(oci_add_blob "$B2" "$TEST_TMP/evil.tgz")
for d in $(jq -r '.config.digest, .layers[].digest' "$L/blobs/sha256/$man"); do
	cp "$L/blobs/sha256/${d#sha256:}" "$B2/blobs/sha256/"
done
jq --arg d "$ed" --argjson s "$es" '.layers[1].digest = $d | .layers[1].size = $s' \
	"$L/blobs/sha256/$man" >"$TEST_TMP/badman.json"
read -r md ms < <(oci_add_blob "$B2" "$TEST_TMP/badman.json")
jq -n --arg d "$md" --argjson s "$ms" '{schemaVersion:2, manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json", digest:$d, size:$s, annotations:{"org.opencontainers.image.ref.name":"v1"}}]}' >"$B2/index.json"
out=$(IMPORT --name bad:1 "$B2")
rc=$?
is "a layer blob that does not match the config's diffID is refused" "$rc" 1
like "the error gives both digests" "$out" "uncompressed layer has digest sha256:[0-9a-f]+, the config says sha256:"
fails "the bad image is not named" G image inspect bad:1
check "the bad blob was not stored" "$([ ! -e "$ST/blobs/sha256/${ed#sha256:}" ]; echo $?)"
is "nothing of the bad import waits in the store" "$(debris)" ""
is "the good image still reads the good layer" \
	"$(cat "$GLASS_ROOT/layers/$(G image inspect good:1 | jq -r '.[0].Layers[1].ChainID | sub("sha256:"; "")')/diff/data/keep.txt")" keep

# --- tar-slip variants that replace a link, next to GNU tar -----------------
S=$TEST_TMP/slip
OUT=$TEST_TMP/outside
mkdir -p "$S" "$OUT"
python3 - "$S" "$OUT" <<'PY'
import io, sys, tarfile
d, out = sys.argv[1], sys.argv[2]
def tar(name, entries):
    with tarfile.open(f"{d}/{name}.tar", "w") as t:
        for kind, path, arg in entries:
            ti = tarfile.TarInfo(path)
            if kind == "file":
                ti.size = len(arg); t.addfile(ti, io.BytesIO(arg)); continue
            ti.type = {"sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE, "dir": tarfile.DIRTYPE}[kind]
            if kind in ("sym", "hard"):
                ti.linkname = arg
            ti.mode = 0o755
            t.addfile(ti)
tar("hard-then-write", [("file", "target", b"orig\n"), ("hard", "h", "target"), ("file", "h", b"new\n")])
tar("sym-then-file", [("sym", "a", out + "/a"), ("file", "a", b"pwned\n")])
tar("sym-then-dir", [("sym", "d", out), ("dir", "d", None), ("file", "d/f", b"in\n")])
tar("dir-then-sym", [("dir", "e", None), ("file", "e/f", b"f\n"), ("sym", "e", out), ("file", "e/g", b"pwned\n")])
PY
U() { "$ENGINE" image unpack-layer "$@"; }
U "$S/hard-then-write.tar" "$TEST_TMP/g1" >/dev/null 2>&1
mkdir -p "$TEST_TMP/t1" && tar -xf "$S/hard-then-write.tar" -C "$TEST_TMP/t1"
is "hard link then a write: the write replaces the link, as GNU tar does" \
	"$(cat "$TEST_TMP/g1/target" "$TEST_TMP/g1/h")" "$(cat "$TEST_TMP/t1/target" "$TEST_TMP/t1/h")"
check "hard link then a write: the link target keeps its content" "$([ "$(cat "$TEST_TMP/g1/target")" = orig ]; echo $?)"
U "$S/sym-then-file.tar" "$TEST_TMP/g2" >/dev/null 2>&1
is "symlink then a file: the file replaces the link (not written through)" \
	"$(stat -c %F "$TEST_TMP/g2/a"):$(cat "$TEST_TMP/g2/a")" "regular file:pwned"
U "$S/sym-then-dir.tar" "$TEST_TMP/g3" >/dev/null 2>&1
mkdir -p "$TEST_TMP/t3" && tar -xf "$S/sym-then-dir.tar" -C "$TEST_TMP/t3" 2>/dev/null
is "symlink then a directory: the same tree as GNU tar's" \
	"$(cd "$TEST_TMP/g3" && find . -printf '%p %y\n' | sort)" "$(cd "$TEST_TMP/t3" && find . -printf '%p %y\n' | sort)"
out=$(U "$S/dir-then-sym.tar" "$TEST_TMP/g4" 2>&1)
like "a file below a directory replaced by a symlink is refused, naming it" "$out" 'entry "e/g".*symlink'
is "no variant wrote outside the layer" "$(ls -A "$OUT")" ""

# --- errors that say the true cause ----------------------------------------
python3 - "$S" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1] + "/long.tar", "w", format=tarfile.PAX_FORMAT) as t:
    name = "/".join(["LONGPATHMARK" + "d" * 200] * 24) + "/f"
    ti = tarfile.TarInfo(name); ti.size = 1
    t.addfile(ti, io.BytesIO(b"x"))
PY
out=$(U "$S/long.tar" "$TEST_TMP/glong" 2>&1)
like "a path past PATH_MAX says so" "$out" "past PATH_MAX"
check "a path past PATH_MAX is not called a path that leaves the layer" "$([[ $out != *"leaves the layer"* ]]; echo $?)"
is "a path past PATH_MAX: the entry is named once" "$(grep -o 'LONGPATHMARKdddddddddd' <<<"$out" | wc -l)" 24

# --- the debris of a killed import ----------------------------------------
mkdir -p "$GLASS_ROOT/tmp/import-999999/blobs" "$GLASS_ROOT/layers/.tmp-999999-0/diff"
G image ls >/dev/null 2>&1
is "the next store operation removes a dead import's scratch directory" "$(debris)" ""
K=$TEST_TMP/killme
mkdir -p "$K"
small_files_tar "$K/big.tar" 40000 # seconds of extraction: time to see it and kill it
"$ENGINE" image import "$K/big.tar" >/dev/null 2>&1 &
kp=$!
for _ in $(seq 500); do [ -n "$(ls "$GLASS_ROOT/tmp" 2>/dev/null)" ] && break; sleep 0.01; done
kill -9 $kp 2>/dev/null
wait $kp
krc=$?
if [ $krc = 137 ]; then
	check "a killed import leaves its scratch directory" "$([ -n "$(ls "$GLASS_ROOT/tmp")" ]; echo $?)"
	G image ls >/dev/null 2>&1
	is "the next command removes it" "$(debris)" ""
else
	skip "kill -9 during an import" "the import ended (status $krc) before it could be killed"
fi

# --- a full disk -------------------------------------------------------------
F=$TEST_TMP/full
mkdir -p "$F"
if mount -t tmpfs -o size=24m glass-test-full "$F" 2>/dev/null; then
	on_exit "umount -l '$F'"
	export GLASS_ROOT=$F/root
	D=$TEST_TMP/fat
	mkdir -p "$D/blobs/sha256" "$TEST_TMP/fattree"
	layout_files "$D"
	head -c 16000000 /dev/urandom >"$TEST_TMP/fattree/a.bin"
	tar -C "$TEST_TMP/fattree" -cf "$TEST_TMP/fat.tar" .
	read -r fd fs < <(oci_add_blob "$D" "$TEST_TMP/fat.tar")
	jq -n --arg i "$fd" '{architecture:"amd64",os:"linux",rootfs:{type:"layers",diff_ids:[$i]}}' >"$TEST_TMP/fatcfg.json"
	read -r cd cs < <(oci_add_blob "$D" "$TEST_TMP/fatcfg.json")
	jq -n --arg cd "$cd" --argjson cs "$cs" --arg d "$fd" --argjson s "$fs" \
		'{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$cd,size:$cs},layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar",digest:$d,size:$s}]}' >"$TEST_TMP/fatman.json"
	read -r md ms < <(oci_add_blob "$D" "$TEST_TMP/fatman.json")
	jq -n --arg d "$md" --argjson s "$ms" '{schemaVersion:2,manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$d,size:$s,annotations:{"org.opencontainers.image.ref.name":"v1"}}]}' >"$D/index.json"
	out=$(G image import --name fat:1 "$D" 2>&1)
	rc=$?
	is "a full disk fails the import" "$rc" 1
	like "the error says the disk is full" "$out" "No space left on device"
	fails "nothing is named" G image inspect fat:1
	is "no scratch directory, layer in the making or waiting blob is left" "$(debris)" ""
	is "the layer blob was not stored" "$(ls "$GLASS_ROOT/store/blobs/sha256" | grep -c "${fd#sha256:}")" 0
	used=$(df --output=used -k "$F" | tail -1)
	check "the space is given back ($used kB in use)" $((used > 2000))
	ok "the store still works after a full disk" G image import "$L"
	export GLASS_ROOT=$TEST_TMP/root
else
	skip "a full disk" "cannot mount a tmpfs here"
fi
finish

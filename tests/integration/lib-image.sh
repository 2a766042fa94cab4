# Helpers for the image tests (sourced after lib.sh): a local registry,
# OCI layouts built with tar/gzip/zstd/jq/sha256sum, free ports.
#   free_port                          prints a free TCP port on 127.0.0.1
#   start_registry DIR PORT [TLS_DIR]  Debian's docker-registry on 127.0.0.1:PORT
#                                      (TLS_DIR: cert.pem key.pem htpasswd -> HTTPS + basic auth)
#   oci_add_blob LAYOUT FILE           stores FILE as a blob, prints "digest size"
#   build_test_layout LAYOUT           busybox + whiteout/opaque/link layers, multi-arch index (tag v1)
#   small_files_tar OUT N              a tar of N small files (0..299 bytes) in N/1000 dirs

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_registry DIR PORT [TLS_DIR]
start_registry() {
	local dir=$1 port=$2 tls=${3:-} i
	mkdir -p "$dir/storage"
	{
		echo "version: 0.1"
		echo "log: {level: error}"
		echo "storage: {filesystem: {rootdirectory: $dir/storage}, delete: {enabled: true}}"
		echo "http:"
		echo "  addr: 127.0.0.1:$port"
		if [ -n "$tls" ]; then
			echo "  tls: {certificate: $tls/cert.pem, key: $tls/key.pem}"
			echo "auth: {htpasswd: {realm: glass-test, path: $tls/htpasswd}}"
		fi
	} >"$dir/config.yml"
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
	local pid=$!
	on_exit "kill $pid; wait $pid"
	local scheme=http
	[ -n "$tls" ] && scheme=https
	for i in $(seq 100); do
		code=$(curl -sk -o /dev/null -w '%{http_code}' "$scheme://127.0.0.1:$port/v2/" || true)
		[ "$code" = 200 ] || [ "$code" = 401 ] && return 0
		sleep 0.1
	done
	echo "# registry did not start:" >&2
	sed 's/^/#   /' "$dir/log" >&2
	return 1
}

# make_tls DIR: a CA, a server cert for 127.0.0.1/localhost signed by it,
# and an htpasswd file (user glass, password secret; bcrypt).
make_tls() {
	local d=$1
	mkdir -p "$d/certs"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=glass-test-ca \
		-keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || return 1
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$d/key.pem" \
		-out "$d/req.csr" 2>/dev/null || return 1
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$d/ext.cnf"
	openssl x509 -req -in "$d/req.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -extfile "$d/ext.cnf" -out "$d/cert.pem" 2>/dev/null || return 1
	cp "$d/ca.pem" "$d/certs/ca.crt"
	htpasswd -Bbc "$d/htpasswd" glass secret 2>/dev/null
}

# oci_add_blob LAYOUT FILE: prints "sha256:HEX SIZE"
oci_add_blob() {
	local l=$1 f=$2 h
	h=$(sha256sum "$f" | cut -d' ' -f1)
	mkdir -p "$l/blobs/sha256"
	cp "$f" "$l/blobs/sha256/$h"
	echo "sha256:$h $(stat -c %s "$f")"
}

_tar_dir() { tar -C "$1" --numeric-owner --owner=0 --group=0 --sort=name -cf - .; }

# build_test_layout LAYOUT: an OCI layout with tag v1 = an index of
# linux/amd64 (+ linux/arm64 sharing the layers) over three layers:
#  1 busybox rootfs (gzip)
#  2 /data/{keep,del}.txt, /opq/{lower1,lower2}, /links/target + hard link + symlink (gzip)
#  3 whiteout of /data/del.txt, opaque /opq with /opq/upper, /data/new.txt (zstd)
build_test_layout() {
	local l=$1 w
	w=$(mktemp -d "$TEST_TMP/layout.XXXXXX")
	mkdir -p "$l/blobs/sha256" "$w/l2/data" "$w/l2/opq" "$w/l2/links" "$w/l3/data" "$w/l3/opq"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$l/oci-layout"
	_tar_dir "$ROOTFS" >"$w/1.tar"
	echo keep >"$w/l2/data/keep.txt"
	echo del >"$w/l2/data/del.txt"
	echo lower1 >"$w/l2/opq/lower1"
	echo lower2 >"$w/l2/opq/lower2"
	echo target >"$w/l2/links/target"
	ln "$w/l2/links/target" "$w/l2/links/hard"
	ln -s target "$w/l2/links/sym"
	_tar_dir "$w/l2" >"$w/2.tar"
	: >"$w/l3/data/.wh.del.txt"
	: >"$w/l3/opq/.wh..wh..opq"
	echo upper >"$w/l3/opq/upper"
	echo new >"$w/l3/data/new.txt"
	_tar_dir "$w/l3" >"$w/3.tar"
	gzip -n -c "$w/1.tar" >"$w/1.tgz"
	gzip -n -c "$w/2.tar" >"$w/2.tgz"
	zstd -q -c "$w/3.tar" >"$w/3.tzst"
	local d1 d2 d3 s1 s2 s3 i1 i2 i3
	read -r d1 s1 < <(oci_add_blob "$l" "$w/1.tgz")
	read -r d2 s2 < <(oci_add_blob "$l" "$w/2.tgz")
	read -r d3 s3 < <(oci_add_blob "$l" "$w/3.tzst")
	i1=sha256:$(sha256sum <"$w/1.tar" | cut -d' ' -f1)
	i2=sha256:$(sha256sum <"$w/2.tar" | cut -d' ' -f1)
	i3=sha256:$(sha256sum <"$w/3.tar" | cut -d' ' -f1)
	local arch idx_entries="" cd cs md ms
	for arch in amd64 arm64; do
		jq -n --arg a "$arch" --arg i1 "$i1" --arg i2 "$i2" --arg i3 "$i3" \
			'{architecture:$a, os:"linux", config:{Env:["PATH=/usr/sbin:/usr/bin:/sbin:/bin","GLASS_TEST=1"], Cmd:["sh"], WorkingDir:"/data"},
			  rootfs:{type:"layers", diff_ids:[$i1,$i2,$i3]}, history:[{created_by:"busybox"},{created_by:"layer 2"},{created_by:"layer 3"}]}' \
			>"$w/config-$arch.json"
		read -r cd cs < <(oci_add_blob "$l" "$w/config-$arch.json")
		jq -n --arg cd "$cd" --argjson cs "$cs" --arg d1 "$d1" --argjson s1 "$s1" --arg d2 "$d2" \
			--argjson s2 "$s2" --arg d3 "$d3" --argjson s3 "$s3" \
			'{schemaVersion:2, mediaType:"application/vnd.oci.image.manifest.v1+json",
			  config:{mediaType:"application/vnd.oci.image.config.v1+json", digest:$cd, size:$cs},
			  layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip", digest:$d1, size:$s1},
			          {mediaType:"application/vnd.oci.image.layer.v1.tar+gzip", digest:$d2, size:$s2},
			          {mediaType:"application/vnd.oci.image.layer.v1.tar+zstd", digest:$d3, size:$s3}]}' \
			>"$w/manifest-$arch.json"
		read -r md ms < <(oci_add_blob "$l" "$w/manifest-$arch.json")
		idx_entries="$idx_entries{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$md\",\"size\":$ms,\"platform\":{\"os\":\"linux\",\"architecture\":\"$arch\"}},"
		echo "$md" >"$l/.manifest-$arch"
	done
	echo "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[${idx_entries%,}]}" >"$w/index.json"
	local id is
	read -r id is < <(oci_add_blob "$l" "$w/index.json")
	echo "$id" >"$l/.index"
	jq -n --arg d "$id" --argjson s "$is" \
		'{schemaVersion:2, manifests:[{mediaType:"application/vnd.oci.image.index.v1+json", digest:$d, size:$s, annotations:{"org.opencontainers.image.ref.name":"v1"}}]}' \
		>"$l/index.json"
	rm -rf "$w"
}

# small_files_tar OUT N: a deterministic tar of N small files, written by
# python's tarfile straight from memory (no tree on disk).
small_files_tar() {
	python3 - "$1" "$2" <<'PY'
import io, sys, tarfile
out, n = sys.argv[1], int(sys.argv[2])
with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
    for d in range((n + 999) // 1000):
        ti = tarfile.TarInfo(f"d{d:03d}"); ti.type = tarfile.DIRTYPE; ti.mode = 0o755
        t.addfile(ti)
        for i in range(min(1000, n - d * 1000)):
            data = b"x" * ((d * 1000 + i) % 300)
            ti = tarfile.TarInfo(f"d{d:03d}/f{i:04d}"); ti.size = len(data); ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
PY
}

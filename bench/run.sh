#!/bin/bash
# All of glass's benchmarks: `make bench` runs this with the build dir.
#   bench/run.sh BUILD
# runtime.sh: container start time and peak RSS next to crun, runc and a raw
# unshare+chroot floor; lifecycle.sh (create+start+delete, exec), engine.sh
# (glass run and run -d + stop + rm next to podman), cgroup.sh,
# unpack.sh and pull.sh when present (cgroup setup, image layer unpack, pull
# against skopeo, podman, ctr and the floor), shim.sh (glass-shim's memory next to
# conmon's), network.sh (glass run with no, loopback-only and CNI bridge
# networking next to podman's).  Each prints its own table; a
# failing one does not stop the others, but makes the exit status non-zero.
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
rc=0
for b in runtime lifecycle engine cgroup unpack pull shim network; do
	[ -f "$here/$b.sh" ] || continue
	echo "==== bench/$b.sh"
	bash "$here/$b.sh" "$BUILD" || rc=1
	echo
done
exit $rc

# What a test run leaves behind, sourced by tests/run.sh.
#
#   leftovers_snapshot FILE   one line per mount, cgroup, network namespace
#                             and file under /run and /tmp ("KIND PATH")
#   leftovers_sample          notes the other test runs alive now (call it
#                             between suites)
#   leftovers_check BEFORE AFTER
#                             TAP: one check per kind; a line that differs
#                             between BEFORE and AFTER is a failure
#
# Processes are checked apart (leftovers_orphans): tests/run.sh is a child
# subreaper, so a process the run left behind is re-parented to it.
#
# Only what this run could have made is compared: every mount and network
# namespace, the cgroups and the files under /run and /tmp whose names are
# glass's or the tools' its tests drive (_left_in_scope), so the machine's
# own comings and goings do not count.  On a machine where other test runs
# may go on at the same time (CI unset), a difference is not counted when
# another test run that shares the resource (the same /tmp or /run, the
# same mount namespace, any cgroup) was alive during this run and the name
# is not one of this run's (glass-test-PID with a PID of its scripts); it
# is printed as "not counted" with the other runs' pids.  With CI=true
# every difference in scope counts: CI runs alone on its machine.

LEFT_FOREIGN=${LEFT_FOREIGN:-$(mktemp /tmp/glass-test-foreign.XXXXXX)}
# Each test script of this run writes its pid here (lib.sh): a name such as
# glass-test-PID is then known to be this run's, whatever else runs.
export GLASS_TEST_PIDS=${GLASS_TEST_PIDS:-$(mktemp /tmp/glass-test-pids.XXXXXX)}

leftovers_snapshot() {
	{
		# mount point, type, source (the mount ID changes on every mount)
		awk '{ for (i = 7; $i != "-"; i++); print "mount " $5 " " $(i + 1) " " $(i + 2) }' /proc/self/mountinfo
		find /sys/fs/cgroup -mindepth 2 -type d 2>/dev/null | sed 's|^|cgroup |'
		ls -A /run/netns 2>/dev/null | sed 's|^|netns |'
		find /run /tmp -mindepth 1 -maxdepth 3 -not -path "$LEFT_FOREIGN" -not -path "$GLASS_TEST_PIDS" \
			-not -path '/tmp/glass-test-cwd.*' -not -path '/run/user/*' 2>/dev/null | sed 's|^|file |'
	} | sort
}

# The id of what a process sees as a path ("dev:inode"), or "".
_left_id() { stat -L -c '%d:%i' "$1" 2>/dev/null; }

leftovers_sample() {
	local p cmd me_mnt
	me_mnt=$(readlink /proc/self/ns/mnt)
	for p in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
		case $cmd in
		*tests/run.sh* | *tests/integration/t-*.sh* | *tests/qemu/run.sh* | *tests/web/run.sh*) ;;
		*) continue ;;
		esac
		tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qx "GLASS_TEST_RUN=$GLASS_TEST_RUN" && continue
		# pid, same mount namespace?, same /tmp?, same /run?
		echo "${p#/proc/} $([ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$me_mnt" ] && echo y || echo n)" \
			"$([ "$(_left_id "$p/root/tmp")" = "$(_left_id /tmp)" ] && echo y || echo n)" \
			"$([ "$(_left_id "$p/root/run")" = "$(_left_id /run)" ] && echo y || echo n)"
	done >>"$LEFT_FOREIGN"
}

# In scope on a shared machine: what glass's tests and the tools they drive
# (podman, containerd, iproute2) make.
_left_in_scope() {
	case $1 in
	mount\ *) return 0 ;;
	netns\ *) return 0 ;;
	cgroup\ *) [[ $1 =~ glass|libpod|podman|containerd|conmon ]] ;;
	file\ /tmp/glass* | file\ /tmp/tmp* | file\ /run/glass* | file\ /run/netns* | \
		file\ /run/containerd* | file\ /run/libpod* | file\ /run/containers* | file\ /run/crun* | \
		file\ /run/runc* | file\ /run/docker*) return 0 ;;
	*) return 1 ;;
	esac
}

# True when `line` names a pid of one of this run's test scripts.
_left_ours() {
	local pid
	for pid in $(grep -oE 'glass-test-[a-z-]*[0-9]+' <<<"$1" | grep -oE '[0-9]+$'); do
		grep -qx "$pid" "$GLASS_TEST_PIDS" 2>/dev/null && return 0
	done
	return 1
}

# Pids of other runs that share what `line` names ("" when none).
_left_foreign_for() {
	local col
	[ "${CI:-}" = true ] && return 0
	case $1 in
	mount\ *) col=2 ;;
	file\ /tmp*) col=3 ;;
	file\ /run* | netns\ *) col=4 ;;
	*) col=0 ;;
	esac
	[ -s "$LEFT_FOREIGN" ] || return 0
	if [ $col = 0 ]; then
		awk '{ print $1 }' "$LEFT_FOREIGN" | sort -un | tr '\n' ' '
	else
		awk -v c=$col '$c == "y" { print $1 }' "$LEFT_FOREIGN" | sort -un | tr '\n' ' '
	fi
}

leftovers_check() {
	local before=$1 after=$2 kind line sign n=0 bad foreign others=() pids=""
	for kind in mount cgroup netns file; do
		bad=()
		while IFS= read -r line; do
			sign=${line:0:1}
			line=${line:1}
			_left_in_scope "$line" || continue
			foreign=""
			_left_ours "$line" || foreign=$(_left_foreign_for "$line")
			if [ -n "$foreign" ]; then
				others+=("$([ "$sign" = + ] && echo new || echo gone): $line")
				pids="$pids $foreign"
			else
				bad+=("$([ "$sign" = + ] && echo left || echo removed): ${line#* }")
			fi
		done < <(diff "$before" "$after" | sed -n "s/^> \($kind .*\)/+\1/p; s/^< \($kind .*\)/-\1/p")
		n=$((n + 1))
		if [ ${#bad[@]} -eq 0 ]; then
			echo "ok $n - nothing left behind: ${kind}s as before the run"
		else
			echo "not ok $n - nothing left behind: ${kind}s differ after the run"
			printf '#   %s\n' "${bad[@]}" | head -40
		fi
	done
	if [ ${#others[@]} -gt 0 ]; then
		echo "# not counted: ${#others[@]} differences while other test runs shared the resource" \
			"(pids $(tr ' ' '\n' <<<"$pids" | sort -un | grep . | head -12 | tr '\n' ' ')...):"
		printf '#   %s\n' "${others[@]}" | head -15
	fi
}

# TAP for the processes re-parented to this run (pid $1, the subreaper):
# check number $2.  The children are read with a builtin (no fork), so the
# check itself is not among them; zombies are exits not yet reaped.
leftovers_orphans() {
	local me=$1 n=$2 kids k out=() st i
	# A process told to stop by the last test's cleanup may still be on
	# its way out: give it 10 s.
	for i in $(seq 20); do
		kids=()
		read -r -a kids <"/proc/$me/task/$me/children" || true
		out=()
		for k in "${kids[@]}"; do
			[ "$k" = "$BASHPID" ] && continue # the subshell running this check
			st=$(sed 's/.*) //' "/proc/$k/stat" 2>/dev/null | cut -d' ' -f1)
			[ -z "$st" ] || [ "$st" = Z ] && continue
			out+=("$k $(tr '\0' ' ' <"/proc/$k/cmdline" | head -c 200)")
		done
		[ ${#out[@]} -eq 0 ] && break
		sleep 0.5
	done
	if [ ${#out[@]} -eq 0 ]; then
		echo "ok $n - nothing left behind: no process of the run outlived it"
	else
		echo "not ok $n - nothing left behind: processes of the run outlived it"
		printf '#   %s\n' "${out[@]}"
	fi
}

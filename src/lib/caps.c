/* caps: who the process is: its user and groups, and which of root's
 * privileges it keeps.
 *
 * Linux splits root's power into capabilities held in five sets per
 * thread: bounding (the ceiling for anything gained at execve), permitted
 * (what it may make effective), effective (what the kernel checks now),
 * inheritable and ambient (what survives execve of a program without file
 * capabilities).  Changing uid from 0 to another id clears the permitted
 * and effective sets, unless PR_SET_KEEPCAPS is on; so the order is: drop
 * the bounding set (needs CAP_SETPCAP), keep caps, set the groups and ids
 * (setgroups needs CAP_SETGID and, in a user namespace, /proc/self/setgroups
 * = "allow"), then capset() the three sets and raise the ambient ones
 * (each must be permitted and inheritable).
 */
#include "process-internal.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The highest capability this kernel knows. */
static int cap_last(void)
{
	cleanup_free char *s = read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", NULL);
	int n = s ? atoi(s) : CAP_LAST_CAP;
	return n > 0 && n < 64 ? n : CAP_LAST_CAP;
}

static uint64_t cap_mask(const int *caps, size_t n, int last, const char *set)
{
	uint64_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (caps[i] < 0 || caps[i] > last) {
			glass_trace_note("skip", set,
			                 "capability %d is unknown to this kernel "
			                 "(cap_last_cap %d)",
			                 caps[i], last);
			continue;
		}
		m |= 1ULL << caps[i];
	}
	return m;
}

static const char *cap_str(int c, char *buf, size_t size)
{
	const char *n = glass_cap_name(c);
	if (n)
		return n;
	snprintf(buf, size, "%d", c);
	return buf;
}

static int drop_bounding(const struct glass_caps *caps, int last, struct glass_err **err)
{
	uint64_t keep =
	    cap_mask(caps->bounding, caps->nbounding, last, "process.capabilities.bounding");
	for (int c = 0; c <= last; c++) {
		char b[16], what[64];
		if (keep & (1ULL << c))
			continue;
		if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) != 1)
			continue; /* already gone */
		snprintf(what, sizeof(what), "PR_CAPBSET_DROP(%s)", cap_str(c, b, sizeof(b)));
		if (glass_sys_prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, what,
		                    "process.capabilities.bounding", err) < 0)
			return glass_err_hint(err,
			                      "dropping from the bounding set needs CAP_SETPCAP");
	}
	return 0;
}

/* True in a user namespace other than the initial one (whose uid_map is
 * the whole identity range). */
static bool in_user_ns(void)
{
	cleanup_free char *map = read_file_at(AT_FDCWD, "/proc/self/uid_map", NULL);
	unsigned long a, b, n;
	return map && !(sscanf(map, "%lu %lu %lu", &a, &b, &n) == 3 && a == 0 && b == 0 &&
	                n == 4294967295UL);
}

static int set_groups(const struct glass_user *u, struct glass_err **err)
{
	cleanup_free char *sg = read_file_at(AT_FDCWD, "/proc/self/setgroups", NULL);
	cleanup_free gid_t *gids = xcalloc(u->nadditional_gids + 1, sizeof(gid_t));
	if (sg && strncmp(sg, "deny", 4) == 0) {
		if (u->nadditional_gids == 0) {
			glass_trace_note("skip", "process.user.additionalGids",
			                 "setgroups is denied in this user namespace");
			return 0;
		}
		glass_err_field(err, EPERM, "process.user.additionalGids",
		                "process.user.additionalGids: setgroups(2) is denied in this user "
		                "namespace (/proc/self/setgroups is \"deny\")");
		return glass_err_hint(err, "an unprivileged user namespace may not set groups; map "
		                           "the groups with a privileged runtime, or drop "
		                           "additionalGids");
	}
	for (size_t i = 0; i < u->nadditional_gids; i++)
		gids[i] = u->additional_gids[i];
	if (glass_sys_setgroups(u->nadditional_gids, gids, "process.user.additionalGids", err) < 0)
		return errno == EINVAL && in_user_ns()
		           ? glass_err_hint(err, "a group id is not mapped "
		                                 "in the user namespace")
		           : -1;
	return 0;
}

/* A capability set by name: "CAP_KILL|CAP_NET_BIND_SERVICE", or "0";
 * cut after a whole name with "|..." when it does not fit. */
static const char *mask_str(uint64_t m, char *buf, size_t size)
{
	size_t at = 0;
	snprintf(buf, size, "0");
	for (int c = 0; c < 64; c++) {
		char b[16];
		const char *n;
		if (!(m & (1ULL << c)))
			continue;
		n = cap_str(c, b, sizeof(b));
		if (at + strlen(n) + 1 + sizeof("|...") > size) {
			snprintf(buf + at, size - at, "%s...", at ? "|" : "");
			break;
		}
		at += (size_t)snprintf(buf + at, size - at, "%s%s", at ? "|" : "", n);
	}
	return buf;
}

static int do_capset(uint64_t eff, uint64_t prm, uint64_t inh, struct glass_err **err)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {
	    {(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
	    {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)},
	};
	char e[160], p[160], i[160];
	if (GLASS_SYS(err, "capset", "process.capabilities", syscall(SYS_capset, &hdr, d),
	              "{_LINUX_CAPABILITY_VERSION_3, 0}, {effective=%s, permitted=%s, "
	              "inheritable=%s}",
	              mask_str(eff, e, sizeof(e)), mask_str(prm, p, sizeof(p)),
	              mask_str(inh, i, sizeof(i))) == 0)
		return 0;
	if (errno == EPERM)
		return glass_err_hint(err,
		                      "effective must be a subset of permitted, permitted of "
		                      "what the process holds, inheritable of the bounding set");
	return -1;
}

/* Raises each capability of the ambient list that is both permitted and
 * inheritable (the kernel's condition); the others are noted and skipped,
 * as runc and crun do (`runc spec` lists ambient caps without an
 * inheritable set). */
static int raise_ambient(const struct glass_caps *caps, int last, uint64_t prm, uint64_t inh,
                         struct glass_err **err)
{
	for (size_t i = 0; i < caps->nambient; i++) {
		int c = caps->ambient[i];
		char b[16], what[64];
		struct glass_err *aerr = NULL;
		if (c < 0 || c > last)
			continue;
		cap_str(c, b, sizeof(b));
		if (!(prm & (1ull << c)) || !(inh & (1ull << c))) {
			glass_trace_note("ambient", "process.capabilities.ambient",
			                 "%s not raised: an ambient capability must also be "
			                 "in the permitted and inheritable sets",
			                 b);
			continue;
		}
		snprintf(what, sizeof(what), "PR_CAP_AMBIENT_RAISE(%s)", b);
		if (glass_sys_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)c, what,
		                    "process.capabilities.ambient", &aerr) < 0) {
			if (aerr->errnum != EPERM)
				return glass_err_move(err, &aerr);
			glass_trace_note("ambient", "process.capabilities.ambient",
			                 "%s not raised: %s", b, strerror(EPERM));
			glass_err_free(&aerr);
		}
	}
	return 0;
}

int glass_process_set_identity(const struct glass_process *p, struct glass_err **err)
{
	/* runc's meaning of an absent set, and of an absent object: empty.
	 * Without a capabilities object the struct is all zero, so every set
	 * is dropped; nothing the runtime holds is ever passed on by
	 * default (root would otherwise regain it at the next execve). */
	const struct glass_caps *caps = &p->caps;
	int last = cap_last();
	uint64_t eff, prm, inh;

	if (!p->has_caps)
		glass_trace_note("caps", "process.capabilities",
		                 "absent: every capability set is empty (bounding included)");
	if (drop_bounding(caps, last, err) < 0)
		return -1;
	if (glass_sys_prctl(PR_SET_KEEPCAPS, 1, 0, "PR_SET_KEEPCAPS", NULL, err) < 0)
		return -1;
	if (set_groups(&p->user, err) < 0)
		return -1;
	if (glass_sys_setresgid(p->user.gid, "process.user.gid", err) < 0)
		return errno == EINVAL ? glass_err_hint(err, "the gid is not mapped in the user "
		                                             "namespace")
		                       : -1;
	if (glass_sys_setresuid(p->user.uid, "process.user.uid", err) < 0)
		return errno == EINVAL ? glass_err_hint(err, "the uid is not mapped in the user "
		                                             "namespace")
		                       : -1;
	eff = cap_mask(caps->effective, caps->neffective, last, "process.capabilities.effective");
	prm = cap_mask(caps->permitted, caps->npermitted, last, "process.capabilities.permitted");
	inh = cap_mask(caps->inheritable, caps->ninheritable, last,
	               "process.capabilities.inheritable");
	if (do_capset(eff, prm, inh, err) < 0)
		return -1;
	/* Ambient capabilities survive execve: clear whatever the runtime's
	 * caller left there (EINVAL: a kernel before 4.3 has none). */
	if (glass_sys_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, "PR_CAP_AMBIENT_CLEAR_ALL",
	                    "process.capabilities.ambient", err) < 0) {
		if (errno != EINVAL)
			return -1;
		glass_err_free(err);
	}
	if (raise_ambient(caps, last, prm, inh, err) < 0)
		return -1;
	return glass_sys_prctl(PR_SET_KEEPCAPS, 0, 0, "PR_SET_KEEPCAPS", NULL, err) < 0 ? -1 : 0;
}

/* audit: see audit.h.  One function per layer, in the order the runtime
 * applies them; each adds protections and findings to the report. */
#include "audit.h"
#include "lsm.h"
#include "util.h"

#include <json-c/json.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const sev_names[] = {"ok", "info", "low", "medium", "high", "critical"};

const char *glass_audit_severity_name(enum glass_audit_severity s)
{
	return (unsigned)s < sizeof(sev_names) / sizeof(sev_names[0]) ? sev_names[s] : "?";
}

int glass_audit_severity_from_name(const char *name)
{
	for (size_t i = 0; name && i < sizeof(sev_names) / sizeof(sev_names[0]); i++)
		if (!strcasecmp(name, sev_names[i]))
			return (int)i;
	return -1;
}

static void add(struct glass_audit_report *r, enum glass_audit_severity sev, const char *layer,
                const char *id, const char *field, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void add(struct glass_audit_report *r, enum glass_audit_severity sev, const char *layer,
                const char *id, const char *field, const char *fix, const char *fmt, ...)
{
	struct glass_audit_finding *f;
	va_list ap;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 32;
		r->findings = xrealloc(r->findings, r->cap * sizeof(*r->findings));
	}
	f = &r->findings[r->n++];
	f->severity = sev;
	f->layer = layer;
	f->id = xstrdup(id);
	f->field = xstrdup(field ? field : "");
	f->fix = fix ? xstrdup(fix) : NULL;
	va_start(ap, fmt);
	f->risk = xvasprintf(fmt, ap);
	va_end(ap);
}

static enum glass_audit_severity lower(enum glass_audit_severity s)
{
	return s > GLASS_AUDIT_INFO ? s - 1 : s;
}

/* ---- namespaces ---- */

static void audit_namespaces(const struct glass_spec *s, struct glass_audit_report *r)
{
	static const struct {
		enum glass_ns_type t;
		enum glass_audit_severity sev;
		const char *risk;
	} ns[] = {
	    {GLASS_NS_MOUNT, GLASS_AUDIT_CRITICAL,
	     "the container shares the host's mount table: it sees and can change the host's "
	     "filesystems"},
	    {GLASS_NS_PID, GLASS_AUDIT_HIGH,
	     "the container sees every host process and can signal or ptrace those of its uid"},
	    {GLASS_NS_NET, GLASS_AUDIT_HIGH,
	     "the container uses the host's network stack: host-only services on 127.0.0.1, "
	     "the host's interfaces and firewall are reachable"},
	    {GLASS_NS_IPC, GLASS_AUDIT_MEDIUM,
	     "the container shares the host's System V IPC and POSIX message queues (shared "
	     "memory of host processes is readable)"},
	    {GLASS_NS_UTS, GLASS_AUDIT_LOW,
	     "the container shares the host's hostname (and can change it with CAP_SYS_ADMIN)"},
	    {GLASS_NS_CGROUP, GLASS_AUDIT_LOW,
	     "the container sees the host's cgroup paths in /proc/self/cgroup"},
	};
	char have[128] = "";
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		const struct glass_namespace *n = &s->linux_.ns[ns[i].t];
		const char *name = glass_ns_name(ns[i].t);
		cleanup_free char *id = xasprintf("host-%s-namespace", name);
		if (!n->present) {
			add(r, ns[i].sev, "namespaces", id, "linux.namespaces",
			    "add {\"type\": \"...\"} for it to linux.namespaces",
			    "no %s namespace: %s", name, ns[i].risk);
		} else if (n->path && (!strncmp(n->path, "/proc/1/", 8) ||
		                       !strncmp(n->path, "/proc/self/", 11))) {
			add(r, ns[i].sev, "namespaces", id, "linux.namespaces",
			    "create a new namespace (drop \"path\") or join a container's",
			    "joins the host's %s namespace (%s): %s", name, n->path, ns[i].risk);
		} else {
			size_t at = strlen(have);
			snprintf(have + at, sizeof(have) - at, "%s%s%s", at ? ", " : "", name,
			         n->path ? " (joined)" : "");
		}
	}
	if (*have)
		add(r, GLASS_AUDIT_OK, "namespaces", "namespaces", "linux.namespaces", NULL,
		    "own namespaces: %s", have);
}

/* ---- user namespace ---- */

static void audit_userns(const struct glass_spec *s, struct glass_audit_report *r)
{
	const struct glass_linux *l = &s->linux_;
	if (!l->ns[GLASS_NS_USER].present) {
		add(r, GLASS_AUDIT_INFO, "user namespace", "no-user-namespace", "linux.namespaces",
		    "add a user namespace with linux.uidMappings/gidMappings to a range of "
		    "unprivileged host ids",
		    "no user namespace: uid 0 in the container is uid 0 on the host, so any escape "
		    "lands as host root");
		return;
	}
	for (size_t i = 0; i < l->nuid_mappings; i++) {
		const struct glass_idmap *m = &l->uid_mappings[i];
		if (m->host_id == 0 && m->size > 0) {
			add(r, GLASS_AUDIT_HIGH, "user namespace", "userns-maps-host-root",
			    "linux.uidMappings",
			    "map the container's ids to an unprivileged host range",
			    "linux.uidMappings[%zu] maps container uid %u to host uid 0: the user "
			    "namespace does not reduce root's power over host files",
			    i, m->container_id);
			return;
		}
	}
	add(r, GLASS_AUDIT_OK, "user namespace", "user-namespace", "linux.uidMappings", NULL,
	    "user namespace: container root is an unprivileged host uid (%u)",
	    l->nuid_mappings ? l->uid_mappings[0].host_id : 0);
}

/* ---- capabilities ---- */

static bool has(const int *v, size_t n, int cap)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == cap)
			return true;
	return false;
}

/* Root's rule at execve: a uid-0 process gets its whole bounding set as
 * permitted and effective (a program file counts as fully capable), so a
 * bounding set wider than the permitted set is handed back at the next
 * execve, unless no_new_privs stops the gain. */
static void audit_regain(const struct glass_spec *s, struct glass_audit_report *r)
{
	const struct glass_caps *c = &s->process.caps;
	struct strbuf b = STRBUF_INIT;
	cleanup_free char *list = NULL;
	enum glass_audit_severity sev = GLASS_AUDIT_MEDIUM;
	size_t n = 0;

	if (s->process.user.uid != 0 || s->process.no_new_privileges)
		return;
	for (size_t i = 0; i < c->nbounding; i++) {
		int cap = c->bounding[i];
		if (has(c->permitted, c->npermitted, cap))
			continue;
		if (cap == CAP_SYS_ADMIN || cap == CAP_SYS_MODULE || cap == CAP_SYS_RAWIO ||
		    cap == CAP_DAC_READ_SEARCH)
			sev = GLASS_AUDIT_HIGH;
		strbuf_printf(&b, "%s%s", n++ ? " " : "", glass_cap_name(cap) + 4);
	}
	list = strbuf_steal(&b);
	if (n == 0)
		return;
	if (s->linux_.ns[GLASS_NS_USER].present)
		sev = lower(sev);
	add(r, sev, "capabilities", "bounding-regained-at-exec", "process.capabilities.bounding",
	    "keep the bounding set equal to the permitted set, or set process.noNewPrivileges",
	    "the process runs as root without no_new_privs and its bounding set holds %zu "
	    "capabilities it does not have (%s): the kernel grants root its bounding set at "
	    "every execve, so any program it runs regains them",
	    n, list);
}

static void audit_caps(const struct glass_spec *s, struct glass_audit_report *r)
{
	static const struct {
		int cap;
		enum glass_audit_severity sev;
		const char *risk;
	} danger[] = {
	    {CAP_SYS_ADMIN, GLASS_AUDIT_HIGH,
	     "mount, unshare, bpf, keyctl, perf and many device ioctls: the capability most "
	     "container escapes use (e.g. mounting the host's disk, cgroup v1 release_agent)"},
	    {CAP_SYS_MODULE, GLASS_AUDIT_CRITICAL, "loads kernel modules: arbitrary kernel code"},
	    {CAP_SYS_RAWIO, GLASS_AUDIT_HIGH, "raw I/O ports and /dev/mem style access"},
	    {CAP_DAC_READ_SEARCH, GLASS_AUDIT_HIGH,
	     "open_by_handle_at() reads any host file by inode handle (the 'shocker' escape)"},
	    {CAP_SYS_PTRACE, GLASS_AUDIT_MEDIUM,
	     "ptrace of any process it can see (with a shared pid namespace: host processes)"},
	    {CAP_NET_ADMIN, GLASS_AUDIT_MEDIUM,
	     "reconfigures interfaces, routes and firewall of its network namespace (the host's "
	     "when shared)"},
	    {CAP_SYS_BOOT, GLASS_AUDIT_MEDIUM, "reboot and kexec (when not in a pid namespace)"},
	    {CAP_BPF, GLASS_AUDIT_MEDIUM, "loads BPF programs into the host kernel"},
	    {CAP_PERFMON, GLASS_AUDIT_MEDIUM, "kernel performance monitoring: kernel info leaks"},
	    {CAP_SYS_TIME, GLASS_AUDIT_MEDIUM, "sets the host's clock"},
	    {CAP_MAC_ADMIN, GLASS_AUDIT_MEDIUM, "changes the LSM policy"},
	    {CAP_MAC_OVERRIDE, GLASS_AUDIT_MEDIUM, "overrides the LSM policy"},
	    {CAP_SYSLOG, GLASS_AUDIT_LOW, "reads the kernel log (kernel addresses)"},
	    {CAP_NET_RAW, GLASS_AUDIT_LOW,
	     "raw sockets: packet spoofing and ARP/DNS poisoning on the container's network"},
	};
	const struct glass_caps *c = &s->process.caps;
	const int *set = c->bounding;
	size_t n = c->nbounding;
	const char *field = "process.capabilities.bounding";
	bool userns = s->linux_.ns[GLASS_NS_USER].present;

	/* An absent object or list is an empty set (runc's meaning, and
	 * glass's since caps.c drops what the config does not list). */
	if (!s->process.has_caps)
		field = "process.capabilities";
	if (n >= CAP_LAST_CAP) {
		add(r, userns ? GLASS_AUDIT_HIGH : GLASS_AUDIT_CRITICAL, "capabilities", "all-caps",
		    field, "grant only the capabilities the workload needs",
		    "all %zu capabilities granted: privileged-equivalent (combined with host "
		    "devices or no seccomp, the host is one mount away)",
		    n);
	} else {
		for (size_t i = 0; i < sizeof(danger) / sizeof(danger[0]); i++) {
			enum glass_audit_severity sev = danger[i].sev;
			const char *name = glass_cap_name(danger[i].cap);
			cleanup_free char *id = NULL;
			cleanup_free char *fix = NULL;
			if (!has(set, n, danger[i].cap))
				continue;
			/* In a user namespace the capability covers only objects the
			 * namespace owns. */
			if (userns)
				sev = lower(sev);
			id = xasprintf("cap-%s", name + 4);
			for (char *p = id; *p; p++)
				*p =
				    *p == '_' ? '-' : (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			fix = xasprintf("remove %s from every capability set", name);
			add(r, sev, "capabilities", id, field, fix, "%s granted: %s", name,
			    danger[i].risk);
		}
	}
	{
		struct strbuf b = STRBUF_INIT;
		cleanup_free char *list = NULL;
		for (size_t i = 0; i < n; i++)
			strbuf_printf(&b, "%s%s", i ? " " : "", glass_cap_name(set[i]) + 4);
		list = strbuf_steal(&b);
		add(r, GLASS_AUDIT_OK, "capabilities", "bounding-set", field, NULL,
		    "bounding set: %zu of %d capabilities (%s)", n, CAP_LAST_CAP + 1,
		    n ? list : "none");
	}
	audit_regain(s, r);
	if (c->has_ambient && c->nambient && s->process.user.uid != 0)
		add(r, GLASS_AUDIT_LOW, "capabilities", "ambient-caps",
		    "process.capabilities.ambient",
		    "drop the ambient set unless a non-root program needs capabilities",
		    "%zu ambient capabilities: the non-root process and every program it runs keep "
		    "them",
		    c->nambient);
}

/* ---- seccomp ---- */

static bool names_contain(const struct glass_seccomp_rule *rl, const char *name)
{
	for (size_t i = 0; i < rl->nnames; i++)
		if (!strcmp(rl->names[i], name))
			return true;
	return false;
}

static void audit_seccomp(const struct glass_spec *s, struct glass_audit_report *r)
{
	static const char *const dangerous[] = {
	    "mount",       "umount2",        "unshare", "setns",  "kexec_load", "init_module",
	    "bpf",         "keyctl",         "add_key", "ptrace", "reboot",     "open_by_handle_at",
	    "userfaultfd", "perf_event_open"};
	const struct glass_seccomp *sc = &s->linux_.seccomp;
	const struct glass_caps *c = &s->process.caps;
	bool admin = has(c->bounding, c->nbounding, CAP_SYS_ADMIN) || c->nbounding >= CAP_LAST_CAP;
	struct strbuf open_list = STRBUF_INIT;
	cleanup_free char *opened = NULL;
	bool deny_default;

	if (!sc->present) {
		add(r, admin ? GLASS_AUDIT_HIGH : GLASS_AUDIT_MEDIUM, "seccomp", "no-seccomp",
		    "linux.seccomp",
		    "add a seccomp profile (glass-runtime spec --seccomp-default writes Docker's "
		    "default)",
		    "no seccomp filter: all ~450 syscalls reach the kernel, including mount, bpf, "
		    "keyctl, userfaultfd and io_uring%s",
		    admin ? "; with CAP_SYS_ADMIN nothing stands between the container and them"
		          : "");
		return;
	}
	deny_default = sc->default_action && strcmp(sc->default_action, "SCMP_ACT_ALLOW") != 0 &&
	               strcmp(sc->default_action, "SCMP_ACT_LOG") != 0;
	for (size_t d = 0; d < sizeof(dangerous) / sizeof(dangerous[0]); d++) {
		bool allowed = !deny_default;
		for (size_t i = 0; i < sc->nsyscalls; i++) {
			const struct glass_seccomp_rule *rl = &sc->syscalls[i];
			if (!names_contain(rl, dangerous[d]) || rl->nargs)
				continue;
			allowed = rl->action && (!strcmp(rl->action, "SCMP_ACT_ALLOW") ||
			                         !strcmp(rl->action, "SCMP_ACT_LOG"));
		}
		if (allowed)
			strbuf_printf(&open_list, "%s%s", open_list.len ? ", " : "", dangerous[d]);
	}
	opened = strbuf_steal(&open_list);
	if (!deny_default)
		add(r, GLASS_AUDIT_MEDIUM, "seccomp", "seccomp-deny-list",
		    "linux.seccomp.defaultAction",
		    "use an allow-list: defaultAction SCMP_ACT_ERRNO with the needed syscalls "
		    "allowed",
		    "defaultAction %s: a deny-list lets every new or forgotten syscall through%s%s",
		    sc->default_action ? sc->default_action : "?", *opened ? "; not blocked: " : "",
		    opened);
	else if (*opened && !admin)
		add(r, GLASS_AUDIT_MEDIUM, "seccomp", "seccomp-allows-dangerous",
		    "linux.seccomp.syscalls",
		    "remove them from the allowed syscalls unless the workload needs them",
		    "the profile allows syscalls Docker's default blocks: %s", opened);
	else
		add(r, GLASS_AUDIT_OK, "seccomp", "seccomp", "linux.seccomp", NULL,
		    "seccomp allow-list: defaultAction %s, %zu rules", sc->default_action,
		    sc->nsyscalls);
	for (size_t i = 0; i < sc->nsyscalls; i++)
		if (sc->syscalls[i].action && !strcmp(sc->syscalls[i].action, "SCMP_ACT_NOTIFY")) {
			add(r, GLASS_AUDIT_INFO, "seccomp", "seccomp-notify",
			    "linux.seccomp.listenerPath",
			    "make sure the agent at listenerPath is trusted and always running",
			    "syscalls are decided by the seccomp agent at %s",
			    sc->listener_path ? sc->listener_path : "(no listenerPath)");
			break;
		}
}

/* ---- process: no_new_privs, user, LSM ---- */

static void audit_process(const struct glass_spec *s, struct glass_audit_report *r)
{
	const struct glass_process *p = &s->process;
	if (!p->no_new_privileges && p->user.uid == 0)
		add(r, GLASS_AUDIT_MEDIUM, "process", "root-without-no-new-privs",
		    "process.noNewPrivileges", "set process.noNewPrivileges to true",
		    "the process runs as root without no_new_privs: every execve may raise its "
		    "capabilities up to the bounding set (root's rule, setuid and setcap files "
		    "alike)");
	else if (!p->no_new_privileges)
		add(r, GLASS_AUDIT_MEDIUM, "process", "no-new-privs-missing",
		    "process.noNewPrivileges", "set process.noNewPrivileges to true",
		    "no_new_privs is not set: setuid/setcap binaries in the image can regain "
		    "privileges dropped by the runtime");
	else
		add(r, GLASS_AUDIT_OK, "process", "no-new-privs", "process.noNewPrivileges", NULL,
		    "no_new_privs: execve can never grant more privileges");
	if (p->user.uid == 0 && !s->linux_.ns[GLASS_NS_USER].present)
		add(r, GLASS_AUDIT_INFO, "process", "runs-as-root", "process.user.uid",
		    "run as a non-root uid (process.user.uid), or add a user namespace",
		    "the process runs as uid 0 (host root, limited only by the other layers)");
	if (p->has_oom_score_adj && p->oom_score_adj < 0)
		add(r, GLASS_AUDIT_LOW, "process", "oom-score-adj", "process.oomScoreAdj",
		    "leave oomScoreAdj at 0 or above",
		    "oomScoreAdj %d: under memory pressure the kernel kills host processes first",
		    p->oom_score_adj);
}

static void audit_lsm(const struct glass_spec *s, struct glass_audit_report *r)
{
	const struct glass_process *p = &s->process;
	if (p->apparmor_profile && !strcmp(p->apparmor_profile, "unconfined"))
		add(r, GLASS_AUDIT_MEDIUM, "lsm", "apparmor-unconfined", "process.apparmorProfile",
		    "use a confining profile (e.g. docker-default) or leave the field out on hosts "
		    "without AppArmor",
		    "AppArmor profile \"unconfined\": the MAC layer is switched off explicitly");
	else if (p->apparmor_profile)
		add(r, GLASS_AUDIT_OK, "lsm", "apparmor", "process.apparmorProfile", NULL,
		    "AppArmor profile \"%s\"", p->apparmor_profile);
	if (p->selinux_label &&
	    (strstr(p->selinux_label, "spc_t") || strstr(p->selinux_label, "unconfined_t")))
		add(r, GLASS_AUDIT_MEDIUM, "lsm", "selinux-unconfined", "process.selinuxLabel",
		    "use container_t (with an MCS category pair)",
		    "SELinux label \"%s\" is an unconfined type", p->selinux_label);
	else if (p->selinux_label)
		add(r, GLASS_AUDIT_OK, "lsm", "selinux", "process.selinuxLabel", NULL,
		    "SELinux label \"%s\"", p->selinux_label);
	if (s->linux_.mount_label && *s->linux_.mount_label && !glass_lsm_selinux_enabled())
		add(r, GLASS_AUDIT_LOW, "lsm", "mount-label-ignored", "linux.mountLabel",
		    "leave linux.mountLabel out on hosts without SELinux",
		    "SELinux mount label \"%s\" is ignored here (SELinux is not enabled): the "
		    "mounts carry no label",
		    s->linux_.mount_label);
	if (!p->apparmor_profile && !p->selinux_label)
		add(r, GLASS_AUDIT_INFO, "lsm", "no-lsm-label", "process.apparmorProfile",
		    "set process.apparmorProfile or process.selinuxLabel on hosts that have the "
		    "LSM",
		    "no AppArmor profile or SELinux label: no mandatory access control layer");
}

/* ---- root filesystem and mounts ---- */

static bool has_opt(const struct glass_mount *m, const char *opt)
{
	for (size_t i = 0; i < m->noptions; i++)
		if (!strcmp(m->options[i], opt))
			return true;
	return false;
}

static bool is_bind(const struct glass_mount *m)
{
	return (m->type && !strcmp(m->type, "bind")) || has_opt(m, "bind") || has_opt(m, "rbind");
}

static const char *basename_of(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

/* Normalises "/var/run/x" and "/run/x" to one spelling, drops trailing
 * slashes.  Writes into buf. */
static const char *norm(const char *p, char *buf, size_t size)
{
	size_t n;
	if (!strncmp(p, "/var/run/", 9) || !strcmp(p, "/var/run"))
		snprintf(buf, size, "/run%s", p + 8);
	else
		snprintf(buf, size, "%s", p);
	n = strlen(buf);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return buf;
}

static void audit_mounts(const struct glass_spec *s, struct glass_audit_report *r)
{
	static const char *const sockets[] = {
	    "docker.sock",     "containerd.sock",  "podman.sock",    "crio.sock",
	    "dockershim.sock", "cri-dockerd.sock", "buildkitd.sock", NULL};
	static const struct {
		const char *path;
		enum glass_audit_severity sev;
		const char *risk;
	} sensitive[] = {
	    {"/", GLASS_AUDIT_CRITICAL, "the whole host filesystem"},
	    {"/etc", GLASS_AUDIT_HIGH, "host configuration: passwd, shadow, sudoers, cron"},
	    {"/root", GLASS_AUDIT_HIGH, "root's home: ssh keys, shell startup files"},
	    {"/boot", GLASS_AUDIT_HIGH, "the kernel and boot loader"},
	    {"/proc", GLASS_AUDIT_HIGH,
	     "the host's /proc: every process, /proc/sys, /proc/sysrq-trigger"},
	    {"/sys", GLASS_AUDIT_HIGH, "the host's sysfs: devices, firmware, kernel knobs"},
	    {"/dev", GLASS_AUDIT_HIGH, "every host device node, including disks"},
	    {"/run", GLASS_AUDIT_HIGH, "host runtime sockets and state"},
	    {"/var/lib/docker", GLASS_AUDIT_HIGH, "other containers' filesystems"},
	    {"/var/lib/glass", GLASS_AUDIT_HIGH, "other containers' filesystems"},
	    {"/var/log", GLASS_AUDIT_MEDIUM, "host logs (and log files the host parses)"},
	    {"/home", GLASS_AUDIT_MEDIUM, "users' home directories"},
	    {"/lib/modules", GLASS_AUDIT_MEDIUM, "kernel modules"},
	    {"/usr", GLASS_AUDIT_MEDIUM, "host binaries"},
	};
	bool sys_rw = false;

	if (!s->root_readonly)
		add(r, GLASS_AUDIT_LOW, "rootfs", "writable-rootfs", "root.readonly",
		    "set root.readonly to true and mount tmpfs on the paths that need writes "
		    "(/tmp, /run)",
		    "the root filesystem is writable: an intruder can replace binaries and "
		    "persist in the image's snapshot");
	else
		add(r, GLASS_AUDIT_OK, "rootfs", "readonly-rootfs", "root.readonly", NULL,
		    "read-only root filesystem");

	for (size_t i = 0; i < s->nmounts; i++) {
		const struct glass_mount *m = &s->mounts[i];
		char field[40], src[512];
		bool ro = has_opt(m, "ro");
		bool matched = false;
		snprintf(field, sizeof(field), "mounts[%zu].source", i);
		if (m->type && !strcmp(m->type, "sysfs") && !ro)
			sys_rw = true;
		if (!is_bind(m) || !m->source)
			continue;
		norm(m->source, src, sizeof(src));
		for (size_t k = 0; sockets[k]; k++)
			if (!strcmp(basename_of(src), sockets[k]) ||
			    (!strcmp(sockets[k], "containerd.sock") &&
			     !strncmp(src, "/run/containerd", 15)) ||
			    (!strcmp(sockets[k], "crio.sock") && !strncmp(src, "/run/crio", 9))) {
				add(r, GLASS_AUDIT_CRITICAL, "mounts", "runtime-socket", field,
				    "do not mount container runtime sockets into containers; use a "
				    "narrowly scoped API proxy if the workload needs one",
				    "%s (%s) is a container runtime socket: whoever can connect "
				    "starts a "
				    "privileged container and owns the host; \"ro\" does not stop "
				    "connect()",
				    m->source, m->destination ? m->destination : "?");
				matched = true;
				break;
			}
		if (matched)
			continue;
		for (size_t k = 0; k < sizeof(sensitive) / sizeof(sensitive[0]); k++) {
			const char *sp = sensitive[k].path;
			size_t sl = strlen(sp);
			bool hit =
			    !strcmp(src, sp) ||
			    (sl > 1 && !strncmp(src, sp, sl) && src[sl] == '/' &&
			     (!strcmp(sp, "/etc") || !strcmp(sp, "/proc") || !strcmp(sp, "/sys") ||
			      !strcmp(sp, "/boot") || !strcmp(sp, "/root")));
			if (!hit)
				continue;
			add(r,
			    ro && sensitive[k].sev != GLASS_AUDIT_CRITICAL ? lower(sensitive[k].sev)
			                                                   : sensitive[k].sev,
			    "mounts", "sensitive-host-path", field,
			    "mount only the specific files the workload needs, read-only",
			    "host path %s bind-mounted at %s%s: %s", m->source,
			    m->destination ? m->destination : "?",
			    ro ? " (read-only)" : " read-write", sensitive[k].risk);
			break;
		}
		if (has_opt(m, "rshared") || has_opt(m, "shared"))
			add(r, GLASS_AUDIT_MEDIUM, "mounts", "shared-propagation", field,
			    "use rprivate or rslave propagation",
			    "%s is mounted with shared propagation: mounts made inside appear on "
			    "the host",
			    m->source);
	}
	if (sys_rw)
		add(r, GLASS_AUDIT_MEDIUM, "mounts", "sysfs-writable", "mounts",
		    "add \"ro\" to the sysfs mount's options",
		    "sysfs is mounted read-write: kernel and device knobs under /sys are writable "
		    "with "
		    "the right capability");
}

/* ---- devices ---- */

static void audit_devices(const struct glass_spec *s, struct glass_audit_report *r)
{
	const struct glass_linux *l = &s->linux_;
	const struct glass_caps *c = &s->process.caps;
	bool mknod = has(c->bounding, c->nbounding, CAP_MKNOD);
	bool deny_all_first = false;
	for (size_t i = 0; i < l->ndevices; i++) {
		const struct glass_device *d = &l->devices[i];
		char field[40];
		snprintf(field, sizeof(field), "linux.devices[%zu]", i);
		if (d->path && (!strcmp(d->path, "/dev/mem") || !strcmp(d->path, "/dev/kmem") ||
		                !strcmp(d->path, "/dev/port") ||
		                (d->type == 'c' && d->major == 1 &&
		                 (d->minor == 1 || d->minor == 2 || d->minor == 4))))
			add(r, GLASS_AUDIT_CRITICAL, "devices", "privileged-device", field,
			    "remove the device",
			    "%s (c %lld:%lld) exposes physical or kernel memory", d->path,
			    (long long)d->major, (long long)d->minor);
		else if (d->type == 'b')
			add(r, GLASS_AUDIT_HIGH, "devices", "block-device", field,
			    "give the container a filesystem (bind mount), not the block device",
			    "block device %s (b %lld:%lld): raw access to a disk bypasses every "
			    "file "
			    "permission",
			    d->path ? d->path : "?", (long long)d->major, (long long)d->minor);
	}
	for (size_t i = 0; i < l->resources.ndevices; i++) {
		const struct glass_device_rule *d = &l->resources.devices[i];
		char field[48];
		bool wildcard = (d->type == 0 || d->type == 'a') && d->major < 0 && d->minor < 0;
		snprintf(field, sizeof(field), "linux.resources.devices[%zu]", i);
		if (i == 0 && !d->allow && wildcard)
			deny_all_first = true;
		if (d->allow && wildcard)
			add(r, GLASS_AUDIT_HIGH, "devices", "devices-allow-all", field,
			    "deny all devices first ({\"allow\": false, \"access\": \"rwm\"}) and "
			    "allow "
			    "only the needed ones",
			    "the device cgroup allows every device (%s): with CAP_MKNOD the "
			    "container "
			    "can create and open the host's disks",
			    d->access ? d->access : "rwm");
		else if (d->allow && d->type == 'b')
			add(r, GLASS_AUDIT_HIGH, "devices", "devices-allow-block", field,
			    "do not allow block devices",
			    "the device cgroup allows block device %lld:%lld", (long long)d->major,
			    (long long)d->minor);
	}
	if (deny_all_first)
		add(r, GLASS_AUDIT_OK, "devices", "devices-deny-default", "linux.resources.devices",
		    NULL, "device cgroup denies every device not explicitly allowed");
	else if (!l->resources.ndevices)
		add(r, mknod ? GLASS_AUDIT_MEDIUM : GLASS_AUDIT_LOW, "devices", "no-device-policy",
		    "linux.resources.devices",
		    "write the device policy: {\"allow\": false, \"access\": \"rwm\"} first, "
		    "then the devices the workload needs",
		    "no device policy: glass and runc deny all but the standard devices, but the "
		    "config relies on the runtime for it (a runtime that leaves the device cgroup "
		    "open lets a process%s create and open the host's disks)",
		    mknod ? " with CAP_MKNOD, as this one has," : " with CAP_MKNOD");
}

/* ---- masked and read-only paths ---- */

static bool listed(char **v, size_t n, const char *p)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], p))
			return true;
	return false;
}

static void audit_paths(const struct glass_spec *s, struct glass_audit_report *r)
{
	static const char *const masked[] = {
	    "/proc/kcore",       "/proc/keys",          "/proc/timer_list",
	    "/proc/sched_debug", "/proc/latency_stats", "/proc/acpi",
	    "/proc/scsi",        "/sys/firmware",       NULL};
	static const char *const readonly[] = {
	    "/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs", NULL};
	const struct glass_linux *l = &s->linux_;
	struct strbuf miss = STRBUF_INIT, rmiss = STRBUF_INIT;
	cleanup_free char *m = NULL;
	cleanup_free char *rm = NULL;
	size_t nm = 0, nr = 0;
	if (!l->ns[GLASS_NS_MOUNT].present)
		return; /* already critical: the host's /proc is the container's */
	for (size_t i = 0; masked[i]; i++)
		if (!listed(l->masked_paths, l->nmasked_paths, masked[i])) {
			strbuf_printf(&miss, "%s%s", nm++ ? ", " : "", masked[i]);
		}
	for (size_t i = 0; readonly[i]; i++)
		if (!listed(l->readonly_paths, l->nreadonly_paths, readonly[i]) &&
		    !listed(l->masked_paths, l->nmasked_paths, readonly[i]))
			strbuf_printf(&rmiss, "%s%s", nr++ ? ", " : "", readonly[i]);
	m = strbuf_steal(&miss);
	rm = strbuf_steal(&rmiss);
	if (nm)
		add(r, nm > 4 ? GLASS_AUDIT_MEDIUM : GLASS_AUDIT_LOW, "masked paths",
		    "masked-paths-removed", "linux.maskedPaths",
		    "restore the standard maskedPaths (glass-runtime spec lists them)",
		    "not masked: %s (kernel memory, keyrings, timers and firmware leak host data)",
		    m);
	else
		add(r, GLASS_AUDIT_OK, "masked paths", "masked-paths", "linux.maskedPaths", NULL,
		    "%zu sensitive /proc and /sys paths masked", l->nmasked_paths);
	if (nr)
		add(r, GLASS_AUDIT_MEDIUM, "masked paths", "readonly-paths-removed",
		    "linux.readonlyPaths", "restore the standard readonlyPaths",
		    "not read-only: %s (with CAP_SYS_ADMIN or as root in a shared namespace these "
		    "change the host kernel: sysrq, core_pattern, irq affinity)",
		    rm);
	else
		add(r, GLASS_AUDIT_OK, "masked paths", "readonly-paths", "linux.readonlyPaths",
		    NULL,
		    "/proc/sys, /proc/sysrq-trigger and the other kernel knobs are read-only");
}

/* ---- network ---- */

static void audit_network(const struct glass_spec *s, struct glass_audit_report *r)
{
	const struct glass_namespace *n = &s->linux_.ns[GLASS_NS_NET];
	bool shared =
	    !n->present ||
	    (n->path && (!strncmp(n->path, "/proc/1/", 8) || !strncmp(n->path, "/proc/self/", 11)));
	if (shared)
		add(r, GLASS_AUDIT_HIGH, "network", "cloud-metadata-reachable", "linux.namespaces",
		    "give the container its own network namespace, or block 169.254.169.254 for it",
		    "the network namespace is the host's, so the cloud metadata service at "
		    "169.254.169.254 (instance credentials, user data) is reachable from the "
		    "container (judged from the config; nothing was sent)");
	else
		add(r, GLASS_AUDIT_OK, "network", "network-namespace", "linux.namespaces", NULL,
		    "own network namespace: only the interfaces given to it%s",
		    s->linux_.nnet_devices ? " (plus linux.netDevices)" : "");
}

/* ---- sysctl ---- */

static void audit_sysctl(const struct glass_spec *s, struct glass_audit_report *r)
{
	/* Namespaced sysctls (what runc accepts): kernel.shm*, kernel.msg*,
	 * kernel.sem, fs.mqueue.* (ipc), kernel.hostname/domainname (uts),
	 * net.* (network).  Everything else is global to the host. */
	static const char *const ipc[] = {
	    "kernel.msgmax", "kernel.msgmnb",          "kernel.msgmni",
	    "kernel.sem",    "kernel.shmall",          "kernel.shmmax",
	    "kernel.shmmni", "kernel.shm_rmid_forced", NULL};
	const struct glass_linux *l = &s->linux_;
	for (size_t i = 0; i < l->nsysctl; i++) {
		const char *k = l->sysctl[i].key;
		cleanup_free char *field = xasprintf("linux.sysctl.%s", k);
		bool ok = false;
		for (size_t j = 0; ipc[j]; j++)
			if (!strcmp(k, ipc[j]))
				ok = l->ns[GLASS_NS_IPC].present;
		if (!strncmp(k, "fs.mqueue.", 10))
			ok = l->ns[GLASS_NS_IPC].present;
		if (!strcmp(k, "kernel.hostname") || !strcmp(k, "kernel.domainname"))
			ok = l->ns[GLASS_NS_UTS].present;
		if (!strncmp(k, "net.", 4)) {
			ok = l->ns[GLASS_NS_NET].present;
			if (!ok) {
				add(r, GLASS_AUDIT_HIGH, "sysctl", "sysctl-host-network", field,
				    "give the container its own network namespace",
				    "%s changes the host's network stack (no network namespace)",
				    k);
				continue;
			}
		}
		if (ok)
			continue;
		if (!strcmp(k, "kernel.core_pattern") || !strcmp(k, "kernel.modprobe") ||
		    !strncmp(k, "kernel.usermodehelper", 21) || !strcmp(k, "fs.binfmt_misc"))
			add(r, GLASS_AUDIT_CRITICAL, "sysctl", "sysctl-host-exec", field,
			    "remove the sysctl",
			    "%s names a program the host kernel runs as root: a direct host escape",
			    k);
		else
			add(r, GLASS_AUDIT_HIGH, "sysctl", "sysctl-global", field,
			    "set host-wide sysctls on the host, not from a container config",
			    "%s is not namespaced: it changes the whole host", k);
	}
}

/* ---- resources ---- */

static void audit_resources(const struct glass_spec *s, struct glass_audit_report *r)
{
	const struct glass_resources *res = &s->linux_.resources;
	if (!res->pids.has_limit)
		add(r, GLASS_AUDIT_LOW, "cgroups", "no-pids-limit", "linux.resources.pids.limit",
		    "set linux.resources.pids.limit",
		    "no pids limit: a fork bomb in the container exhausts the host's pid space");
	if (!res->memory.has_limit)
		add(r, GLASS_AUDIT_LOW, "cgroups", "no-memory-limit",
		    "linux.resources.memory.limit", "set linux.resources.memory.limit",
		    "no memory limit: the container can push the host into the OOM killer");
}

/* ---- hooks ---- */

static void audit_hooks(const struct glass_spec *s, struct glass_audit_report *r)
{
	static const char *const kinds[] = {"prestart",       "createRuntime", "createContainer",
	                                    "startContainer", "poststart",     "poststop"};
	for (int k = 0; k < GLASS_HOOK_COUNT; k++)
		for (size_t i = 0; i < s->nhooks[k]; i++) {
			cleanup_free char *field = xasprintf("hooks.%s[%zu].path", kinds[k], i);
			if (k == GLASS_HOOK_CREATE_CONTAINER || k == GLASS_HOOK_START_CONTAINER)
				continue;
			add(r, GLASS_AUDIT_INFO, "hooks", "host-hook", field,
			    "make sure the hook binary is trusted and not writable by the "
			    "container",
			    "%s runs on the host as the runtime's user, outside every container "
			    "layer",
			    s->hooks[k][i].path);
		}
}

struct glass_audit_report *glass_audit_spec(const struct glass_spec *spec)
{
	struct glass_audit_report *r = xcalloc(1, sizeof(*r));
	audit_namespaces(spec, r);
	audit_userns(spec, r);
	audit_caps(spec, r);
	audit_seccomp(spec, r);
	audit_process(spec, r);
	audit_lsm(spec, r);
	audit_mounts(spec, r);
	audit_devices(spec, r);
	audit_paths(spec, r);
	audit_network(spec, r);
	audit_sysctl(spec, r);
	audit_resources(spec, r);
	audit_hooks(spec, r);
	return r;
}

enum glass_audit_severity glass_audit_max(const struct glass_audit_report *r)
{
	enum glass_audit_severity m = GLASS_AUDIT_OK;
	for (size_t i = 0; r && i < r->n; i++)
		if (r->findings[i].severity > m)
			m = r->findings[i].severity;
	return m;
}

size_t glass_audit_count(const struct glass_audit_report *r, enum glass_audit_severity min)
{
	size_t n = 0;
	for (size_t i = 0; r && i < r->n; i++)
		if (r->findings[i].severity >= min && r->findings[i].severity != GLASS_AUDIT_OK)
			n++;
	return n;
}

char *glass_audit_report_text(const struct glass_audit_report *r, const char *config, int color)
{
	static const char *const colors[] = {"\033[32m", "\033[36m", "\033[34m",
	                                     "\033[33m", "\033[31m", "\033[1;31m"};
	struct strbuf b = STRBUF_INIT;
	const char *layer = NULL;
	strbuf_printf(&b, "audit of %s\n", config ? config : "config.json");
	for (size_t i = 0; i < r->n; i++) {
		const struct glass_audit_finding *f = &r->findings[i];
		const char *sev = glass_audit_severity_name(f->severity);
		if (!layer || strcmp(layer, f->layer) != 0) {
			layer = f->layer;
			strbuf_printf(&b, "\n%s\n", layer);
		}
		strbuf_printf(&b, "  %s%-8s%s %s", color ? colors[f->severity] : "", sev,
		              color ? "\033[0m" : "", f->risk);
		if (f->severity != GLASS_AUDIT_OK)
			strbuf_printf(&b, "\n           field: %s [%s]\n           fix:   %s",
			              f->field, f->id, f->fix ? f->fix : "-");
		strbuf_printf(&b, "\n");
	}
	strbuf_printf(
	    &b, "\nsummary: %zu critical, %zu high, %zu medium, %zu low, %zu info\n",
	    glass_audit_count(r, GLASS_AUDIT_CRITICAL),
	    glass_audit_count(r, GLASS_AUDIT_HIGH) - glass_audit_count(r, GLASS_AUDIT_CRITICAL),
	    glass_audit_count(r, GLASS_AUDIT_MEDIUM) - glass_audit_count(r, GLASS_AUDIT_HIGH),
	    glass_audit_count(r, GLASS_AUDIT_LOW) - glass_audit_count(r, GLASS_AUDIT_MEDIUM),
	    glass_audit_count(r, GLASS_AUDIT_INFO) - glass_audit_count(r, GLASS_AUDIT_LOW));
	return strbuf_steal(&b);
}

char *glass_audit_report_json(const struct glass_audit_report *r, const char *config)
{
	json_object *o = json_object_new_object();
	json_object *arr = json_object_new_array();
	json_object *sum = json_object_new_object();
	char *out;
	json_object_object_add(o, "config",
	                       json_object_new_string(config ? config : "config.json"));
	for (int s = GLASS_AUDIT_INFO; s <= GLASS_AUDIT_CRITICAL; s++)
		json_object_object_add(
		    sum, glass_audit_severity_name((enum glass_audit_severity)s),
		    json_object_new_int(
		        (int)(glass_audit_count(r, (enum glass_audit_severity)s) -
		              (s < GLASS_AUDIT_CRITICAL
		                   ? glass_audit_count(r, (enum glass_audit_severity)(s + 1))
		                   : 0))));
	json_object_object_add(
	    sum, "max", json_object_new_string(glass_audit_severity_name(glass_audit_max(r))));
	json_object_object_add(o, "summary", sum);
	for (size_t i = 0; i < r->n; i++) {
		const struct glass_audit_finding *f = &r->findings[i];
		json_object *j = json_object_new_object();
		json_object_object_add(
		    j, "severity", json_object_new_string(glass_audit_severity_name(f->severity)));
		json_object_object_add(j, "layer", json_object_new_string(f->layer));
		json_object_object_add(j, "id", json_object_new_string(f->id));
		json_object_object_add(j, "field", json_object_new_string(f->field));
		json_object_object_add(j, "risk", json_object_new_string(f->risk));
		if (f->fix)
			json_object_object_add(j, "fix", json_object_new_string(f->fix));
		json_object_array_add(arr, j);
	}
	json_object_object_add(o, "findings", arr);
	out = xasprintf("%s\n", json_object_to_json_string_ext(
	                            o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	                                   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}

void glass_audit_free(struct glass_audit_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->findings[i].id);
		free(r->findings[i].field);
		free(r->findings[i].risk);
		free(r->findings[i].fix);
	}
	free(r->findings);
	free(r);
}

/* doctor: see doctor.h. */
#include "doctor.h"
#include "idmapped.h"
#include "spec.h"
#include "sys.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

struct check {
	const char *id, *title, *lessons;
	const char *status; /* "ok", "partial", "missing" */
	char *test, *result;
	const char *missing, *fix;
};

static void add(json_object *arr, struct check *c)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(c->id));
	json_object_object_add(o, "title", json_object_new_string(c->title));
	json_object_object_add(o, "status", json_object_new_string(c->status));
	json_object_object_add(o, "test", json_object_new_string(c->test ? c->test : ""));
	json_object_object_add(o, "result", json_object_new_string(c->result ? c->result : ""));
	json_object_object_add(o, "lessons", json_object_new_string(c->lessons));
	if (strcmp(c->status, "ok") != 0) {
		json_object_object_add(o, "missing", json_object_new_string(c->missing));
		json_object_object_add(o, "fix", json_object_new_string(c->fix));
	}
	json_object_array_add(arr, o);
	free(c->test);
	free(c->result);
}

static char *trim(char *s)
{
	if (s)
		s[strcspn(s, "\n")] = '\0';
	return s;
}

/* Runs fn in a child that exits with fn's errno (0: it worked), so the
 * namespaces and mounts it makes vanish with it. */
static int in_child(int (*fn)(void *), void *arg)
{
	pid_t c = fork();
	if (c < 0)
		return errno;
	if (c == 0)
		_exit(fn(arg) < 0 ? (errno ? errno : EIO) : 0);
	int st = 0;
	while (waitpid(c, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : EIO;
}

/* A traced call's result for in_child(): -1 with errno from the error. */
static int traced(int rc, struct glass_err **err)
{
	if (rc < 0)
		errno = *err ? (*err)->errnum : EIO;
	glass_err_free(err);
	return rc < 0 ? -1 : 0;
}

static int do_unshare(void *flags)
{
	struct glass_err *err = NULL;
	return traced(glass_sys_unshare(*(int *)flags, "doctor", &err), &err);
}

static const char *errtext(int e)
{
	return e ? strerrorname_np(e) : "ok";
}

/* ---- cgroups and PSI ---- */

static void check_cgroups(json_object *arr)
{
	struct check c = {
	    .id = "cgroups", .title = "cgroups", .lessons = "3 · cgroups under pressure"};
	struct statfs sf;
	bool root2 = statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
	bool uni = !root2 && statfs("/sys/fs/cgroup/unified", &sf) == 0 &&
	           sf.f_type == CGROUP2_SUPER_MAGIC;
	const char *v2dir = root2 ? "/sys/fs/cgroup" : uni ? "/sys/fs/cgroup/unified" : NULL;
	cleanup_free char *ctl_path = v2dir ? xasprintf("%s/cgroup.controllers", v2dir) : NULL;
	cleanup_free char *v2ctl = ctl_path ? trim(read_file_at(AT_FDCWD, ctl_path, NULL)) : NULL;
	/* /proc/cgroups: a controller with a hierarchy id is mounted on v1. */
	struct strbuf v1 = STRBUF_INIT;
	FILE *f = fopen("/proc/cgroups", "re");
	char line[256], name[64];
	int hier, num, en;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %d %d %d", name, &hier, &num, &en) == 4 && hier > 0 && en)
			strbuf_printf(&v1, "%s%s", v1.len ? " " : "", name);
	if (f)
		fclose(f);
	cleanup_free char *v1s = strbuf_steal(&v1);
	c.test =
	    xstrdup("statfs(/sys/fs/cgroup) and /sys/fs/cgroup/unified for CGROUP2_SUPER_MAGIC; "
	            "cgroup.controllers of the v2 root; /proc/cgroups for v1 hierarchies");
	c.result = xasprintf("%s; v1 controllers: %s; v2%s%s: %s",
	                     root2 ? "cgroup v2 (unified)"
	                     : uni ? "hybrid (v1 + v2)"
	                           : "cgroup v1",
	                     v1s[0] ? v1s : "none", v2dir ? " at " : "", v2dir ? v2dir : "",
	                     v2dir ? (v2ctl && v2ctl[0] ? v2ctl : "no controllers") : "absent");
	bool mem = strstr(v1s, "memory") || (v2ctl && strstr(v2ctl, "memory"));
	bool pids = strstr(v1s, "pids") || (v2ctl && strstr(v2ctl, "pids"));
	bool cpu = strstr(v1s, "cpu") || (v2ctl && strstr(v2ctl, "cpu"));
	c.status = mem && pids && cpu ? (root2 ? "ok" : "partial") : "missing";
	c.missing = root2 ? "limits on a controller this host lacks (memory, cpu or pids)"
	                  : "the v2-only files (memory.high, memory.events, cgroup.kill, "
	                    "PSI per cgroup) where the controller sits on v1: the lab shows the "
	                    "v1 file instead";
	c.fix = "boot with systemd.unified_cgroup_hierarchy=1 (or cgroup_no_v1=all) for a "
	        "unified hierarchy with every controller";
	add(arr, &c);
}

static void check_psi(json_object *arr)
{
	struct check c = {.id = "psi",
	                  .title = "pressure stall information (PSI)",
	                  .lessons = "3 · cgroups under pressure (PSI graph)"};
	errno = 0;
	cleanup_free char *s = trim(read_file_at(AT_FDCWD, "/proc/pressure/memory", NULL));
	int e = s ? 0 : errno;
	c.test = xstrdup("read /proc/pressure/memory");
	c.result = s ? xasprintf("%s", s) : xasprintf("%s (%s)", strerrorname_np(e), strerror(e));
	c.status = s ? "ok" : "missing";
	c.missing = "the some/full stall percentages beside the memory and CPU graphs";
	c.fix = e == EOPNOTSUPP ? "PSI is built in but off: boot with psi=1"
	                        : "a kernel built with CONFIG_PSI=y";
	add(arr, &c);
}

/* ---- namespaces ---- */

/* The fork probe of a namespace type: unshare(flag) in a child that exits
 * at once, so the namespace vanishes with it.  Sets c's test, result and
 * status; `more_test`/`more_result` say what else was read.  Returns the
 * errno, 0 when it worked. */
static int probe_unshare(struct check *c, int flag, const char *flagname, const char *more_test,
                         const char *more_result)
{
	int e = in_child(do_unshare, &flag);
	c->test = xasprintf("unshare(%s) in a child that exits at once%s", flagname, more_test);
	c->result =
	    xasprintf("%s%s%s%s", errtext(e), e ? ": " : "", e ? strerror(e) : "", more_result);
	c->status = e ? "missing" : "ok";
	return e;
}

static void check_ns(json_object *arr, const char *id, const char *title, int flag,
                     const char *flagname, const char *lessons, const char *missing)
{
	struct check c = {.id = id, .title = title, .lessons = lessons, .missing = missing};
	int e = probe_unshare(&c, flag, flagname, "", "");
	c.fix = e == EINVAL ? "a kernel built with this namespace type (CONFIG_*_NS=y)"
	                    : "run the lab as root on the host (not in a restricted container)";
	add(arr, &c);
}

static void check_userns(json_object *arr)
{
	struct check c = {.id = "userns",
	                  .title = "user namespaces",
	                  .lessons = "1 · namespaces (user), 2 · walk-through (user), "
	                             "7 · security (the user-namespace column)"};
	cleanup_free char *max =
	    trim(read_file_at(AT_FDCWD, "/proc/sys/user/max_user_namespaces", NULL));
	cleanup_free char *deb =
	    trim(read_file_at(AT_FDCWD, "/proc/sys/kernel/unprivileged_userns_clone", NULL));
	cleanup_free char *facts =
	    xasprintf("; max_user_namespaces = %s%s%s", max ? max : "?",
	              deb ? "; unprivileged_userns_clone = " : "", deb ? deb : "");
	probe_unshare(&c, CLONE_NEWUSER, "CLONE_NEWUSER",
	              "; read /proc/sys/user/max_user_namespaces (and Debian's "
	              "kernel.unprivileged_userns_clone)",
	              facts);
	c.missing = "containers whose root is an ordinary uid on the host, and the user-namespace "
	            "column of the attack matrix";
	c.fix = max && atol(max) == 0 ? "sysctl -w user.max_user_namespaces=15000"
	                              : "a kernel built with CONFIG_USER_NS=y";
	add(arr, &c);
}

/* ---- overlayfs ---- */

struct ov_try {
	const char *dir, *opts;
	bool idmap; /* an idmapped bind of the lower directory instead */
};

static int ov_mount(void *arg)
{
	struct ov_try *t = arg;
	char data[1024];
	struct glass_err *err = NULL;
	if (traced(glass_sys_unshare(CLONE_NEWNS, "doctor", &err), &err) < 0 ||
	    traced(glass_sys_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, "doctor", &err),
	           &err) < 0)
		return -1;
	snprintf(data, sizeof(data), "lowerdir=%s/l,upperdir=%s/u,workdir=%s/w%s%s", t->dir, t->dir,
	         t->dir, t->opts[0] ? "," : "", t->opts);
	cleanup_free char *merged = xasprintf("%s/m", t->dir);
	cleanup_free char *lower = xasprintf("%s/l", t->dir);
	if (!t->idmap)
		return traced(
		    glass_sys_mount("overlay", merged, "overlay", 0, data, "doctor", &err), &err);
	/* An idmapped bind of the directory the layers live on: what glass
	 * does for an idmapped volume or layer. */
	static const struct glass_idmap map = {0, 100000, 65536};
	int ns = glass_idmapped_userns(&map, 1, &map, 1, "doctor", &err);
	if (traced(ns, &err) < 0)
		return -1;
	int tree = (int)GLASS_SYS(
	    &err, "open_tree", "doctor",
	    syscall(SYS_open_tree, AT_FDCWD, lower, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC),
	    "%s, OPEN_TREE_CLONE", lower);
	if (traced(tree, &err) < 0)
		return -1;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (__u64)ns};
	return traced(
	    (int)GLASS_SYS(&err, "mount_setattr", "doctor",
	                   syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)),
	                   "%d, MOUNT_ATTR_IDMAP, userns %d", tree, ns),
	    &err);
}

static void check_overlay(json_object *arr)
{
	struct check c = {
	    .id = "overlayfs", .title = "overlayfs", .lessons = "4 · overlay: layers live"};
	static const struct {
		const char *name, *opts;
		bool idmap;
	} tries[] = {{"overlay", "", false},
	             {"redirect_dir", "redirect_dir=on", false},
	             {"index", "index=on", false},
	             {"idmapped bind of /var/tmp", "", true}};
	char dir[] = "/var/tmp/glass-doctor-XXXXXX";
	struct strbuf b = STRBUF_INIT;
	int errs[4] = {0};
	if (geteuid() != 0 || !mkdtemp(dir)) {
		c.test = xstrdup("mount overlay in a child's mount namespace");
		c.result = xstrdup(geteuid() ? "not tested: needs root" : "mkdtemp failed");
		c.status = "missing";
		c.missing = "every overlay lesson";
		c.fix = "run glass doctor as root";
		return add(arr, &c);
	}
	for (const char *s = "lumw"; *s; s++) {
		cleanup_free char *p = xasprintf("%s/%c", dir, *s);
		mkdir(p, 0755);
	}
	for (size_t i = 0; i < 4; i++) {
		struct ov_try t = {dir, tries[i].opts, tries[i].idmap};
		errs[i] = in_child(ov_mount, &t);
		strbuf_printf(&b, "%s%s: %s", i ? "; " : "", tries[i].name, errtext(errs[i]));
	}
	glass_rm_rf_at(AT_FDCWD, dir); /* the work directory's work/ and index/ too */
	c.test = xstrdup("in a child's own mount namespace: mount overlay (lower, upper, work) "
	                 "plain, with redirect_dir=on, with index=on; open_tree(OPEN_TREE_CLONE) + "
	                 "mount_setattr(MOUNT_ATTR_IDMAP) of the layers' directory");
	c.result = strbuf_steal(&b);
	c.status = errs[0] ? "missing" : errs[1] || errs[2] || errs[3] ? "partial" : "ok";
	c.missing = errs[0] ? "every overlay lesson (copy_up, whiteouts, opaque directories)"
	                    : "redirect_dir=on (a renamed lower directory), index=on (hard links "
	                      "kept together) or idmapped mounts, where marked above";
	c.fix = "a kernel with CONFIG_OVERLAY_FS (5.19 or later for idmapped overlay mounts), "
	        "and an upper directory on a filesystem with trusted.* xattrs (ext4, xfs, tmpfs)";
	add(arr, &c);
}

/* ---- seccomp ---- */

static void check_seccomp(json_object *arr)
{
	struct check c = {.id = "seccomp",
	                  .title = "seccomp",
	                  .lessons = "2 · walk-through (the filter load), 7 · security (the "
	                             "seccomp layer)"};
	static const struct {
		const char *name;
		unsigned v;
	} actions[] = {{"kill_process", SECCOMP_RET_KILL_PROCESS},
	               {"kill_thread", SECCOMP_RET_KILL_THREAD},
	               {"trap", SECCOMP_RET_TRAP},
	               {"errno", SECCOMP_RET_ERRNO},
	               {"user_notif", SECCOMP_RET_USER_NOTIF},
	               {"trace", SECCOMP_RET_TRACE},
	               {"log", SECCOMP_RET_LOG},
	               {"allow", SECCOMP_RET_ALLOW}},
	  flags[] = {{"tsync", 1},        {"log", 2},          {"spec_allow", 4},
	             {"new_listener", 8}, {"tsync_esrch", 16}, {"wait_killable_recv", 32}};
	struct strbuf b = STRBUF_INIT;
	int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	int e = mode < 0 ? errno : 0;
	strbuf_printf(&b, "PR_GET_SECCOMP = %s; actions:", e ? strerrorname_np(e) : "ok");
	bool notif = false;
	for (size_t i = 0; !e && i < sizeof(actions) / sizeof(actions[0]); i++) {
		uint32_t a = actions[i].v;
		bool ok = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &a) == 0;
		strbuf_printf(&b, " %s%s", ok ? "" : "!", actions[i].name);
		notif |= ok && actions[i].v == SECCOMP_RET_USER_NOTIF;
	}
	strbuf_printf(&b, "; filter flags:");
	/* A NULL program: the kernel rejects an unknown flag with EINVAL
	 * before it copies the program (EFAULT), so EFAULT means "known". */
	for (size_t i = 0; !e && i < sizeof(flags) / sizeof(flags[0]); i++) {
		long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags[i].v, NULL);
		strbuf_printf(&b, " %s%s", r < 0 && errno == EFAULT ? "" : "!", flags[i].name);
	}
	c.test = xstrdup("prctl(PR_GET_SECCOMP); seccomp(SECCOMP_GET_ACTION_AVAIL) per action; "
	                 "seccomp(SECCOMP_SET_MODE_FILTER, FLAG, NULL) per flag (EFAULT = known, "
	                 "nothing loaded); '!' marks what is missing");
	c.result = strbuf_steal(&b);
	c.status = e ? "missing" : notif ? "ok" : "partial";
	c.missing = e ? "every seccomp filter: the seccomp layer of the security experiment"
	              : "SECCOMP_RET_USER_NOTIF (seccomp agents, linux.seccomp.listenerPath)";
	c.fix = "a kernel built with CONFIG_SECCOMP_FILTER=y (5.0 or later for user notification)";
	add(arr, &c);
}

/* ---- LSMs ---- */

static void check_lsm(json_object *arr)
{
	struct check c = {.id = "lsm",
	                  .title = "Linux security modules",
	                  .lessons = "7 · security (an LSM layer)"};
	struct strbuf b = STRBUF_INIT;
	cleanup_free char *list = trim(read_file_at(AT_FDCWD, "/sys/kernel/security/lsm", NULL));
	cleanup_free char *aa =
	    trim(read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", NULL));
	cleanup_free char *yama =
	    trim(read_file_at(AT_FDCWD, "/proc/sys/kernel/yama/ptrace_scope", NULL));
	bool selinux = access("/sys/fs/selinux/enforce", F_OK) == 0;
	/* landlock_create_ruleset(NULL, 0, VERSION) returns the ABI version. */
	long ll = syscall(SYS_landlock_create_ruleset, NULL, 0, 1u);
	strbuf_printf(&b, "lsm list: %s", list ? list : "unreadable (securityfs not mounted)");
	strbuf_printf(&b, "; AppArmor: %s", aa && aa[0] == 'Y' ? "enabled" : "no");
	strbuf_printf(&b, "; SELinux: %s", selinux ? "enabled" : "no");
	strbuf_printf(&b, "; Yama ptrace_scope: %s", yama ? yama : "no");
	if (ll > 0)
		strbuf_printf(&b, "; Landlock ABI %ld", ll);
	else
		strbuf_printf(&b, "; Landlock: no");
	bool confining = (aa && aa[0] == 'Y') || selinux;
	c.test = xstrdup("read /sys/kernel/security/lsm, /sys/module/apparmor/parameters/enabled, "
	                 "/sys/fs/selinux/enforce, /proc/sys/kernel/yama/ptrace_scope; "
	                 "landlock_create_ruleset(VERSION)");
	c.result = strbuf_steal(&b);
	c.status = confining ? "ok" : "missing";
	c.missing = "an LSM layer in the attack matrix: with no AppArmor or SELinux, no profile "
	            "confines a container, and no refusal can come from one";
	c.fix = "boot a kernel with lsm=...,apparmor (and the apparmor package) or SELinux "
	        "enforcing";
	add(arr, &c);
}

/* ---- CNI plugins ---- */

const char *glass_cni_path(void)
{
	const char *p = getenv("GLASS_CNI_PATH");
	return p && *p ? p : "/usr/lib/cni:/opt/cni/bin";
}

/* The first directory of the engine's CNI path that holds `plugin`. */
static char *cni_find(const char *plugin)
{
	cleanup_free char *dirs = xstrdup(glass_cni_path());
	char *save = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		cleanup_free char *p = xasprintf("%s/%s", d, plugin);
		if (access(p, X_OK) == 0)
			return xstrdup(d);
	}
	return NULL;
}

static void check_cni(json_object *arr)
{
	struct check c = {
	    .id = "cni", .title = "CNI plugins", .lessons = "8 · the network, hop by hop"};
	static const char *const want[] = {"bridge", "host-local", "portmap", "firewall",
	                                   "loopback"};
	struct strbuf b = STRBUF_INIT;
	size_t found = 0;
	for (size_t i = 0; i < 5; i++) {
		cleanup_free char *where = cni_find(want[i]);
		found += where != NULL;
		strbuf_printf(&b, "%s%s: %s", i ? "; " : "", want[i], where ? where : "missing");
	}
	c.test = xasprintf("access(X_OK) of each plugin in the engine's CNI path (%s)",
	                   glass_cni_path());
	c.result = strbuf_steal(&b);
	c.status = found == 5 ? "ok" : found ? "partial" : "missing";
	c.missing = "container networks (bridge, addresses, published ports) built by CNI";
	c.fix = "apt-get install containernetworking-plugins (or set GLASS_CNI_PATH to where "
	        "they are)";
	add(arr, &c);
}

/* ---- capabilities ---- */

static void check_caps(json_object *arr)
{
	struct check c = {.id = "capabilities",
	                  .title = "capability bounding set",
	                  .lessons = "7 · security (the privileged column)"};
	cleanup_free char *last_s =
	    trim(read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", NULL));
	int last = last_s ? atoi(last_s) : 40;
	struct strbuf miss = STRBUF_INIT;
	for (int cap = 0; cap <= last; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1) {
			const char *n = glass_cap_name(cap);
			strbuf_printf(&miss, "%s%s", miss.len ? " " : "", n ? n : "?");
		}
	cleanup_free char *m = strbuf_steal(&miss);
	c.test = xasprintf("prctl(PR_CAPBSET_READ) for capabilities 0..%d "
	                   "(/proc/sys/kernel/cap_last_cap)",
	                   last);
	c.result = m[0] ? xasprintf("lacking: %s", m) : xasprintf("all %d capabilities", last + 1);
	c.status = m[0] ? "partial" : "ok";
	c.missing = "the missing capabilities in any container (a child's bounding set is at most "
	            "its parent's): the privileged column runs without them";
	c.fix = "run glass from a process whose bounding set is full (the host's root, not a "
	        "container started with --cap-drop)";
	add(arr, &c);
}

char *glass_doctor_report_json(void)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	struct utsname u;
	uname(&u);
	json_object_object_add(o, "kernel", json_object_new_string(u.release));
	json_object_object_add(o, "euid", json_object_new_int((int)geteuid()));
	check_cgroups(arr);
	check_psi(arr);
	check_userns(arr);
	check_ns(arr, "pidns", "PID namespaces", CLONE_NEWPID, "CLONE_NEWPID",
	         "1 · namespaces (pid), every container's own pid 1", "a container's own pid 1");
	check_ns(arr, "timens", "time namespaces", CLONE_NEWTIME, "CLONE_NEWTIME",
	         "1 · namespaces (time)", "clocks with offsets (CLOCK_MONOTONIC moved by a day)");
	check_overlay(arr);
	check_seccomp(arr);
	check_lsm(arr);
	check_cni(arr);
	check_caps(arr);
	json_object_object_add(o, "checks", arr);
	char *s = xstrdup(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static const char *field(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

char *glass_doctor_report_text(const char *json, int color)
{
	json_object *o = json_tokener_parse(json), *arr;
	struct strbuf b = STRBUF_INIT;
	strbuf_printf(&b, "glass doctor: what this host (kernel %s) can show\n\n",
	              field(o, "kernel"));
	if (o && json_object_object_get_ex(o, "checks", &arr))
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *c = json_object_array_get_idx(arr, i);
			const char *st = field(c, "status");
			const char *col = !color                   ? ""
			                  : !strcmp(st, "ok")      ? "\033[32m"
			                  : !strcmp(st, "partial") ? "\033[33m"
			                                           : "\033[31m";
			strbuf_printf(&b, "%s%-8s%s %s\n", col, st, color ? "\033[0m" : "",
			              field(c, "title"));
			strbuf_printf(&b, "         result:  %s\n", field(c, "result"));
			strbuf_printf(&b, "         test:    %s\n", field(c, "test"));
			strbuf_printf(&b, "         lessons: %s\n", field(c, "lessons"));
			if (strcmp(st, "ok") != 0) {
				strbuf_printf(&b, "         without it, you will not see: %s\n",
				              field(c, "missing"));
				strbuf_printf(&b, "         to get it: %s\n", field(c, "fix"));
			}
		}
	json_object_put(o);
	return strbuf_steal(&b);
}

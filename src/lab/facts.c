/* lab facts: what the kernel says about a process, read just now.
 *
 * Everything the lab shows comes from here or from the probe inside a
 * container (DESIGN.md, principle 7): the links in /proc/PID/ns/ name each
 * namespace by the inode of its nsfs file, so two processes share a
 * namespace exactly when the numbers are equal; /proc/PID/status holds
 * the capability sets, no_new_privs and the seccomp mode; mountinfo is
 * the mount table of PID's mount namespace.  A process's hostname is
 * per UTS namespace and /proc does not show another one's, so that one
 * fact is read by a short-lived child that joins the UTS namespace.
 */
#include "doctor.h"
#include "lab.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

struct lab_paths lab_paths;

static const char *const ns_files[] = {
    "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children",
    "user",   "uts"};

char *lab_read_text(const char *path)
{
	return read_file_at(AT_FDCWD, path, NULL);
}

json_object *lab_facts_ns(pid_t pid)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < sizeof(ns_files) / sizeof(ns_files[0]); i++) {
		char path[96], link[128];
		if (pid == 0)
			snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_files[i]);
		else
			snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns_files[i]);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		char *lb = strchr(link, '[');
		json_object_object_add(o, ns_files[i],
		                       json_object_new_int64(lb ? strtoll(lb + 1, NULL, 10) : 0));
	}
	return o;
}

json_object *lab_facts_status(pid_t pid)
{
	static const char *const keys[] = {
	    "Name",   "PPid",   "Uid",    "Gid",        "NSpid",   "CapInh",         "CapPrm",
	    "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters"};
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	cleanup_free char *s = lab_read_text(path);
	json_object *o = json_object_new_object();
	for (char *line = s, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (strcmp(line, keys[i]) != 0)
				continue;
			char *v = colon + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			for (char *t = v; *t; t++)
				if (*t == '\t')
					*t = ' ';
			json_object_object_add(o, keys[i], json_object_new_string(v));
		}
		if (!next)
			break;
	}
	return o;
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] && r[3]) {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

json_object *lab_facts_mounts(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
	cleanup_free char *s = lab_read_text(path);
	if (!s)
		return NULL;
	json_object *a = json_object_new_array();
	for (char *line = s, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* id parent maj:min root target opts [optional...] - type source superopts */
		char *f[12] = {0};
		int nf = 0;
		char *save = NULL;
		for (char *t = strtok_r(line, " ", &save); t && nf < 12;
		     t = strtok_r(NULL, " ", &save))
			f[nf++] = t;
		int dash = -1;
		for (int i = 6; i < nf; i++)
			if (strcmp(f[i], "-") == 0) {
				dash = i;
				break;
			}
		if (nf < 6 || dash < 0 || dash + 2 >= nf)
			continue;
		unescape(f[3]);
		unescape(f[4]);
		unescape(f[dash + 2]);
		json_object *m = json_object_new_object();
		json_object_object_add(m, "id", json_object_new_int(atoi(f[0])));
		json_object_object_add(m, "parent", json_object_new_int(atoi(f[1])));
		json_object_object_add(m, "root", json_object_new_string(f[3]));
		json_object_object_add(m, "target", json_object_new_string(f[4]));
		json_object_object_add(m, "options", json_object_new_string(f[5]));
		struct strbuf prop = STRBUF_INIT;
		for (int i = 6; i < dash; i++)
			strbuf_printf(&prop, "%s%s", i > 6 ? " " : "", f[i]);
		char *ps = strbuf_steal(&prop);
		json_object_object_add(m, "propagation",
		                       json_object_new_string(ps[0] ? ps : "private"));
		free(ps);
		json_object_object_add(m, "fstype", json_object_new_string(f[dash + 1]));
		json_object_object_add(m, "source", json_object_new_string(f[dash + 2]));
		json_object_array_add(a, m);
		if (!next)
			break;
	}
	return a;
}

char *lab_facts_hostname(pid_t pid)
{
	char path[64];
	int p[2];
	snprintf(path, sizeof(path), "/proc/%d/ns/uts", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (pipe2(p, O_CLOEXEC) < 0) {
		close(fd);
		return NULL;
	}
	pid_t c = fork();
	if (c == 0) {
		/* Only async-signal-safe calls here: the server has threads. */
		struct utsname u;
		if (glass_sys_setns(fd, CLONE_NEWUTS, path, NULL, NULL) == 0 && uname(&u) == 0)
			(void)!write(p[1], u.nodename, strlen(u.nodename));
		_exit(0);
	}
	close(fd);
	close(p[1]);
	if (c < 0) {
		close(p[0]);
		return NULL;
	}
	char buf[128];
	ssize_t n, at = 0;
	while (at < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(p[0], buf + at, sizeof(buf) - 1 - (size_t)at)) > 0)
		at += n;
	close(p[0]);
	waitpid(c, NULL, 0); /* may be reaped by the janitor first: fine */
	if (at <= 0)
		return NULL;
	buf[at] = '\0';
	return xstrdup(buf);
}

/* ---- where things are ---- */

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int lab_paths_init(pid_t owner, struct glass_err **err)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return glass_err_new(err, errno, "readlink(/proc/self/exe)");
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(lab_paths.exe_dir, sizeof(lab_paths.exe_dir), "%s", exe);
	snprintf(lab_paths.run_dir, sizeof(lab_paths.run_dir), "/run/glass-lab-%d", owner);
	snprintf(lab_paths.disk_dir, sizeof(lab_paths.disk_dir), "/var/tmp/glass-lab-%d", owner);
	/* GLASS_LAB_CGROUP: another parent the caller owns (the tests use
	 * /glass-test-*), one path component. */
	const char *cg = getenv("GLASS_LAB_CGROUP");
	if (cg && cg[0] == '/' && cg[1] && !strchr(cg + 1, '/') && strcmp(cg, "/..") != 0 &&
	    strlen(cg) < sizeof(lab_paths.cgroup))
		snprintf(lab_paths.cgroup, sizeof(lab_paths.cgroup), "%s", cg);
	else
		snprintf(lab_paths.cgroup, sizeof(lab_paths.cgroup), "/glass-lab-%d", owner);

	/* The built-in image: $GLASS_LAB_ROOTFS, BUILD/rootfs beside the
	 * program (build/glass -> build/src/engine/glass), or the installed
	 * copy in PREFIX/share/glass/rootfs. */
	const char *env = getenv("GLASS_LAB_ROOTFS");
	char cand[4][PATH_MAX + 32];
	int nc = 0;
	if (env && env[0])
		snprintf(cand[nc++], sizeof(cand[0]), "%s", env);
	snprintf(cand[nc++], sizeof(cand[0]), "%s/rootfs", exe);
	snprintf(cand[nc++], sizeof(cand[0]), "%s/../../rootfs", exe);
	snprintf(cand[nc++], sizeof(cand[0]), "%s/../share/glass/rootfs", exe);
	for (int i = 0; i < nc; i++) {
		char real[PATH_MAX];
		if (is_dir(cand[i]) && realpath(cand[i], real)) {
			snprintf(lab_paths.rootfs, sizeof(lab_paths.rootfs), "%s", real);
			return 0;
		}
	}
	glass_err_new(err, ENOENT, "the built-in image (looked in %s)", cand[1]);
	return glass_err_hint(err, "run `make` (it builds BUILD/rootfs), or set GLASS_LAB_ROOTFS");
}

static char *doctor_json;

void lab_doctor_init(void)
{
	if (!doctor_json)
		doctor_json = glass_doctor_report_json();
}

bool lab_module_unmet(const struct lab_module *m, char *why, size_t size)
{
	json_object *rep = m && m->needs && doctor_json ? json_tokener_parse(doctor_json) : NULL;
	json_object *checks, *v;
	bool unmet = false;
	if (!rep || !json_object_object_get_ex(rep, "checks", &checks)) {
		json_object_put(rep);
		return false;
	}
	cleanup_free char *needs = xasprintf(" %s ", m->needs);
	for (size_t i = 0; !unmet && i < json_object_array_length(checks); i++) {
		json_object *c = json_object_array_get_idx(checks, i);
		const char *id =
		    json_object_object_get_ex(c, "id", &v) ? json_object_get_string(v) : "";
		cleanup_free char *key = xasprintf(" %s ", id);
		if (!strstr(needs, key) || !json_object_object_get_ex(c, "status", &v) ||
		    strcmp(json_object_get_string(v), "missing") != 0)
			continue;
		unmet = true;
		snprintf(why, size, "this host cannot show %s: %s: %s (%s)", m->title,
		         json_object_get_string(json_object_object_get(c, "title")),
		         json_object_get_string(json_object_object_get(c, "result")),
		         json_object_get_string(json_object_object_get(c, "fix")));
	}
	json_object_put(rep);
	return unmet;
}

/* {"MODULE": "CHECK ..."}: what each experiment needs of the doctor. */
static json_object *module_needs(void)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < lab_nmodules; i++)
		if (lab_modules[i]->needs)
			json_object_object_add(o, lab_modules[i]->id,
			                       json_object_new_string(lab_modules[i]->needs));
	return o;
}

char *lab_host_info_json(void)
{
	json_object *o = json_object_new_object();
	struct utsname u;
	uname(&u);
	json_object_object_add(o, "kernel", json_object_new_string(u.release));
	json_object_object_add(o, "hostname", json_object_new_string(u.nodename));
	json_object_object_add(o, "lab_pid", json_object_new_int(getpid()));
	json_object_object_add(o, "rootfs", json_object_new_string(lab_paths.rootfs));
	json_object_object_add(o, "run_dir", json_object_new_string(lab_paths.run_dir));
	json_object_object_add(o, "cgroup_parent", json_object_new_string(lab_paths.cgroup));
	struct stat st;
	const char *cg = stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0 ? "v2"
	                 : stat("/sys/fs/cgroup/unified", &st) == 0          ? "hybrid (v1 + v2)"
	                                                                     : "v1";
	json_object_object_add(o, "cgroup_layout", json_object_new_string(cg));
	cleanup_free char *mu = lab_read_text("/proc/sys/user/max_user_namespaces");
	json_object_object_add(o, "user_namespaces", json_object_new_boolean(mu && atoi(mu) > 0));
	json_object_object_add(o, "time_namespaces",
	                       json_object_new_boolean(access("/proc/self/ns/time", F_OK) == 0));
	cleanup_free char *probe = xasprintf("%s/usr/bin/glass-probe", lab_paths.rootfs);
	json_object_object_add(o, "probe", json_object_new_boolean(access(probe, X_OK) == 0));
	json_object_object_add(o, "host_ns", lab_facts_ns(getpid()));
	json_object_object_add(o, "doctor", doctor_json ? json_tokener_parse(doctor_json) : NULL);
	json_object_object_add(o, "needs", module_needs());
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* ---- the walk-through's facts after a step ---- */

/* The container's process as the host sees it: the deepest descendant of
 * the worker (the worker is single-threaded, so its children are listed
 * under its main task). */
static pid_t deepest_child(pid_t pid)
{
	for (int depth = 0; depth < 8; depth++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
		cleanup_free char *s = lab_read_text(path);
		if (!s || !s[0])
			break;
		pid_t c = (pid_t)atoi(s);
		if (c <= 0)
			break;
		pid = c;
	}
	return pid;
}

/* Two mountinfo entries are the same mount when they show the same thing
 * at the same place: ids differ between a namespace and its copy. */
static bool mounts_match(json_object *a, json_object *b)
{
	static const char *const keys[] = {"target", "fstype", "source", "root", "options"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_object *x, *y;
		if (!json_object_object_get_ex(a, keys[i], &x) ||
		    !json_object_object_get_ex(b, keys[i], &y) ||
		    strcmp(json_object_get_string(x), json_object_get_string(y)) != 0)
			return false;
	}
	return true;
}

/* The entries of `a` that `b` does not have. */
static json_object *mounts_minus(json_object *a, json_object *b)
{
	json_object *out = json_object_new_array();
	for (size_t i = 0; a && b && i < json_object_array_length(a); i++) {
		json_object *x = json_object_array_get_idx(a, i);
		bool found = false;
		for (size_t j = 0; j < json_object_array_length(b) && !found; j++)
			found = mounts_match(x, json_object_array_get_idx(b, j));
		if (!found)
			json_object_array_add(out, json_object_get(x));
	}
	return out;
}

static void add_text(json_object *f, const char *key, const char *fmt, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), fmt, pid);
	char *s = lab_read_text(path);
	json_object_object_add(f, key, s ? json_object_new_string(s) : NULL);
	free(s);
}

/* The mount at "/" in PID's table (the last one: mounts stack), whose
 * root field says which directory of its filesystem is the process's
 * root.  readlink(/proc/PID/root) cannot say it: it reads "/" before and
 * after pivot_root, as seen from inside. */
static json_object *root_mount(json_object *m)
{
	json_object *found = NULL;
	for (size_t i = 0; m && i < json_object_array_length(m); i++) {
		json_object *x = json_object_array_get_idx(m, i), *t;
		if (json_object_object_get_ex(x, "target", &t) &&
		    strcmp(json_object_get_string(t), "/") == 0)
			found = x;
	}
	return found ? json_object_get(found) : NULL;
}

json_object *lab_step_facts(pid_t worker, json_object **prev_mounts, pid_t *facts_pid,
                            json_object *pause)
{
	pid_t pid = deepest_child(worker);
	json_object *f = json_object_new_object();
	json_object_object_add(f, "type", json_object_new_string("facts"));
	json_object_object_add(f, "pid", json_object_new_int(pid));
	json_object_object_add(f, "worker_pid", json_object_new_int(worker));
	json_object_object_add(f, "is_container", json_object_new_boolean(pid != worker));
	json_object_object_add(f, "ns", lab_facts_ns(pid));
	json_object_object_add(f, "status", lab_facts_status(pid));
	add_text(f, "uid_map", "/proc/%d/uid_map", pid);
	add_text(f, "cgroup", "/proc/%d/cgroup", pid);
	char *s = lab_facts_hostname(pid);
	json_object_object_add(f, "hostname", s ? json_object_new_string(s) : NULL);
	free(s);
	json_object *m = lab_facts_mounts(pid);
	bool same = *prev_mounts && *facts_pid == pid;
	json_object_object_add(f, "mounts_added", mounts_minus(same ? m : NULL, *prev_mounts));
	json_object_object_add(f, "mounts_removed", mounts_minus(same ? *prev_mounts : NULL, m));
	json_object_object_add(f, "mount_count",
	                       json_object_new_int(m ? (int)json_object_array_length(m) : 0));
	json_object_object_add(f, "root_mount", root_mount(m));
	json_object_object_add(f, "mounts", m ? json_object_get(m) : NULL);
	json_object_put(*prev_mounts);
	*prev_mounts = m;
	*facts_pid = pid;
	json_object *st;
	if (pause && json_object_object_get_ex(pause, "step", &st))
		json_object_object_add(f, "before_step", json_object_get(st));
	return f;
}

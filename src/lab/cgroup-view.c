/* lab cgroup view: the cgroup files of a container, read as the kernel
 * writes them, for the cgroups experiment's graphs and its "this host"
 * table.
 *
 * A cgroup is one path on every hierarchy.  On cgroup v1 each controller
 * has its own hierarchy (memory, cpu, pids, blkio, ... each mounted on its
 * own directory, sometimes two together); on v2 one unified tree holds
 * every controller enabled in it; a hybrid host (this project's machines)
 * has both: the v1 controllers, and a cgroup2 mount that holds only what
 * no v1 hierarchy took.  Which directory holds a controller's files is
 * therefore read from /proc/self/mountinfo and from the cgroup2 root's
 * cgroup.controllers, never assumed.  Pressure stall information (PSI) is
 * kept per cgroup2 group whether or not a controller is enabled there, so
 * a hybrid host shows it for the container's cgroup2 directory.
 */
#include "lab.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct hier {
	char mount[256];
	char ctrls[256]; /* v1: the super options; v2: cgroup.controllers */
	bool v2;
};

static int hiers(struct hier *h, int max)
{
	cleanup_free char *mi = lab_read_text("/proc/self/mountinfo");
	int n = 0;
	for (char *line = mi, *next; line && *line && n < max; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char mnt[256], type[32], super[256];
		const char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1 ||
		    sscanf(dash + 3, "%31s %*s %255s", type, super) != 2)
			continue;
		if (strcmp(type, "cgroup") != 0 && strcmp(type, "cgroup2") != 0)
			continue;
		snprintf(h[n].mount, sizeof(h[n].mount), "%s", mnt);
		h[n].v2 = strcmp(type, "cgroup2") == 0;
		if (h[n].v2) {
			cleanup_free char *p = xasprintf("%s/cgroup.controllers", mnt);
			cleanup_free char *c = lab_read_text(p);
			snprintf(h[n].ctrls, sizeof(h[n].ctrls), "%s", c ? c : "");
			h[n].ctrls[strcspn(h[n].ctrls, "\n")] = '\0';
		} else {
			/* the super options less rw/ro: "cpu,cpuacct", "name=systemd" */
			const char *c = super;
			if (strncmp(c, "rw,", 3) == 0 || strncmp(c, "ro,", 3) == 0)
				c += 3;
			snprintf(h[n].ctrls, sizeof(h[n].ctrls), "%s", c);
		}
		n++;
		if (!next)
			break;
	}
	return n;
}

static bool has_word(const char *list, const char *w, const char *seps)
{
	size_t l = strlen(w);
	for (const char *p = list; (p = strstr(p, w)); p += l)
		if ((p == list || strchr(seps, p[-1])) && (!p[l] || strchr(seps, p[l])))
			return true;
	return false;
}

/* The directory of cgroup `path` that holds `ctrl`'s files ("" for the
 * cgroup2 tree itself), and whether it is v2.  false when no hierarchy
 * has the controller. */
bool lab_cg_dir(const char *ctrl, const char *path, char *out, size_t size, bool *v2)
{
	struct hier h[16];
	int n = hiers(h, 16);
	for (int i = 0; i < n; i++) {
		bool hit = ctrl[0] ? has_word(h[i].ctrls, ctrl, h[i].v2 ? " " : ",") : h[i].v2;
		if (!hit)
			continue;
		snprintf(out, size, "%s%s", h[i].mount, path);
		*v2 = h[i].v2;
		return true;
	}
	return false;
}

json_object *lab_cg_hierarchies(void)
{
	struct hier h[16];
	int n = hiers(h, 16);
	json_object *a = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "mount", json_object_new_string(h[i].mount));
		json_object_object_add(o, "version", json_object_new_string(h[i].v2 ? "v2" : "v1"));
		json_object_object_add(o, "controllers", json_object_new_string(h[i].ctrls));
		json_object_array_add(a, o);
	}
	return a;
}

/* ---- reading the files ---- */

static bool read_u64(const char *dir, const char *file, unsigned long long *v)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	cleanup_free char *s = lab_read_text(p);
	if (!s)
		return false;
	if (strncmp(s, "max", 3) == 0) {
		*v = ~0ULL;
		return true;
	}
	char *end;
	*v = strtoull(s, &end, 10);
	return end != s;
}

/* "key value" lines (cpu.stat, memory.events, oom_control, pids.events). */
static bool read_keyed(const char *dir, const char *file, const char *key, unsigned long long *v)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	cleanup_free char *s = lab_read_text(p);
	size_t l = strlen(key);
	for (char *line = s; line && *line;) {
		if (strncmp(line, key, l) == 0 && line[l] == ' ') {
			*v = strtoull(line + l + 1, NULL, 10);
			return true;
		}
		char *nl = strchr(line, '\n');
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

static void put_u64(json_object *o, const char *key, bool ok, unsigned long long v)
{
	if (!ok)
		json_object_object_add(o, key, NULL);
	else if (v == ~0ULL)
		json_object_object_add(o, key, json_object_new_string("max"));
	else
		json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

static void put_file(json_object *o, const char *key, const char *dir, const char *file)
{
	unsigned long long v = 0;
	bool ok = file && read_u64(dir, file, &v);
	put_u64(o, key, ok, v);
}

static void put_keyed(json_object *o, const char *key, const char *dir, const char *file,
                      const char *k)
{
	unsigned long long v = 0;
	bool ok = file && read_keyed(dir, file, k, &v);
	put_u64(o, key, ok, v);
}

static json_object *sample_memory(const char *path)
{
	char dir[512];
	bool v2;
	if (!lab_cg_dir("memory", path, dir, sizeof(dir), &v2))
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(v2 ? "v2" : "v1"));
	put_file(o, "usage", dir, v2 ? "memory.current" : "memory.usage_in_bytes");
	put_file(o, "limit", dir, v2 ? "memory.max" : "memory.limit_in_bytes");
	put_file(o, "high", dir, v2 ? "memory.high" : NULL);
	put_keyed(o, "oom_kill", dir, v2 ? "memory.events" : "memory.oom_control", "oom_kill");
	put_keyed(o, "under_oom", dir, v2 ? NULL : "memory.oom_control", "under_oom");
	put_keyed(o, "high_events", dir, v2 ? "memory.events" : NULL, "high");
	if (v2)
		put_keyed(o, "max_events", dir, "memory.events", "max");
	else
		put_file(o, "max_events", dir, "memory.failcnt");
	return o;
}

static json_object *sample_cpu(const char *path)
{
	char dir[512], acct[512];
	bool v2, av2;
	unsigned long long v = 0;
	if (!lab_cg_dir("cpu", path, dir, sizeof(dir), &v2))
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(v2 ? "v2" : "v1"));
	if (v2) {
		bool ok = read_keyed(dir, "cpu.stat", "usage_usec", &v);
		put_u64(o, "usage_ns", ok, v * 1000);
		ok = read_keyed(dir, "cpu.stat", "throttled_usec", &v);
		put_u64(o, "throttled_ns", ok, v * 1000);
	} else {
		bool ok = lab_cg_dir("cpuacct", path, acct, sizeof(acct), &av2) &&
		          read_u64(acct, "cpuacct.usage", &v);
		put_u64(o, "usage_ns", ok, v);
		put_keyed(o, "throttled_ns", dir, "cpu.stat", "throttled_time");
	}
	put_keyed(o, "nr_periods", dir, "cpu.stat", "nr_periods");
	put_keyed(o, "nr_throttled", dir, "cpu.stat", "nr_throttled");
	return o;
}

static json_object *sample_pids(const char *path)
{
	char dir[512];
	bool v2;
	if (!lab_cg_dir("pids", path, dir, sizeof(dir), &v2))
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(v2 ? "v2" : "v1"));
	put_file(o, "current", dir, "pids.current");
	put_file(o, "max", dir, "pids.max");
	put_keyed(o, "max_events", dir, "pids.events", "max");
	return o;
}

/* Bytes written to any device: v1 blkio.throttle.io_service_bytes
 * ("MAJ:MIN Write N" lines), v2 io.stat ("MAJ:MIN rbytes=.. wbytes=.."). */
static json_object *sample_io(const char *path)
{
	char dir[512];
	bool v2;
	if (!lab_cg_dir("io", path, dir, sizeof(dir), &v2) &&
	    !lab_cg_dir("blkio", path, dir, sizeof(dir), &v2))
		return NULL;
	cleanup_free char *p =
	    xasprintf("%s/%s", dir, v2 ? "io.stat" : "blkio.throttle.io_service_bytes");
	cleanup_free char *s = lab_read_text(p);
	unsigned long long total = 0;
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *w = v2 ? strstr(line, "wbytes=") : NULL;
		unsigned long long x;
		if (w)
			total += strtoull(w + 7, NULL, 10);
		else if (!v2 && sscanf(line, "%*u:%*u Write %llu", &x) == 1)
			total += x;
		line = nl ? nl + 1 : NULL;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(v2 ? "v2" : "v1"));
	put_u64(o, "written", s != NULL, total);
	return o;
}

/* "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and a "full" line. */
static json_object *psi_file(const char *dir, const char *file)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	cleanup_free char *s = lab_read_text(p);
	if (!s)
		return NULL;
	json_object *o = json_object_new_object();
	for (char *line = s; line && *line;) {
		char kind[8];
		double avg10;
		unsigned long long total;
		if (sscanf(line, "%7s avg10=%lf avg60=%*f avg300=%*f total=%llu", kind, &avg10,
		           &total) == 3) {
			json_object *k = json_object_new_object();
			json_object_object_add(k, "avg10", json_object_new_double(avg10));
			json_object_object_add(k, "total_us",
			                       json_object_new_int64((int64_t)total));
			json_object_object_add(o, kind, k);
		}
		char *nl = strchr(line, '\n');
		line = nl ? nl + 1 : NULL;
	}
	return o;
}

static json_object *sample_psi(const char *path)
{
	char dir[512];
	bool v2;
	if (!lab_cg_dir("", path, dir, sizeof(dir), &v2))
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "memory", psi_file(dir, "memory.pressure"));
	json_object_object_add(o, "cpu", psi_file(dir, "cpu.pressure"));
	json_object_object_add(o, "io", psi_file(dir, "io.pressure"));
	return o;
}

json_object *lab_cg_sample(const char *path)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "memory", sample_memory(path));
	json_object_object_add(o, "cpu", sample_cpu(path));
	json_object_object_add(o, "pids", sample_pids(path));
	json_object_object_add(o, "io", sample_io(path));
	json_object_object_add(o, "psi", sample_psi(path));
	return o;
}

/* ---- the v1-vs-v2 table, each row checked in the container's cgroup ---- */

struct check {
	const char *feature;
	const char *v1;   /* how v1 spells it */
	const char *v2;   /* how v2 spells it */
	const char *ctrl; /* where to look: a controller, or "" for the cgroup2 core */
	const char *file; /* the file whose presence shows it */
};

static const struct check checks[] = {
    {"hierarchies", "one per controller (or a few together)", "one unified tree", "",
     "cgroup.procs"},
    {"threaded mode", "no (tasks: threads anywhere)", "cgroup.type = threaded", "", "cgroup.type"},
    {"PSI (pressure stall information)", "no", "memory.pressure, cpu.pressure, io.pressure", "",
     "memory.pressure"},
    {"kill the whole group", "no (signal each pid)", "cgroup.kill", "", "cgroup.kill"},
    {"freeze", "freezer.state", "cgroup.freeze", "freezer", "freezer.state"},
    {"memory limit", "memory.limit_in_bytes", "memory.max", "memory", "memory.limit_in_bytes"},
    {"throttle before the limit", "no (soft_limit is reclaim, not throttle)", "memory.high",
     "memory", "memory.high"},
    {"OOM events", "memory.oom_control (oom_kill, under_oom)", "memory.events (oom, oom_kill)",
     "memory", "memory.oom_control"},
    {"kill the whole group on OOM", "no", "memory.oom.group", "memory", "memory.oom.group"},
    {"CPU quota", "cpu.cfs_quota_us / cpu.cfs_period_us", "cpu.max", "cpu", "cpu.cfs_quota_us"},
    {"process count", "pids.max", "pids.max", "pids", "pids.max"},
    {"write bandwidth", "blkio.throttle.write_bps_device (direct I/O only)",
     "io.max wbps (buffered writeback too)", "blkio", "blkio.throttle.write_bps_device"},
};

json_object *lab_cg_checks(const char *path)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const struct check *c = &checks[i];
		char dir[512];
		bool v2 = false, found = lab_cg_dir(c->ctrl, path, dir, sizeof(dir), &v2);
		/* A controller on v2 is read from its v2 file. */
		const char *file = c->file;
		if (found && v2 && c->ctrl[0])
			file = strcmp(c->ctrl, "memory") == 0 && strstr(c->file, "limit")
			           ? "memory.max"
			       : strcmp(c->ctrl, "memory") == 0 && strstr(c->file, "oom_control")
			           ? "memory.events"
			       : strcmp(c->ctrl, "cpu") == 0     ? "cpu.max"
			       : strcmp(c->ctrl, "freezer") == 0 ? "cgroup.freeze"
			       : strcmp(c->ctrl, "blkio") == 0   ? "io.max"
			                                         : c->file;
		cleanup_free char *p = found ? xasprintf("%s/%s", dir, file) : NULL;
		struct stat st;
		bool here = p && stat(p, &st) == 0;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "feature", json_object_new_string(c->feature));
		json_object_object_add(o, "v1", json_object_new_string(c->v1));
		json_object_object_add(o, "v2", json_object_new_string(c->v2));
		json_object_object_add(o, "here", json_object_new_boolean(here));
		json_object_object_add(o, "file", p ? json_object_new_string(p) : NULL);
		json_object_object_add(o, "on",
		                       found ? json_object_new_string(v2 ? "v2" : "v1") : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

/* ctr-proc: a running container's processes and usage, from its cgroup.
 *
 * top is docker's: the host's `ps` (with the caller's ps options, -ef
 * by default) filtered to the rows whose PID is in the container's
 * cgroup.  stats reads the cgroup's counters (lib/cgroup-stats.c: v1
 * memory/cpuacct/pids files, or cgroup2's memory.current, cpu.stat,
 * pids.current) into the Engine API's stats shape. */
#include "cgroup.h"
#include "ctr.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int running_cgroup(const char *ref, struct ctr **c, struct glass_cgroup **cg,
                          struct glass_err **err)
{
	if (ctr_find(ref, c, err) < 0)
		return -1;
	if ((*c)->st.status != CTR_RUNNING && (*c)->st.status != CTR_PAUSED)
		return glass_err_new(err, EINVAL, "container %s is not running", (*c)->name);
	const char *path = ctr_rec_str(*c, "CgroupsPath");
	if (!path || glass_cgroup_open(path, cg, err) < 0)
		return glass_err_ctx(err, "cgroup of %s", (*c)->name);
	return 0;
}

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* The column (0-based, whitespace-separated) whose header is PID. */
static int pid_column(const char *header)
{
	int col = 0;
	for (const char *p = header; *p;) {
		p += strspn(p, " \t");
		size_t n = strcspn(p, " \t\n");
		if (n == 3 && strncmp(p, "PID", 3) == 0)
			return col;
		p += n;
		col++;
	}
	return -1;
}

static long column_value(const char *line, int col)
{
	const char *p = line;
	for (int i = 0; i < col && *p; i++) {
		p += strspn(p, " \t");
		p += strcspn(p, " \t");
	}
	return strtol(p, NULL, 10);
}

/* ps's output into *out: the header and the container's rows. */
static int filter_ps(FILE *f, const pid_t *pids, size_t n, char **out, struct glass_err **err)
{
	struct strbuf b = STRBUF_INIT;
	char line[8192];
	int col = -1;
	if (fgets(line, sizeof(line), f)) {
		col = pid_column(line);
		strbuf_append(&b, line, strlen(line));
	}
	if (col < 0) {
		strbuf_release(&b);
		return glass_err_new(err, EINVAL,
		                     "ps printed no PID column (ps options must keep "
		                     "it)");
	}
	while (fgets(line, sizeof(line), f))
		if (has_pid(pids, n, column_value(line, col)))
			strbuf_append(&b, line, strlen(line));
	*out = strbuf_steal(&b);
	return 0;
}

/* Starts /bin/ps with the words of `args`; its stdout in *f. */
static pid_t spawn_ps(const char *args, FILE **f, struct glass_err **err)
{
	int pfd[2];
	char *argv[64] = {"/bin/ps"};
	size_t n = 1;
	cleanup_free char *copy = xstrdup(args);
	for (char *save = NULL, *w = strtok_r(copy, " ", &save); w && n < 63;
	     w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return glass_err_new(err, errno, "pipe2()");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return glass_err_new(err, errno, "fork()");
	}
	*f = fdopen(pfd[0], "r");
	return pid;
}

int ctr_top(const char *ref, const char *ps_args, char **out, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	cleanup_cgroup struct glass_cgroup *cg = NULL;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	FILE *f = NULL;
	int st = 0;
	if (running_cgroup(ref, &c, &cg, err) < 0 || glass_cgroup_pids(cg, &pids, &n, err) < 0)
		return -1;
	const char *args = ps_args && *ps_args ? ps_args : "-ef";
	pid_t ps = spawn_ps(args, &f, err);
	if (ps < 0)
		return -1;
	int rc = filter_ps(f, pids, n, out, err);
	fclose(f);
	while (waitpid(ps, &st, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && st != 0) {
		free(*out);
		*out = NULL;
		return glass_err_new(err, EINVAL, "ps %s failed (status %d)", args, st);
	}
	return rc;
}

#define ADD(o, k, v) json_object_object_add(o, k, v)

static struct json_object *u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

int ctr_stats(const char *ref, struct json_object **out, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	cleanup_cgroup struct glass_cgroup *cg = NULL;
	struct glass_cgroup_stats s;
	char now[64];
	struct timespec ts;
	if (running_cgroup(ref, &c, &cg, err) < 0 || glass_cgroup_stats(cg, &s, err) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&ts.tv_sec));
	struct json_object *o = json_object_new_object(), *mem = json_object_new_object(),
	                   *cpu = json_object_new_object(), *cu = json_object_new_object(),
	                   *pids = json_object_new_object();
	ADD(o, "id", json_object_new_string(c->id));
	ADD(o, "name", json_object_new_string(c->name));
	ADD(o, "read", json_object_new_string(now));
	ADD(mem, "usage", u64(s.memory.usage.usage));
	ADD(mem, "max_usage", u64(s.memory.usage.max));
	ADD(mem, "limit", u64(s.memory.usage.limit));
	ADD(mem, "failcnt", u64(s.memory.usage.failcnt));
	ADD(o, "memory_stats", mem);
	ADD(cu, "total_usage", u64(s.cpu.total));
	ADD(cu, "usage_in_kernelmode", u64(s.cpu.kernel));
	ADD(cu, "usage_in_usermode", u64(s.cpu.user));
	ADD(cpu, "cpu_usage", cu);
	ADD(cpu, "online_cpus", json_object_new_int((int)sysconf(_SC_NPROCESSORS_ONLN)));
	ADD(o, "cpu_stats", cpu);
	ADD(pids, "current", u64(s.pids.current));
	if (s.pids.limit)
		ADD(pids, "limit", u64(s.pids.limit));
	ADD(o, "pids_stats", pids);
	glass_cgroup_stats_clear(&s);
	*out = o;
	return 0;
}

int ctr_port(const char *ref, struct json_object **out, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	struct json_object *ports = NULL;
	*out = NULL;
	if (ctr_find(ref, &c, err) < 0)
		return -1;
	/* docker's: the bindings of the run, with the host ports it picked
	 * (-P, -p CTRPORT); a stopped container publishes nothing */
	struct json_object *rec = engine_net_record(c->id);
	if (rec && json_object_object_get_ex(rec, "ports", &ports))
		json_object_deep_copy(ports, out, NULL);
	else
		*out = json_object_new_object();
	json_object_put(rec);
	return 0;
}

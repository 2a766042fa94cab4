/* Experiment 3: cgroups, limits and what happens at the ceiling.
 *
 * A cgroup counts what its processes use (memory pages charged to it, CPU
 * time, the number of tasks, bytes written) and enforces limits on it.
 * What happens at a limit differs per resource, and that is the lesson:
 * at memory.max / memory.limit_in_bytes the kernel reclaims, then its OOM
 * killer kills a process of the group (memory.events or
 * memory.oom_control count it; the kernel log names the victim); at
 * memory.high (v2 only) it throttles the allocating task without killing;
 * a CPU quota lets the group run QUOTA µs per PERIOD and then parks it
 * until the next period (nr_throttled, throttled time); at pids.max fork()
 * fails with EAGAIN; a write-bandwidth limit delays the writes.
 *
 * The worker starts a real container whose process is the probe's load
 * (glass-probe --stress memory|cpu|fork|io), samples the container's own
 * cgroup files five times a second, relays the load's own reports and the
 * kernel's OOM messages (/dev/kmsg), and changes limits while the load
 * runs through the library's glass_cgroup_update() (what `glass-runtime
 * update` does), traced, so the page sees the writes and the graph react.
 */
#include "cgroup.h"
#include "container.h"
#include "lab.h"
#include "trace.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define SAMPLE_MS   200
#define MAX_RUN_MS  (10LL * 60 * 1000)
#define MAX_PIDMAP  128
#define STRESS_ARGS 6

struct limits {
	long long memory_max_mb, memory_high_mb, cpu_pct, pids_max, io_wbps_mb;
};

static const char *const loads[] = {"memory", "cpu", "fork", "io", NULL};

/* ---- requests (server side) ---- */

static bool limits_from(json_object *req, struct limits *l, char *why)
{
	return lab_req_int(req, "memory_max_mb", 8, 4096, 64, &l->memory_max_mb, why) &&
	       lab_req_int(req, "memory_high_mb", 0, 4096, 0, &l->memory_high_mb, why) &&
	       lab_req_int(req, "cpu_pct", 0, 800, 50, &l->cpu_pct, why) &&
	       lab_req_int(req, "pids_max", 0, 4096, 64, &l->pids_max, why) &&
	       lab_req_int(req, "io_wbps_mb", 0, 1024, 0, &l->io_wbps_mb, why);
}

static void limits_to(json_object *o, const struct limits *l)
{
	json_object_object_add(o, "memory_max_mb", json_object_new_int64(l->memory_max_mb));
	json_object_object_add(o, "memory_high_mb", json_object_new_int64(l->memory_high_mb));
	json_object_object_add(o, "cpu_pct", json_object_new_int64(l->cpu_pct));
	json_object_object_add(o, "pids_max", json_object_new_int64(l->pids_max));
	json_object_object_add(o, "io_wbps_mb", json_object_new_int64(l->io_wbps_mb));
}

static int cg_params(json_object *req, json_object *p, char *why)
{
	static const char *const keys[] = {"kind",    "load",     "memory_max_mb", "memory_high_mb",
	                                   "cpu_pct", "pids_max", "io_wbps_mb",    "rate_mb_s",
	                                   "threads", NULL};
	struct limits l;
	const char *load;
	long long rate, threads;
	if (!lab_req_only(req, keys, why) ||
	    !lab_req_enum(req, "load", loads, "memory", &load, why) || !limits_from(req, &l, why) ||
	    !lab_req_int(req, "rate_mb_s", 1, 512, 16, &rate, why) ||
	    !lab_req_int(req, "threads", 1, 8, 2, &threads, why))
		return -1;
	if (strcmp(load, "fork") == 0 && l.pids_max == 0) {
		snprintf(why, LAB_WHY_SIZE,
		         "pids_max: the fork load needs a pids limit (8 to 4096)");
		return -1;
	}
	json_object_object_add(p, "load", json_object_new_string(load));
	limits_to(p, &l);
	json_object_object_add(p, "rate_mb_s", json_object_new_int64(rate));
	json_object_object_add(p, "threads", json_object_new_int64(threads));
	return 0;
}

static char *cg_action(json_object *req, char *why)
{
	static const char *const keys[] = {
	    "op", "memory_max_mb", "memory_high_mb", "cpu_pct", "pids_max", "io_wbps_mb", NULL};
	static const char *const ops[] = {"update", "stop", NULL};
	const char *op;
	struct limits l;
	if (!lab_req_only(req, keys, why) || !lab_req_enum(req, "op", ops, NULL, &op, why))
		return NULL;
	if (!op) {
		snprintf(why, LAB_WHY_SIZE, "op: expected \"update\" or \"stop\"");
		return NULL;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "op", json_object_new_string(op));
	if (strcmp(op, "update") == 0) {
		if (!limits_from(req, &l, why)) {
			json_object_put(o);
			return NULL;
		}
		limits_to(o, &l);
	}
	return lab_json_steal(o);
}

static json_object *cg_info(void)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "mode", json_object_new_string(glass_cgroup_host_mode()));
	json_object_object_add(o, "hierarchies", lab_cg_hierarchies());
	return o;
}

/* ---- the worker ---- */

struct run {
	const char *cgroup;
	char scratch[512];
	struct limits lim;
	bool memory_v2, have_memsw;
	dev_t io_dev; /* the scratch directory's disk, 0 when not a block device */
	pid_t host[MAX_PIDMAP], ns[MAX_PIDMAP];
	size_t npid;
	pid_t oom_pid; /* from an oom-kill line naming our cgroup */
	int oom_kills;
	long long t0;
	struct strbuf out; /* partial line of the load */
};

static long long ms_now(void)
{
	return (long long)(now_ns() / 1000000ULL);
}

/* linux.resources for the limits: memory (no swap beyond it where the
 * host accounts swap), CPU quota per 100 ms period, pids, write bandwidth
 * on the scratch disk. */
static json_object *resources_json(const struct run *r)
{
	const struct limits *l = &r->lim;
	json_object *res = json_object_new_object(), *mem = json_object_new_object();
	long long max = l->memory_max_mb << 20;
	json_object_object_add(mem, "limit", json_object_new_int64(max));
	if (r->have_memsw)
		json_object_object_add(mem, "swap", json_object_new_int64(max));
	json_object_object_add(res, "memory", mem);
	if (l->memory_high_mb && r->memory_v2) {
		json_object *u = json_object_new_object();
		cleanup_free char *v = xasprintf("%lld", l->memory_high_mb << 20);
		json_object_object_add(u, "memory.high", json_object_new_string(v));
		json_object_object_add(res, "unified", u);
	}
	json_object *cpu = json_object_new_object();
	json_object_object_add(cpu, "period", json_object_new_int64(100000));
	json_object_object_add(cpu, "quota",
	                       json_object_new_int64(l->cpu_pct ? l->cpu_pct * 1000 : -1));
	json_object_object_add(res, "cpu", cpu);
	json_object *pids = json_object_new_object();
	json_object_object_add(pids, "limit",
	                       json_object_new_int64(l->pids_max ? l->pids_max : -1));
	json_object_object_add(res, "pids", pids);
	if (l->io_wbps_mb && r->io_dev) {
		json_object *bio = json_object_new_object(), *a = json_object_new_array(),
		            *d = json_object_new_object();
		json_object_object_add(d, "major", json_object_new_int64(major(r->io_dev)));
		json_object_object_add(d, "minor", json_object_new_int64(minor(r->io_dev)));
		json_object_object_add(d, "rate", json_object_new_int64(l->io_wbps_mb << 20));
		json_object_array_add(a, d);
		json_object_object_add(bio, "throttleWriteBpsDevice", a);
		json_object_object_add(res, "blockIO", bio);
	}
	return res;
}

/* What the host cannot do of what was asked, said before it runs. */
static void say_unavailable(const struct run *r)
{
	json_object *a = json_object_new_array();
	if (r->lim.memory_high_mb && !r->memory_v2)
		json_object_array_add(
		    a, json_object_new_string("memory.high: the memory controller is on cgroup v1 "
		                              "here, which has no throttling threshold "
		                              "(memory.soft_limit_in_bytes only guides reclaim); "
		                              "only the hard limit applies"));
	if (r->lim.io_wbps_mb && !r->io_dev)
		json_object_array_add(
		    a, json_object_new_string("io: the scratch directory is not on a block device, "
		                              "so there is no device to throttle"));
	json_object *o = lab_event("unavailable");
	json_object_object_add(o, "items", a);
	lab_emit(o);
}

static void stress_args(json_object *p, const char **argv)
{
	const char *load = lab_param_str(p, "load");
	static char a1[16], a2[16];
	argv[0] = "/usr/bin/glass-probe";
	argv[1] = "--stress";
	argv[2] = load;
	argv[3] = argv[4] = argv[5] = NULL;
	if (strcmp(load, "memory") == 0) {
		snprintf(a1, sizeof(a1), "%lld", lab_param_int(p, "rate_mb_s"));
		argv[3] = a1;
	} else if (strcmp(load, "cpu") == 0) {
		snprintf(a1, sizeof(a1), "%lld", lab_param_int(p, "threads"));
		argv[3] = a1;
	} else if (strcmp(load, "fork") == 0) {
		argv[3] = "2";
	} else {
		argv[3] = "/scratch";
		snprintf(a2, sizeof(a2), "%d", 64);
		argv[4] = a2;
	}
}

static json_object *make_config(json_object *p, struct run *r)
{
	static const char *argv[STRESS_ARGS];
	stress_args(p, argv);
	struct lab_config c = {
	    .ns = {true, true, true, true, true, false, true, false},
	    .rootfs = lab_param_str(p, "rootfs"),
	    .cgroup = r->cgroup,
	    .hostname = "glass-cgroups",
	    .args = argv,
	};
	json_object *cfg = lab_config_json(&c), *lx;
	static const char *const bind[] = {"rbind", "rw", "nosuid", "nodev", NULL};
	lab_config_add_mount(cfg, "/scratch", "bind", r->scratch, bind);
	if (json_object_object_get_ex(cfg, "linux", &lx))
		json_object_object_add(lx, "resources", resources_json(r));
	return cfg;
}

/* ---- what happens while it runs ---- */

static void remember_pids(struct run *r)
{
	char dir[512];
	bool v2;
	if (!lab_cg_dir("pids", r->cgroup, dir, sizeof(dir), &v2))
		return;
	cleanup_free char *path = xasprintf("%s/cgroup.procs", dir);
	cleanup_free char *s = lab_read_text(path);
	for (char *q = s; s && *q;) {
		pid_t pid = (pid_t)strtol(q, &q, 10);
		while (*q == '\n')
			q++;
		bool known = false;
		for (size_t i = 0; i < r->npid && !known; i++)
			known = r->host[i] == pid;
		if (known || pid <= 0)
			continue;
		char sp[64];
		snprintf(sp, sizeof(sp), "/proc/%d/status", pid);
		cleanup_free char *st = lab_read_text(sp);
		const char *ns = st ? strstr(st, "NSpid:") : NULL;
		pid_t inner = 0;
		if (ns) {
			char *end = NULL;
			strtol(ns + 6, &end, 10);
			inner = (pid_t)strtol(end, NULL, 10);
		}
		size_t at = r->npid < MAX_PIDMAP ? r->npid++ : (size_t)pid % MAX_PIDMAP;
		r->host[at] = pid;
		r->ns[at] = inner;
	}
}

static pid_t ns_pid_of(const struct run *r, pid_t host)
{
	for (size_t i = 0; i < r->npid; i++)
		if (r->host[i] == host)
			return r->ns[i];
	return 0;
}

/* One record of /dev/kmsg: "PRIO,SEQ,USEC,FLAGS;MESSAGE".  The memcg OOM
 * report names the cgroup on its oom-kill line, then the victim. */
static void kmsg_record(struct run *r, char *rec)
{
	char *msg = strchr(rec, ';');
	if (!msg)
		return;
	msg++;
	msg[strcspn(msg, "\n")] = '\0';
	const char *pidp = NULL;
	if (strncmp(msg, "oom-kill:", 9) == 0) {
		cleanup_free char *want = xasprintf("oom_memcg=%s,", r->cgroup);
		if (!strstr(msg, want))
			return;
		pidp = strstr(msg, ",pid=");
		r->oom_pid = pidp ? (pid_t)atoi(pidp + 5) : 0;
	} else if ((pidp = strstr(msg, "Killed process "))) {
		if (!r->oom_pid || atoi(pidp + 15) != r->oom_pid)
			return;
		r->oom_kills++;
	} else {
		return;
	}
	json_object *o = lab_event("kmsg");
	json_object_object_add(o, "t_ms", json_object_new_int64(ms_now() - r->t0));
	json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "host_pid", json_object_new_int(r->oom_pid));
	json_object_object_add(o, "ns_pid", json_object_new_int(ns_pid_of(r, r->oom_pid)));
	lab_emit(o);
}

static void kmsg_drain(struct run *r, int fd)
{
	char rec[8192];
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE) /* overwritten records: go on */
			continue;
		if (n <= 0)
			return;
		rec[n] = '\0';
		kmsg_record(r, rec);
	}
}

static void load_output(struct run *r, int fd, bool *eof)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n <= 0) {
		*eof = n == 0 || errno != EAGAIN;
		return;
	}
	strbuf_append(&r->out, buf, (size_t)n);
	char *nl;
	while (r->out.len && (nl = memchr(r->out.buf, '\n', r->out.len))) {
		*nl = '\0';
		json_object *ev = json_tokener_parse(r->out.buf);
		json_object *o = lab_event("load");
		json_object_object_add(o, "t_ms", json_object_new_int64(ms_now() - r->t0));
		json_object_object_add(o, "report", ev ? ev : json_object_new_string(r->out.buf));
		lab_emit(o);
		size_t used = (size_t)(nl - r->out.buf) + 1;
		memmove(r->out.buf, nl + 1, r->out.len - used);
		r->out.len -= used;
	}
}

static void sample(struct run *r)
{
	json_object *o = lab_event("sample");
	json_object_object_add(o, "t_ms", json_object_new_int64(ms_now() - r->t0));
	json_object_object_add(o, "cg", lab_cg_sample(r->cgroup));
	lab_emit(o);
	remember_pids(r);
}

/* A new set of limits, applied the way `glass-runtime update` applies it:
 * parsed as LinuxResources by the library and written to the live cgroup.
 * The writes are traced onto the page. */
static void update(struct run *r, json_object *req)
{
	json_object *v;
	long long *f[] = {&r->lim.memory_max_mb, &r->lim.memory_high_mb, &r->lim.cpu_pct,
	                  &r->lim.pids_max, &r->lim.io_wbps_mb};
	const char *k[] = {"memory_max_mb", "memory_high_mb", "cpu_pct", "pids_max", "io_wbps_mb"};
	for (size_t i = 0; i < 5; i++)
		if (json_object_object_get_ex(req, k[i], &v))
			*f[i] = json_object_get_int64(v);
	json_object *res = resources_json(r);
	cleanup_free char *doc =
	    xstrdup(json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
	json_object *o = lab_event("update");
	json_object_object_add(o, "t_ms", json_object_new_int64(ms_now() - r->t0));
	json_object_object_add(o, "resources", res);
	lab_emit(o);

	struct glass_resources parsed = {0};
	struct glass_cgroup *cg = NULL;
	struct glass_err *err = NULL;
	glass_trace_set_output(GLASS_TRACE_JSON, LAB_EVENT_FD);
	int rc = glass_spec_parse_resources(doc, &parsed, &err);
	if (rc == 0)
		rc = glass_cgroup_open(r->cgroup, &cg, &err);
	if (rc == 0)
		rc = glass_cgroup_update(cg, &parsed, &err);
	glass_trace_set_output(GLASS_TRACE_OFF, -1);
	glass_cgroup_free(cg);
	glass_spec_resources_clear(&parsed);
	o = lab_event("updated");
	json_object_object_add(o, "ok", json_object_new_boolean(rc == 0));
	if (rc < 0) {
		lab_emit_error(err, "update");
		glass_err_free(&err);
	}
	limits_to(o, &r->lim);
	lab_emit(o);
	sample(r);
}

static void control(struct run *r, bool *stop)
{
	char *line = NULL;
	int got = lab_control_line(0, &line);
	if (got < 0) {
		*stop = true;
		return;
	}
	if (got == 0)
		return;
	json_object *req = json_tokener_parse(line);
	free(line);
	json_object *op;
	if (req && json_object_object_get_ex(req, "op", &op)) {
		if (strcmp(json_object_get_string(op), "stop") == 0)
			*stop = true;
		else if (strcmp(json_object_get_string(op), "update") == 0)
			update(r, req);
	}
	json_object_put(req);
}

static int watch(struct run *r, pid_t init, int out, int kmsg)
{
	int status = -1;
	bool stop = false, eof = false;
	long long next = ms_now();
	while (!stop && !lab_worker_stop && ms_now() - r->t0 < MAX_RUN_MS) {
		struct pollfd pfd[3] = {{.fd = eof ? -1 : out, .events = POLLIN},
		                        {.fd = LAB_CONTROL_FD, .events = POLLIN},
		                        {.fd = kmsg, .events = POLLIN}};
		long long wait = next - ms_now();
		if (poll(pfd, 3, wait > 0 ? (int)wait : 0) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			load_output(r, out, &eof);
		if (pfd[1].revents)
			control(r, &stop);
		if (kmsg >= 0 && pfd[2].revents)
			kmsg_drain(r, kmsg);
		if (ms_now() >= next) {
			sample(r);
			next += SAMPLE_MS;
		}
		if (waitpid(init, &status, WNOHANG) == init)
			break;
	}
	return status;
}

static void host_facts(struct run *r)
{
	json_object *o = lab_event("host");
	json_object_object_add(o, "mode", json_object_new_string(glass_cgroup_host_mode()));
	json_object_object_add(o, "hierarchies", lab_cg_hierarchies());
	json_object_object_add(o, "checks", lab_cg_checks(r->cgroup));
	char dir[512];
	bool v2;
	json_object *files = json_object_new_object();
	const char *ctrls[] = {"memory", "cpu", "cpuacct", "pids", "blkio", "io", ""};
	for (size_t i = 0; i < sizeof(ctrls) / sizeof(ctrls[0]); i++)
		if (lab_cg_dir(ctrls[i], r->cgroup, dir, sizeof(dir), &v2))
			json_object_object_add(files, ctrls[i][0] ? ctrls[i] : "cgroup2",
			                       json_object_new_string(dir));
	json_object_object_add(o, "dirs", files);
	lab_emit(o);
}

static void setup_run(json_object *p, struct run *r)
{
	char dir[512];
	struct stat st;
	r->cgroup = lab_param_str(p, "cgroup");
	r->lim.memory_max_mb = lab_param_int(p, "memory_max_mb");
	r->lim.memory_high_mb = lab_param_int(p, "memory_high_mb");
	r->lim.cpu_pct = lab_param_int(p, "cpu_pct");
	r->lim.pids_max = lab_param_int(p, "pids_max");
	r->lim.io_wbps_mb = lab_param_int(p, "io_wbps_mb");
	/* On a disk: /run may be a tmpfs, with no device to throttle. */
	snprintf(r->scratch, sizeof(r->scratch), "%s/scratch", lab_param_str(p, "disk_dir"));
	mkdir_p(r->scratch, 0755);
	/* v1 charges swap separately (memory.memsw.*): no swap beyond the
	 * limit, so the limit is where the OOM killer comes. */
	if (lab_cg_dir("memory", "", dir, sizeof(dir), &r->memory_v2) && !r->memory_v2) {
		cleanup_free char *f = xasprintf("%s/memory.memsw.limit_in_bytes", dir);
		r->have_memsw = access(f, F_OK) == 0;
	}
	if (stat(r->scratch, &st) == 0 && major(st.st_dev) != 0)
		r->io_dev = st.st_dev;
	r->t0 = ms_now();
}

static int run_cgroups(json_object *p)
{
	struct run r = {0};
	struct glass_err *err = NULL;
	setup_run(p, &r);
	json_object *cfg = make_config(p, &r);
	json_object *o = lab_event("config");
	json_object_object_add(o, "config", json_object_get(cfg));
	lab_emit(o);
	say_unavailable(&r);

	cleanup_free char *bundle = xasprintf("%s/bundle", lab_param_str(p, "dir"));
	cleanup_free char *state = xasprintf("%s/state", lab_param_str(p, "dir"));
	cleanup_free char *id =
	    xasprintf("glass-lab-%lld-%s", lab_param_int(p, "lab_pid"), lab_param_str(p, "id"));
	int rc = lab_write_bundle(bundle, cfg, &err);
	json_object_put(cfg);
	if (rc < 0 || mkdir_p(state, 0711) < 0) {
		lab_emit_error(err, "bundle");
		glass_err_free(&err);
		return -1;
	}
	int pp[2];
	if (pipe2(pp, O_CLOEXEC) < 0)
		return -1;
	pid_t init = 0;
	if (lab_start_container(state, id, bundle, pp[1], &init) < 0) {
		close(pp[0]);
		close(pp[1]);
		return -1;
	}
	close(pp[1]);
	fcntl(pp[0], F_SETFL, O_NONBLOCK);
	o = lab_event("running");
	json_object_object_add(o, "init_pid", json_object_new_int(init));
	json_object_object_add(o, "cgroup", json_object_new_string(r.cgroup));
	lab_emit(o);
	host_facts(&r);

	int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END); /* only what happens from now on */
	int status = watch(&r, init, pp[0], kmsg);
	sample(&r);
	if (kmsg >= 0) {
		kmsg_drain(&r, kmsg);
		close(kmsg);
	}
	lab_delete_container(state, id);
	close(pp[0]);
	strbuf_release(&r.out);
	o = lab_event("summary");
	json_object_object_add(o, "oom_kills_seen", json_object_new_int(r.oom_kills));
	json_object_object_add(o, "init_status", json_object_new_int(status));
	lab_emit(o);
	return 0;
}

static const struct lab_kind kinds[] = {
    {.name = "cgroups", .params = cg_params, .action = cg_action, .run = run_cgroups},
};

const struct lab_module lab_module_cgroups = {
    .id = "cgroups",
    .title = "3 · cgroups under pressure",
    .summary = "limits (memory, CPU quota, pids, write bandwidth) and a load the probe makes "
               "in a real container; the container's cgroup files graphed live; the OOM kill, "
               "CPU throttling, fork() failing with EAGAIN; limits changed while it runs; this "
               "host's hierarchies and the v1-vs-v2 table checked here",
    .source = "src/lab/exp-cgroups.c",
    .needs = "cgroups",
    .kinds = kinds,
    .nkinds = sizeof(kinds) / sizeof(kinds[0]),
    .info = cg_info,
};

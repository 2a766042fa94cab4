/* Experiment 6: the chain, who does what when you type `run`.
 *
 * The worker starts the API server (`glass --trace=json serve`, on a
 * socket and store of the experiment's own) and runs the client for real
 * (Debian's docker CLI against it; without one, `glass --trace=json run
 * -d`), and follows the tree while it runs: every process that descends
 * from the worker is recorded as it appears and as it goes, with its pid,
 * parent, namespaces and cgroup.  So the page sees the client, the shim's
 * setsid and fork, the short-lived glass-runtime (create, then start: each exits), and the
 * container's pid 1 reparented to the shim, its subreaper.  (The worker is
 * itself a subreaper, so the detached shim lands under it rather than
 * under pid 1: that is the lab's doing, said on the page.)
 *
 * Beside each link, its trace: the engine's own events (JSON), the shim's
 * notes and the runtime's steps (text, on the same stderr: the shim hands
 * the runtime its stderr as the trace fd).  The runtime's lines name the
 * config.json field that asked for each step ("<- linux.namespaces"), so
 * the bundle's config.json is shown with each field linked to them.
 *
 * Then the seed's claims, each done and read back: no client and no
 * glass-runtime process while the container runs, yet its log grows; the
 * server killed with SIGKILL, the container runs on; a new server finds
 * it; the container's pid 1 killed, the shim records the exit in
 * status.json, with no engine process running. */
#include "ctr.h"
#include "lab.h"
#include "util.h"

#include <dirent.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PROCS 256
#define NAME      "chain"
static const char loop_cmd[] = "i=0; while :; do i=$((i+1)); echo \"tick $i\"; sleep 1; done";

struct proc {
	pid_t pid, ppid;
	char comm[32], role[16];
	bool gone;
};

struct chain {
	json_object *p;
	struct proc procs[MAX_PROCS];
	size_t n;
	unsigned long long t0;
	int trace_fd, trace_wfd; /* the trace pipe (see trace_w) */
	pid_t server;            /* glass serve, 0 when none runs */
	bool docker;             /* the client is Debian's docker CLI */
	char sock[200];          /* GLASS_ROOT/glass.sock */
	int cn_fd;               /* the kernel's process events, or -1 */
	struct strbuf trace_buf;
	pid_t init, shim;
	char id[CTR_ID_LEN + 1];
	char *dir; /* ROOT/containers/ID */
};

static long ms_since(const struct chain *C)
{
	return (long)((now_ns() - C->t0) / 1000000ULL);
}

/* pid's parent and comm from /proc/PID/stat; false when it is gone. */
static bool read_stat(pid_t pid, pid_t *ppid, char comm[32])
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_free char *s = lab_read_text(path);
	char *open = s ? strchr(s, '(') : NULL, *close = s ? strrchr(s, ')') : NULL;
	if (!open || !close || close < open)
		return false;
	snprintf(comm, 32, "%.*s", (int)(close - open - 1), open + 1);
	*ppid = (pid_t)atoi(close + 4); /* ") S PPID" */
	return close[2] != 'Z';         /* a zombie has exited: only its parent's wait is left */
}

static struct proc *find(struct chain *C, pid_t pid)
{
	for (size_t i = 0; i < C->n; i++)
		if (C->procs[i].pid == pid && !C->procs[i].gone)
			return &C->procs[i];
	return NULL;
}

/* `glass ... serve`, from its command line. */
static bool is_server(pid_t pid)
{
	char path[64];
	size_t len = 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	cleanup_free char *cl = read_file_at(AT_FDCWD, path, &len);
	if (!cl)
		return false;
	for (size_t i = 0; i < len; i += strlen(cl + i) + 1)
		if (strcmp(cl + i, "serve") == 0)
			return true;
	return false;
}

/* A process's part in the chain, from its program and its parent's part.
 * NULL: nothing new can be said (a parent already gone): keep the old. */
static const char *role_of(struct chain *C, const char *comm, pid_t ppid, pid_t pid)
{
	struct proc *parent = find(C, ppid);
	const char *pr = parent ? parent->role : "";
	if (strcmp(comm, "glass-shim") == 0)
		return "shim";
	if (strncmp(comm, "glass-runtime", 13) == 0)
		return "runtime";
	/* the runtime's child is the container's init: the exec stub first
	 * (glass-init), then the process; the shim adopts it */
	if (pid == C->init || strcmp(comm, "glass-init") == 0 || strcmp(pr, "runtime") == 0)
		return "pid 1";
	if (ppid == getpid()) /* the worker forks the server and the clients */
		return is_server(pid) ? "server" : "client";
	if (strcmp(pr, "pid 1") == 0 || strcmp(pr, "container") == 0)
		return "container";
	return parent ? parent->role : NULL;
}

/* Sets p's role unless it has one and nothing new is known. */
static void set_role(struct chain *C, struct proc *p)
{
	const char *r = role_of(C, p->comm, p->ppid, p->pid);
	/* once pid 1, always: a reparenting or an exec does not change it */
	if (strcmp(p->role, "pid 1") == 0)
		r = "pid 1";
	if (r || !p->role[0])
		snprintf(p->role, sizeof(p->role), "%s", r ? r : "other");
}

/* The cgroup line that names the container's place: the pids controller's
 * (a v1 or hybrid host), else cgroup v2's "0::". */
static char *cgroup_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	cleanup_free char *s = lab_read_text(path);
	char *best = NULL;
	for (char *l = s ? strtok(s, "\n") : NULL; l; l = strtok(NULL, "\n"))
		if (strstr(l, ":pids:") || (!best && strncmp(l, "0::", 3) == 0)) {
			free(best);
			best = xstrdup(strchr(strchr(l, ':') + 1, ':') + 1);
		}
	return best ? best : xstrdup("");
}

static json_object *proc_json(struct chain *C, const struct proc *p, const char *event)
{
	json_object *o = lab_event("proc");
	char path[64];
	json_object_object_add(o, "event", json_object_new_string(event));
	json_object_object_add(o, "pid", json_object_new_int(p->pid));
	json_object_object_add(o, "ppid", json_object_new_int(p->ppid));
	json_object_object_add(o, "comm", json_object_new_string(p->comm));
	json_object_object_add(o, "role", json_object_new_string(p->role));
	json_object_object_add(o, "ms", json_object_new_int64(ms_since(C)));
	if (strcmp(event, "appear") == 0) {
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)p->pid);
		size_t len = 0;
		cleanup_free char *cl = read_file_at(AT_FDCWD, path, &len);
		for (size_t i = 0; cl && i + 1 < len; i++)
			if (cl[i] == '\0')
				cl[i] = ' ';
		json_object_object_add(o, "cmdline", json_object_new_string(cl ? cl : ""));
		json_object_object_add(o, "ns", lab_facts_ns(p->pid));
		cleanup_free char *cg = cgroup_of(p->pid);
		json_object_object_add(o, "cgroup", json_object_new_string(cg));
	}
	return o;
}

/* One look at /proc: the worker's new descendants, and those gone. */
static void scan(struct chain *C)
{
	for (size_t i = 0; i < C->n; i++) {
		struct proc *p = &C->procs[i];
		pid_t pp;
		char comm[32];
		if (p->gone)
			continue;
		if (!read_stat(p->pid, &pp, comm)) {
			p->gone = true;
			lab_emit(proc_json(C, p, "exit"));
		} else if (strcmp(comm, p->comm) != 0) { /* it exec'd another program */
			snprintf(p->comm, sizeof(p->comm), "%s", comm);
			p->ppid = pp;
			set_role(C, p);
			lab_emit(proc_json(C, p, "appear"));
		} else if (pp != p->ppid) { /* reparented */
			p->ppid = pp;
			lab_emit(proc_json(C, p, "reparent"));
		}
	}
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d)) && C->n < MAX_PROCS) {
		pid_t pid = (pid_t)atoi(de->d_name), ppid;
		char comm[32];
		if (pid <= 0 || find(C, pid) || !read_stat(pid, &ppid, comm))
			continue;
		if (ppid != getpid() && !find(C, ppid))
			continue;
		struct proc *p = &C->procs[C->n++];
		*p = (struct proc){.pid = pid, .ppid = ppid};
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
		set_role(C, p);
		lab_emit(proc_json(C, p, "appear"));
	}
	if (d)
		closedir(d);
}

/* ---- the kernel's process events ---- */

/* The proc connector: the kernel reports every fork, exec (its comm
 * change) and exit as it happens, so a glass-runtime that lives a few
 * milliseconds is seen even when no /proc scan falls inside its life.
 * Without it (no CONFIG_PROC_EVENTS) the scans alone are used. */
static int cn_open(void)
{
	int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
	/* nlmsghdr, cn_msg (whose data[] is the op), the op: laid out by hand,
	 * since a struct cannot hold cn_msg's flexible array before a field */
	enum proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
	const size_t len = sizeof(struct nlmsghdr) + sizeof(struct cn_msg) + sizeof(op);
	char m[sizeof(struct nlmsghdr) + sizeof(struct cn_msg) + sizeof(op)]
	    __attribute__((aligned(NLMSG_ALIGNTO))) = {0};
	struct nlmsghdr *nl = (struct nlmsghdr *)m;
	struct cn_msg *cn = (struct cn_msg *)(m + sizeof(*nl));
	nl->nlmsg_len = (__u32)len;
	nl->nlmsg_type = NLMSG_DONE;
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->len = sizeof(op);
	memcpy(m + sizeof(*nl) + sizeof(*cn), &op, sizeof(op));
	if (fd >= 0 &&
	    (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || send(fd, m, len, 0) < 0)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void on_fork(struct chain *C, pid_t parent, pid_t child)
{
	struct proc *pp = find(C, parent);
	if ((parent != getpid() && !pp) || find(C, child) || C->n >= MAX_PROCS)
		return;
	struct proc *p = &C->procs[C->n++];
	pid_t ppid;
	*p = (struct proc){.pid = child, .ppid = parent};
	if (!read_stat(child, &ppid, p->comm)) /* a fork: its parent's program */
		snprintf(p->comm, sizeof(p->comm), "%s", pp ? pp->comm : "?");
	set_role(C, p);
	lab_emit(proc_json(C, p, "appear"));
}

static void on_comm(struct chain *C, pid_t pid, const char *comm)
{
	struct proc *p = find(C, pid);
	if (!p || strcmp(p->comm, comm) == 0)
		return;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	set_role(C, p);
	lab_emit(proc_json(C, p, "appear"));
}

/* An exec says no name (only prctl(PR_SET_NAME) sends a comm event): it
 * is read now, while the process may still be there. */
static void on_exec(struct chain *C, pid_t pid)
{
	pid_t ppid;
	char comm[32];
	if (find(C, pid) && read_stat(pid, &ppid, comm))
		on_comm(C, pid, comm);
}

static void cn_read(struct chain *C)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	int n;
	while (C->cn_fd >= 0 && (n = (int)recv(C->cn_fd, buf, sizeof(buf), 0)) > 0) {
		/* NLMSG_OK spelled out: the macro compares the kernel's __u32
		 * length with recv's int count */
		for (struct nlmsghdr *h = (void *)buf;
		     n >= (int)sizeof(*h) && h->nlmsg_len >= sizeof(*h) &&
		     h->nlmsg_len <= (unsigned)n;
		     h = NLMSG_NEXT(h, n)) {
			struct proc_event *ev = (void *)((struct cn_msg *)NLMSG_DATA(h))->data;
			struct proc *p;
			if (ev->what == PROC_EVENT_FORK &&
			    ev->event_data.fork.child_pid == ev->event_data.fork.child_tgid)
				on_fork(C, ev->event_data.fork.parent_tgid,
				        ev->event_data.fork.child_tgid);
			else if (ev->what == PROC_EVENT_EXEC &&
			         ev->event_data.exec.process_pid ==
			             ev->event_data.exec.process_tgid)
				on_exec(C, ev->event_data.exec.process_tgid);
			else if (ev->what == PROC_EVENT_COMM &&
			         ev->event_data.comm.process_pid ==
			             ev->event_data.comm.process_tgid)
				on_comm(C, ev->event_data.comm.process_tgid,
				        ev->event_data.comm.comm);
			else if (ev->what == PROC_EVENT_EXIT &&
			         ev->event_data.exit.process_pid ==
			             ev->event_data.exit.process_tgid &&
			         (p = find(C, ev->event_data.exit.process_tgid))) {
				p->gone = true;
				lab_emit(proc_json(C, p, "exit"));
			}
		}
	}
}

/* Follows the tree: the kernel's events, then a look at /proc. */
static void watch(struct chain *C)
{
	cn_read(C);
	scan(C);
}

/* ---- the trace of each link ---- */

/* One line of the client's stderr: the engine's JSON event, or a text
 * line of the shim ("[shim ...]") or of the runtime (its other phases),
 * with the config.json field it names ("<- FIELD"). */
static void trace_line(const char *line)
{
	json_object *o = lab_event("trace"), *ev = line[0] == '{' ? json_tokener_parse(line) : NULL;
	json_object *v;
	if (ev) {
		json_object_object_add(o, "link", json_object_new_string("engine"));
		json_object_object_add(o, "event", ev);
	} else {
		const char *t = strncmp(line, "glass: ", 7) == 0 ? line + 7 : line;
		const char *arrow = strstr(t, "   <- ");
		bool shim = strncmp(t, "[shim", 5) == 0;
		json_object_object_add(o, "link",
		                       json_object_new_string(shim ? "shim" : "runtime"));
		json_object_object_add(o, "text", json_object_new_string(t));
		if (arrow)
			json_object_object_add(o, "field", json_object_new_string(arrow + 6));
	}
	if (ev && json_object_object_get_ex(ev, "type", &v) &&
	    strcmp(json_object_get_string(v), "end") != 0 &&
	    strcmp(json_object_get_string(v), "note") != 0) {
		json_object_put(o); /* a begin: its end says it all */
		return;
	}
	lab_emit(o);
}

/* Reads what the trace fd has (waiting at most `ms`), a line at a time. */
static void drain(struct chain *C, int ms)
{
	struct pollfd pf = {.fd = C->trace_fd, .events = POLLIN};
	if (C->trace_fd < 0 || poll(&pf, 1, ms) <= 0)
		return;
	char buf[8192];
	ssize_t n = read(C->trace_fd, buf, sizeof(buf));
	if (n <= 0) {
		close(C->trace_fd);
		C->trace_fd = -1;
		return;
	}
	strbuf_append(&C->trace_buf, buf, (size_t)n);
	char *nl;
	while (C->trace_buf.len && (nl = memchr(C->trace_buf.buf, '\n', C->trace_buf.len))) {
		*nl = '\0';
		trace_line(C->trace_buf.buf);
		size_t used = (size_t)(nl - C->trace_buf.buf) + 1;
		memmove(C->trace_buf.buf, nl + 1, C->trace_buf.len - used);
		C->trace_buf.len -= used;
	}
}

/* ---- the client and the server ---- */

#define DOCKER "/usr/bin/docker" /* Debian's docker.io client */

/* The trace pipe: each glass program of the lesson (the server, or the
 * CLI client without one) writes its trace to the write end, which the
 * worker keeps, so a server killed and started again writes to the same
 * place; the shims it starts inherit it. */
static int trace_w(struct chain *C)
{
	int p[2];
	if (C->trace_wfd < 0 && pipe2(p, O_CLOEXEC) == 0) {
		C->trace_fd = p[0];
		C->trace_wfd = p[1];
	}
	return C->trace_wfd;
}

/* Forks and execs argv: stdin /dev/null, stdout `out`, stderr `err`. */
static pid_t spawn(const char *path, char *const argv[], int out, int err)
{
	pid_t c = fork();
	if (c == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(out >= 0 ? out : null, 1);
		dup2(err >= 0 ? err : null, 2);
		execv(path, argv);
		_exit(127);
	}
	return c;
}

/* The glass binary, not /proc/self/exe: the worker runs from a sealed
 * memfd copy, beside which no glass-runtime lies. */
static char *glass_exe(struct chain *C)
{
	return xasprintf("%s/glass", lab_param_str(C->p, "exe_dir"));
}

/* Runs a client (docker against the server, or glass with its trace on
 * the trace pipe), watching the tree while it runs; *out gets what it
 * printed.  Returns its exit status. */
static int client(struct chain *C, char *const argv[], char **out)
{
	int po[2], st = 0;
	bool docker = strcmp(argv[0], "docker") == 0;
	cleanup_free char *exe = glass_exe(C);
	if (pipe2(po, O_CLOEXEC) < 0)
		return -1;
	pid_t c = spawn(docker ? DOCKER : exe, argv, po[1], docker ? po[1] : trace_w(C));
	close(po[1]);
	/* a detached shim may keep a copy of the write end: read what is
	 * there as it comes and once the client is gone, never wait for EOF */
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	struct strbuf b = STRBUF_INIT;
	char buf[4096];
	ssize_t n;
	for (bool done = c < 0; !done;) {
		watch(C);
		drain(C, 2);
		while ((n = read(po[0], buf, sizeof(buf))) > 0)
			strbuf_append(&b, buf, (size_t)n);
		done = waitpid(c, &st, WNOHANG) == c;
	}
	while ((n = read(po[0], buf, sizeof(buf))) > 0)
		strbuf_append(&b, buf, (size_t)n);
	close(po[0]);
	*out = strbuf_steal(&b);
	if (c < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A client's command line: docker with the server's socket, or glass. */
static void client_event(struct chain *C, const char *what, const char *const args[])
{
	char *argv[32];
	size_t k = 0;
	cleanup_free char *host = xasprintf("unix://%s", C->sock);
	if (C->server > 0) {
		argv[k++] = "docker";
		argv[k++] = "-H";
		argv[k++] = host;
	} else {
		argv[k++] = "glass";
		argv[k++] = "--trace=json";
	}
	for (size_t i = 0; args[i] && k < 31; i++)
		argv[k++] = (char *)args[i];
	argv[k] = NULL;
	struct strbuf cmd = STRBUF_INIT;
	for (size_t i = 0; argv[i]; i++)
		strbuf_printf(&cmd, strchr(argv[i], ' ') ? "%s'%s'" : "%s%s", i ? " " : "",
		              argv[i]);
	cleanup_free char *out = NULL;
	int code = client(C, argv, &out);
	json_object *o = lab_event("client");
	json_object_object_add(o, "what", json_object_new_string(what));
	json_object_object_add(o, "command", json_object_new_string(cmd.buf));
	json_object_object_add(o, "exit", json_object_new_int(code));
	json_object_object_add(o, "stdout", json_object_new_string(out ? out : ""));
	strbuf_release(&cmd);
	lab_emit(o);
}

static bool answers(const char *sock)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* `glass --trace=json serve` on GLASS_ROOT/glass.sock; returns once the
 * socket is there (its trace on the trace pipe). */
static int start_server(struct chain *C)
{
	cleanup_free char *exe = glass_exe(C);
	char *argv[] = {"glass", "--trace=json", "serve", NULL};
	C->server = spawn(exe, argv, -1, trace_w(C));
	/* a killed server's socket file stays until the next one clears it:
	 * the server is up when a connect() succeeds, not when the file is */
	for (int i = 0; i < 250 && C->server > 0 && !answers(C->sock); i++) {
		watch(C);
		drain(C, 20);
	}
	json_object *o = lab_event("server");
	json_object_object_add(o, "pid", json_object_new_int(C->server));
	json_object_object_add(o, "socket", json_object_new_string(C->sock));
	bool up = C->server > 0 && answers(C->sock);
	json_object_object_add(o, "up", json_object_new_boolean(up));
	lab_emit(o);
	if (!up) {
		lab_emit_errorf("serve", ETIMEDOUT, "glass serve did not make %s", C->sock);
		C->server = 0;
		return -1;
	}
	return 0;
}

/* ---- the claims ---- */

static json_object *claim(const char *id, bool held, const char *text)
{
	json_object *o = lab_event("claim");
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "held", json_object_new_boolean(held));
	json_object_object_add(o, "text", json_object_new_string(text));
	return o;
}

static long long file_size(const char *dir, const char *name)
{
	struct stat st;
	cleanup_free char *p = xasprintf("%s/%s", dir, name);
	return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* While the container runs: no engine process and no glass-runtime among
 * the worker's descendants, the init a child of the shim, and the log
 * growing (written by the shim alone). */
static void claim_no_daemon(struct chain *C)
{
	long long before = file_size(C->dir, "container.log");
	for (unsigned long long t = now_ns(); now_ns() - t < 2500000000ULL && !lab_worker_stop;) {
		watch(C);
		drain(C, 100);
		usleep(20000);
	}
	long long after = file_size(C->dir, "container.log");
	size_t engines = 0, runtimes = 0;
	for (size_t i = 0; i < C->n; i++) {
		const struct proc *p = &C->procs[i];
		engines += !p->gone && strcmp(p->role, "client") == 0;
		runtimes += !p->gone && strcmp(p->role, "runtime") == 0;
	}
	pid_t pp = 0;
	char comm[32] = "";
	bool init_alive = read_stat(C->init, &pp, comm);
	bool held = engines == 0 && runtimes == 0 && init_alive && pp == C->shim && after > before;
	cleanup_free char *t = xasprintf(
	    "%zu client and %zu glass-runtime processes%s; pid 1 (%d, %s) alive, its parent %d "
	    "(the shim is %d); container.log %lld → %lld bytes in 2.5 s",
	    engines, runtimes, C->server > 0 ? " (glass serve waits for requests)" : "",
	    (int)C->init, comm, (int)pp, (int)C->shim, before, after);
	json_object *o = claim("no-daemon", held, t);
	json_object_object_add(o, "log_before", json_object_new_int64(before));
	json_object_object_add(o, "log_after", json_object_new_int64(after));
	lab_emit(o);
}

/* kill -9 of the container's pid 1: the shim, its parent, reaps it and
 * writes the exit to status.json, with no engine process running. */
static void claim_kill_init(struct chain *C)
{
	cleanup_free char *path = xasprintf("%s/status.json", C->dir);
	if (C->init <= 1) /* kill(0) would be our own process group */
		return;
	kill(C->init, SIGKILL);
	json_object *st = NULL, *v;
	for (int i = 0; i < 100 && !lab_worker_stop; i++) {
		watch(C);
		drain(C, 30);
		json_object_put(st);
		cleanup_free char *text = lab_read_text(path);
		st = text ? json_tokener_parse(text) : NULL;
		if (st && json_object_object_get_ex(st, "status", &v) &&
		    strcmp(json_object_get_string(v), "running") != 0)
			break;
	}
	bool held = st && json_object_object_get_ex(st, "status", &v) &&
	            strcmp(json_object_get_string(v), "running") != 0;
	json_object *o = claim("kill-init", held,
	                       held ? "the shim recorded the exit in status.json"
	                            : "status.json did not change within 3 s");
	json_object_object_add(o, "status_json", st ? st : json_object_new_null());
	json_object_object_add(o, "path", json_object_new_string(path));
	lab_emit(o);
}

static void config_event(struct chain *C)
{
	cleanup_free char *path = xasprintf("%s/config.json", C->dir);
	cleanup_free char *text = lab_read_text(path);
	json_object *o = lab_event("config");
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "config",
	                       text ? json_tokener_parse(text) : json_object_new_null());
	lab_emit(o);
}

/* The container's pid 1 and shim, from the engine's own view of it. */
static int locate(struct chain *C)
{
	struct glass_err *err = NULL;
	struct ctr *c = NULL;
	if (ctr_find(NAME, &c, &err) < 0) {
		lab_emit_error(err, "ps");
		glass_err_free(&err);
		return -1;
	}
	C->init = c->st.pid;
	C->shim = c->st.shim_pid;
	if (C->init <= 1 || c->st.status != CTR_RUNNING) {
		lab_emit_errorf("ps", ESRCH, "the container %s is %s, not running", NAME,
		                ctr_status_name(c->st.status));
		ctr_free(c);
		return -1;
	}
	snprintf(C->id, sizeof(C->id), "%s", c->id);
	C->dir = xstrdup(c->dir);
	ctr_free(c);
	json_object *o = lab_event("ready");
	json_object_object_add(o, "id", json_object_new_string(C->id));
	json_object_object_add(o, "init", json_object_new_int(C->init));
	json_object_object_add(o, "shim", json_object_new_int(C->shim));
	json_object_object_add(o, "worker", json_object_new_int(getpid()));
	json_object_object_add(o, "dir", json_object_new_string(C->dir));
	lab_emit(o);
	return 0;
}

/* kill -9 of glass serve: the container is the shim's, not the
 * server's; it runs on and its log grows. */
static void claim_kill_server(struct chain *C)
{
	if (C->server <= 1)
		return;
	kill(C->server, SIGKILL);
	int st;
	waitpid(C->server, &st, 0);
	pid_t dead = C->server;
	C->server = 0;
	long long before = file_size(C->dir, "container.log");
	for (unsigned long long t = now_ns(); now_ns() - t < 2500000000ULL && !lab_worker_stop;) {
		watch(C);
		drain(C, 100);
	}
	long long after = file_size(C->dir, "container.log");
	pid_t pp = 0;
	char comm[32] = "";
	bool alive = read_stat(C->init, &pp, comm) && pp == C->shim;
	cleanup_free char *t = xasprintf(
	    "glass serve (%d) killed with SIGKILL; pid 1 (%d, %s) %s, its parent %d (the shim); "
	    "container.log %lld → %lld bytes in 2.5 s",
	    (int)dead, (int)C->init, comm, alive ? "alive" : "gone", (int)pp, before, after);
	json_object *o = claim("kill-server", kill(dead, 0) < 0 && alive && after > before, t);
	json_object_object_add(o, "server", json_object_new_int(dead));
	lab_emit(o);
}

/* A new server reads the containers from the shims' files. */
static void claim_restart_server(struct chain *C)
{
	static const char *const ps[] = {
	    "ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}} {{.Status}}", NULL};
	if (C->server > 0 || start_server(C) < 0)
		return;
	client_event(C, "the new server answers docker ps", ps);
}

/* ---- the lesson ---- */

static void serve(struct chain *C)
{
	static const char *const ps[] = {"ps", "-a", NULL};
	for (;;) {
		cleanup_free char *line = NULL;
		int r = lab_control_line(300, &line);
		if (r < 0)
			return;
		while (waitpid(-1, NULL, WNOHANG) > 0) /* shims that came to us and exited */
			;
		watch(C);
		drain(C, 0);
		if (r == 0)
			continue;
		json_object *o = json_tokener_parse(line);
		const char *op = lab_param_str(o, "op");
		bool end = strcmp(op, "end") == 0;
		if (strcmp(op, "no-daemon") == 0)
			claim_no_daemon(C);
		else if (strcmp(op, "kill-init") == 0)
			claim_kill_init(C);
		else if (strcmp(op, "kill-server") == 0)
			claim_kill_server(C);
		else if (strcmp(op, "restart-server") == 0)
			claim_restart_server(C);
		else if (strcmp(op, "ps") == 0)
			client_event(C, "a new client reads the shim's files", ps);
		json_object_put(o);
		if (end)
			return;
	}
}

static int import_builtin(json_object *p)
{
	struct glass_err *err = NULL;
	struct glass_store *s = NULL;
	struct glass_image *img = NULL;
	if (lab_image_open("builtin", lab_param_str(p, "rootfs"), &s, &img, &err) < 0) {
		lab_emit_error(err, "image");
		glass_err_free(&err);
		return -1;
	}
	glass_image_free(img);
	glass_store_close(s);
	return 0;
}

static void settle(struct chain *C)
{
	for (int i = 0; i < 10; i++) {
		watch(C);
		drain(C, 30);
	}
}

static int run_chain(json_object *p)
{
	struct chain C = {
	    .p = p, .trace_fd = -1, .trace_wfd = -1, .t0 = now_ns(), .cn_fd = cn_open()};
	cleanup_free char *root = xasprintf("%s/root", lab_param_str(p, "dir"));
	snprintf(C.sock, sizeof(C.sock), "%s/glass.sock", root);
	if (mkdir_p(root, 0700) < 0) {
		lab_emit_errorf("mkdir", errno, "%s", root);
		return 1;
	}
	setenv("GLASS_ROOT", root, 1); /* the engine's store: this experiment's own */
	json_object *w = lab_event("watching");
	json_object_object_add(
	    w, "how",
	    json_object_new_string(C.cn_fd >= 0
	                               ? "the kernel's process events (proc connector) and /proc"
	                               : "scans of /proc (no proc connector here)"));
	C.docker = access(DOCKER, X_OK) == 0;
	json_object_object_add(w, "client", json_object_new_string(C.docker ? "docker" : "glass"));
	lab_emit(w);
	int rc = import_builtin(p);
	/* with Debian's docker client the chain starts at the API server;
	 * without it, the glass CLI is the client (and the engine) */
	if (rc == 0 && C.docker)
		rc = start_server(&C);
	const char *run[] = {"run",
	                     "-d",
	                     "--cgroup-parent",
	                     lab_param_str(p, "cgroup"),
	                     "--name",
	                     NAME,
	                     GLASS_BUILTIN_IMAGE,
	                     "sh",
	                     "-c",
	                     loop_cmd,
	                     NULL};
	if (rc == 0) {
		client_event(&C, "the client starts a container", run);
		settle(&C);
		rc = locate(&C);
	}
	if (rc == 0) {
		config_event(&C);
		serve(&C);
	}
	static const char *const rm[] = {"rm", "-f", NAME, NULL};
	if (C.server <= 0 && C.docker)
		start_server(&C);
	client_event(&C, "the client removes it", rm);
	settle(&C);
	if (C.server > 0) {
		kill(C.server, SIGTERM);
		waitpid(C.server, NULL, 0);
	}
	if (C.trace_fd >= 0)
		close(C.trace_fd);
	if (C.trace_wfd >= 0)
		close(C.trace_wfd);
	if (C.cn_fd >= 0)
		close(C.cn_fd);
	strbuf_release(&C.trace_buf);
	free(C.dir);
	return rc == 0 ? 0 : 1;
}

static const char *const ops[] = {"no-daemon", "kill-init", "kill-server", "restart-server",
                                  "ps",        "end",       NULL};

static char *chain_action(json_object *req, char *why)
{
	return lab_req_op(req, ops, why);
}

static const struct lab_kind kinds[] = {
    {.name = "chain", .action = chain_action, .run = run_chain},
};

const struct lab_module lab_module_chain = {
    .id = "chain",
    .title = "6 · The chain: who does what when you type run",
    .summary = "docker run -d against glass serve (or glass run -d without a docker "
               "client), the process tree followed through the kernel's process events as it "
               "changes (server, client, the shim's setsid and fork, the short-lived "
               "glass-runtime create and start, pid 1 adopted by the shim: pid, parent, "
               "namespaces, cgroup), each link's trace beside it; the server killed with "
               "SIGKILL while the container runs on and its log grows, started again and "
               "finding it; no runtime process while it runs; pid 1 killed and the exit in "
               "the shim's status.json; config.json linked to the trace steps each field asked "
               "for",
    .source = "src/lab/exp-chain.c",
    .kinds = kinds,
    .nkinds = sizeof(kinds) / sizeof(kinds[0]),
};

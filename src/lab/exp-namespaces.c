/* Experiment 1: what a process can see, namespace by namespace.
 *
 * A namespace wraps one global resource of the kernel (the mount table,
 * the hostname, System V IPC, the pid numbers, the network stack, the user
 * and group ids, the cgroup root, the monotonic and boot clocks) so that
 * the processes inside see their own instance.  The experiment starts a
 * real container with exactly the namespaces the learner switched on and
 * runs the same probe on both sides: in the container as its process
 * (pid 1 when it has its own PID namespace), and on the host beside the
 * lab.  The two JSON reports are what each side saw just now.
 *
 * The CLONE_NEWPID lesson runs the call for real in the worker:
 * unshare(CLONE_NEWPID) does not move the caller (its pid stays, only
 * /proc/self/ns/pid_for_children changes), the next child is pid 1 of the
 * new namespace, and once that pid 1 exits the namespace is dead and
 * fork() fails with ENOMEM.
 */
#include "lab.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const ns_spec_names[8] = {"mount",   "uts",  "ipc",    "pid",
                                             "network", "user", "cgroup", "time"};
static const char *const ns_param_names[8] = {"mount", "uts",  "ipc",    "pid",
                                              "net",   "user", "cgroup", "time"};

/* The container's sections of the probe: everything experiment 1 shows. */
#define PROBE_SECTIONS "pid,ids,uts,ns,idmap,status,mounts,cgroup,procs,clocks,net,ipc,root"

static json_object *jstr_array(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *mount_entry(const char *dest, const char *type, const char *src,
                                const char *const *opts, size_t nopts)
{
	json_object *m = json_object_new_object();
	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", jstr_array(opts, nopts));
	return m;
}

static json_object *idmap(unsigned cid, unsigned hid, unsigned size)
{
	json_object *a = json_object_new_array(), *m = json_object_new_object();
	json_object_object_add(m, "containerID", json_object_new_int64(cid));
	json_object_object_add(m, "hostID", json_object_new_int64(hid));
	json_object_object_add(m, "size", json_object_new_int64(size));
	json_object_array_add(a, m);
	return a;
}

/* Without a mount namespace the container shares the host's mount table:
 * nothing may be mounted, so there are no mounts[], the root is the host's
 * "/" (a chroot into the image would hide /proc from the probe), and the
 * probe runs from the image's host path. */
json_object *lab_config_json(const struct lab_config *c)
{
	static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
	static const char *const env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
	bool mnt = c->ns[0], user = c->ns[5], pid = c->ns[3], net = c->ns[4];
	json_object *cfg = json_object_new_object();
	json_object_object_add(cfg, "ociVersion", json_object_new_string("1.0.2"));

	json_object *root = json_object_new_object();
	json_object_object_add(root, "path", json_object_new_string(mnt ? c->rootfs : "/"));
	json_object_object_add(root, "readonly", json_object_new_boolean(mnt && !c->root_rw));
	json_object_object_add(cfg, "root", root);

	json_object *proc = json_object_new_object();
	json_object_object_add(proc, "terminal", json_object_new_boolean(false));
	json_object *u = json_object_new_object();
	json_object_object_add(u, "uid", json_object_new_int(0));
	json_object_object_add(u, "gid", json_object_new_int(0));
	json_object_object_add(proc, "user", u);
	json_object *args = json_object_new_array();
	for (size_t i = 0; c->args[i]; i++) {
		if (i == 0 && !mnt) {
			char *p = xasprintf("%s%s", c->rootfs, c->args[0]);
			json_object_array_add(args, json_object_new_string(p));
			free(p);
		} else {
			json_object_array_add(args, json_object_new_string(c->args[i]));
		}
	}
	json_object_object_add(proc, "args", args);
	json_object_object_add(proc, "env", jstr_array(env, 2));
	json_object_object_add(proc, "cwd", json_object_new_string("/"));
	json_object *cs = json_object_new_object();
	json_object_object_add(cs, "bounding", jstr_array(caps, 3));
	json_object_object_add(cs, "effective", jstr_array(caps, 3));
	json_object_object_add(cs, "permitted", jstr_array(caps, 3));
	json_object_object_add(proc, "capabilities", cs);
	if (c->rlimits) {
		json_object *rl = json_object_new_array(), *r = json_object_new_object();
		json_object_object_add(r, "type", json_object_new_string("RLIMIT_NOFILE"));
		json_object_object_add(r, "hard", json_object_new_int(1024));
		json_object_object_add(r, "soft", json_object_new_int(1024));
		json_object_array_add(rl, r);
		json_object_object_add(proc, "rlimits", rl);
	}
	json_object_object_add(proc, "noNewPrivileges", json_object_new_boolean(true));
	json_object_object_add(cfg, "process", proc);
	if (c->ns[1])
		json_object_object_add(cfg, "hostname", json_object_new_string(c->hostname));

	json_object *mounts = json_object_new_array();
	if (mnt) {
		static const char *const o_proc[] = {"nosuid", "noexec", "nodev"};
		static const char *const o_rproc[] = {"rbind", "nosuid", "noexec", "nodev"};
		static const char *const o_dev[] = {"nosuid", "strictatime", "mode=755",
		                                    "size=65536k"};
		static const char *const o_pts[] = {"nosuid", "noexec", "newinstance",
		                                    "ptmxmode=0666", "mode=0620"};
		static const char *const o_sys[] = {"nosuid", "noexec", "nodev", "ro"};
		/* proc of a PID namespace owned by another user namespace
		 * cannot be mounted: bind the host's instead, as rootless runc. */
		if (user && !pid)
			json_object_array_add(mounts,
			                      mount_entry("/proc", "bind", "/proc", o_rproc, 4));
		else
			json_object_array_add(mounts,
			                      mount_entry("/proc", "proc", "proc", o_proc, 3));
		json_object_array_add(mounts, mount_entry("/dev", "tmpfs", "tmpfs", o_dev, 4));
		json_object_array_add(mounts,
		                      mount_entry("/dev/pts", "devpts", "devpts", o_pts, 5));
		/* sysfs needs the network namespace's owner: not in a new user
		 * namespace that shares the host's network. */
		if (!user || net)
			json_object_array_add(mounts,
			                      mount_entry("/sys", "sysfs", "sysfs", o_sys, 4));
	}
	json_object_object_add(cfg, "mounts", mounts);

	json_object *lx = json_object_new_object();
	json_object *nss = json_object_new_array();
	for (size_t i = 0; i < 8; i++) {
		if (!c->ns[i])
			continue;
		json_object *n = json_object_new_object();
		json_object_object_add(n, "type", json_object_new_string(ns_spec_names[i]));
		json_object_array_add(nss, n);
	}
	json_object_object_add(lx, "namespaces", nss);
	if (user) {
		json_object_object_add(lx, "uidMappings", idmap(0, 100000, 65536));
		json_object_object_add(lx, "gidMappings", idmap(0, 100000, 65536));
	}
	if (c->ns[7]) {
		json_object *to = json_object_new_object(), *m = json_object_new_object(),
		            *b = json_object_new_object();
		json_object_object_add(m, "secs", json_object_new_int64(365LL * 86400));
		json_object_object_add(m, "nanosecs", json_object_new_int(0));
		json_object_object_add(b, "secs", json_object_new_int64(2 * 365LL * 86400));
		json_object_object_add(b, "nanosecs", json_object_new_int(0));
		json_object_object_add(to, "monotonic", m);
		json_object_object_add(to, "boottime", b);
		json_object_object_add(lx, "timeOffsets", to);
	}
	json_object_object_add(lx, "cgroupsPath", json_object_new_string(c->cgroup));
	if (c->pids_limit) {
		json_object *res = json_object_new_object(), *pids = json_object_new_object();
		json_object_object_add(pids, "limit", json_object_new_int(64));
		json_object_object_add(res, "pids", pids);
		json_object_object_add(lx, "resources", res);
	}
	if (c->seccomp) {
		static const char *const denied[] = {"keyctl", "add_key", "request_key", "swapon",
		                                     "swapoff"};
		json_object *sc = json_object_new_object(), *rules = json_object_new_array(),
		            *rule = json_object_new_object();
		json_object_object_add(sc, "defaultAction",
		                       json_object_new_string("SCMP_ACT_ALLOW"));
		json_object_object_add(rule, "names", jstr_array(denied, 5));
		json_object_object_add(rule, "action", json_object_new_string("SCMP_ACT_ERRNO"));
		json_object_object_add(rule, "errnoRet", json_object_new_int(EPERM));
		json_object_array_add(rules, rule);
		json_object_object_add(sc, "syscalls", rules);
		json_object_object_add(lx, "seccomp", sc);
	}
	json_object_object_add(cfg, "linux", lx);
	return cfg;
}

void lab_config_add_mount(json_object *cfg, const char *dest, const char *type, const char *src,
                          const char *const *opts)
{
	json_object *mounts;
	size_t n = 0;
	while (opts[n])
		n++;
	if (!json_object_object_get_ex(cfg, "mounts", &mounts)) {
		mounts = json_object_new_array();
		json_object_object_add(cfg, "mounts", mounts);
	}
	json_object_array_add(mounts, mount_entry(dest, type, src, opts, n));
}

/* The page's switches, one boolean per namespace, all of them passed on. */
static int ns_params(json_object *req, json_object *p, char *why)
{
	static const char *const keys[] = {"kind", "namespaces", NULL};
	json_object *ns = NULL, *out = json_object_new_object();
	if (!lab_req_only(req, keys, why)) {
		json_object_put(out);
		return -1;
	}
	json_object_object_get_ex(req, "namespaces", &ns);
	if (ns && !json_object_is_type(ns, json_type_object)) {
		snprintf(why, LAB_WHY_SIZE, "namespaces: expected an object of booleans");
		json_object_put(out);
		return -1;
	}
	json_object_object_foreach(ns ? ns : out, key, val)
	{
		bool known = false;
		for (size_t i = 0; i < 8; i++)
			known |= strcmp(key, ns_param_names[i]) == 0;
		if (!known || !json_object_is_type(val, json_type_boolean)) {
			snprintf(why, LAB_WHY_SIZE,
			         "namespaces.%.40s: not a namespace type, or not true/false", key);
			json_object_put(out);
			return -1;
		}
	}
	for (size_t i = 0; i < 8; i++) {
		json_object *v;
		bool on = ns && json_object_object_get_ex(ns, ns_param_names[i], &v) &&
		          json_object_get_boolean(v);
		json_object_object_add(out, ns_param_names[i], json_object_new_boolean(on));
	}
	json_object_object_add(p, "namespaces", out);
	return 0;
}

static int pidns_params(json_object *req, json_object *p, char *why)
{
	static const char *const keys[] = {"kind", NULL};
	(void)p;
	return lab_req_only(req, keys, why) ? 0 : -1;
}

/* SysV objects in the host's IPC namespace with the lab's key, made with
 * IPC_EXCL: when another program holds the key, the lab makes none (and
 * so can never remove another program's).  The ids are recorded for the
 * safety net. */
static void make_ipc(const char *dir, int key, int *shm, int *msq)
{
	*shm = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600);
	int shm_err = errno;
	*msq = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
	int msq_err = errno;
	if (*shm >= 0)
		lab_note_ipc(dir, 'm', key, *shm);
	if (*msq >= 0)
		lab_note_ipc(dir, 'q', key, *msq);
	json_object *o = lab_event("ipc");
	char k[16];
	snprintf(k, sizeof(k), "0x%08x", (unsigned)key);
	json_object_object_add(o, "key", json_object_new_string(k));
	json_object_object_add(o, "shm_id", json_object_new_int(*shm));
	json_object_object_add(o, "msg_id", json_object_new_int(*msq));
	if (*shm < 0)
		json_object_object_add(o, "shm_error", json_object_new_string(strerror(shm_err)));
	if (*msq < 0)
		json_object_object_add(o, "msg_error", json_object_new_string(strerror(msq_err)));
	lab_emit(o);
}

static int run_namespaces(json_object *p)
{
	struct lab_config c = {0};
	static const char *const args[] = {"/usr/bin/glass-probe", "--only", PROBE_SECTIONS, NULL};
	json_object *ns, *v;
	int key = 0, shm = -1, msq = -1, rc = -1;

	if (json_object_object_get_ex(p, "namespaces", &ns))
		for (size_t i = 0; i < 8; i++)
			c.ns[i] = json_object_object_get_ex(ns, ns_param_names[i], &v) &&
			          json_object_get_boolean(v);
	if (json_object_object_get_ex(p, "ipc_key", &v))
		key = json_object_get_int(v);
	c.rootfs = lab_param_str(p, "rootfs");
	c.cgroup = lab_param_str(p, "cgroup");
	c.hostname = "glass-lab";
	c.args = args;

	/* System V objects in the host's IPC namespace, with a key the page
	 * knows: the container sees them only when it shares that namespace. */
	if (key)
		make_ipc(lab_param_str(p, "dir"), key, &shm, &msq);

	/* The host's side, read now by the same probe. */
	json_object *host = lab_probe_host(c.rootfs, PROBE_SECTIONS);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("view"));
	json_object_object_add(o, "side", json_object_new_string("host"));
	json_object_object_add(o, "view", host);
	lab_emit(o);

	json_object *cfg = lab_config_json(&c);
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("config"));
	json_object_object_add(o, "config", json_object_get(cfg));
	lab_emit(o);

	struct glass_err *err = NULL;
	cleanup_free char *bundle = xasprintf("%s/bundle", lab_param_str(p, "dir"));
	cleanup_free char *state = xasprintf("%s/state", lab_param_str(p, "dir"));
	cleanup_free char *id = xasprintf("glass-lab-%d-%s", getppid(), lab_param_str(p, "id"));
	if (lab_write_bundle(bundle, cfg, &err) < 0 || mkdir_p(state, 0711) < 0) {
		lab_emit_error(err, "bundle");
		glass_err_free(&err);
	} else {
		json_object *view = NULL;
		int status = -1;
		glass_trace_set_output(GLASS_TRACE_JSON, LAB_EVENT_FD);
		if (lab_run_container(state, id, bundle, &view, &status) == 0) {
			glass_trace_set_output(GLASS_TRACE_OFF, -1);
			o = json_object_new_object();
			json_object_object_add(o, "type", json_object_new_string("view"));
			json_object_object_add(o, "side", json_object_new_string("container"));
			json_object_object_add(o, "exit", json_object_new_int(status));
			json_object_object_add(o, "view", view);
			lab_emit(o);
			rc = status == 0 ? 0 : -1;
		}
		glass_trace_set_output(GLASS_TRACE_OFF, -1);
	}
	json_object_put(cfg);
	if (shm >= 0)
		shmctl(shm, IPC_RMID, NULL);
	if (msq >= 0)
		msgctl(msq, IPC_RMID, NULL);
	return rc;
}

/* ---- the CLONE_NEWPID lesson ---- */

static json_object *ns_of_self(void)
{
	return lab_facts_ns(0); /* /proc/self: getpid() may be 1 */
}

static void lesson(const char *step, json_object *facts)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("lesson"));
	json_object_object_add(o, "step", json_object_new_string(step));
	json_object_object_add(o, "facts", facts);
	lab_emit(o);
}

static int run_pidns(json_object *p)
{
	struct glass_err *err = NULL;
	json_object *f = json_object_new_object();
	json_object_object_add(f, "getpid", json_object_new_int(getpid()));
	json_object_object_add(f, "ns", ns_of_self());
	lesson("before", f);

	glass_trace_set_output(GLASS_TRACE_JSON, LAB_EVENT_FD);
	if (glass_sys_unshare(CLONE_NEWPID, "linux.namespaces[type=pid]", &err) < 0) {
		lab_emit_error(err, "unshare");
		glass_err_free(&err);
		return -1;
	}
	glass_trace_set_output(GLASS_TRACE_OFF, -1);
	f = json_object_new_object();
	json_object_object_add(f, "getpid", json_object_new_int(getpid()));
	json_object_object_add(f, "ns", ns_of_self());
	/* The new namespace has no process yet: the kernel will not name
	 * it through pid_for_children until its init exists. */
	char link[64];
	if (readlink("/proc/self/ns/pid_for_children", link, sizeof(link)) < 0) {
		int e = errno;
		json_object_object_add(f, "pid_for_children_errname",
		                       json_object_new_string(strerrorname_np(e)));
		json_object_object_add(f, "pid_for_children_error",
		                       json_object_new_string(strerror(e)));
	}
	lesson("after-unshare", f);

	int pfd[2];
	if (pipe(pfd) < 0)
		return -1;
	pid_t c = fork();
	if (c == 0) {
		/* pid 1 of the new namespace.  /proc is still the host's procfs
		 * (mounted for the host's PID namespace), so /proc/self names
		 * this process by its host pid. */
		char self[64] = "";
		ssize_t n = readlink("/proc/self", self, sizeof(self) - 1);
		self[n > 0 ? n : 0] = '\0';
		json_object *cf = json_object_new_object();
		json_object_object_add(cf, "getpid", json_object_new_int(getpid()));
		json_object_object_add(cf, "getppid", json_object_new_int(getppid()));
		json_object_object_add(cf, "proc_self", json_object_new_string(self));
		json_object_object_add(cf, "ns", ns_of_self());
		const char *s = json_object_to_json_string_ext(cf, JSON_C_TO_STRING_PLAIN);
		write_all(pfd[1], s, strlen(s));
		_exit(0);
	}
	close(pfd[1]);
	if (c < 0) {
		glass_err_new(&err, errno, "fork()");
		lab_emit_error(err, "fork");
		glass_err_free(&err);
		return -1;
	}
	json_object *child = lab_read_json_fd(pfd[0]);
	close(pfd[0]);
	waitpid(c, NULL, 0);
	f = json_object_new_object();
	json_object_object_add(f, "child_pid_seen_by_parent", json_object_new_int(c));
	json_object_object_add(f, "child", child);
	lesson("first-child", f);

	/* Its init is gone: the namespace accepts no new process. */
	pid_t again = fork();
	int e = errno;
	if (again == 0)
		_exit(0);
	if (again > 0)
		waitpid(again, NULL, 0);
	f = json_object_new_object();
	json_object_object_add(f, "fork_result", json_object_new_int(again));
	if (again < 0) {
		json_object_object_add(f, "errno", json_object_new_int(e));
		json_object_object_add(f, "errname", json_object_new_string(strerrorname_np(e)));
		json_object_object_add(f, "error", json_object_new_string(strerror(e)));
	}
	lesson("after-init-exit", f);
	return 0;
}

static const struct lab_kind kinds[] = {
    {.name = "namespaces", .params = ns_params, .run = run_namespaces, .flags = LAB_KIND_IPC},
    {.name = "pidns", .params = pidns_params, .run = run_pidns},
};

const struct lab_module lab_module_namespaces = {
    .id = "namespaces",
    .title = "1 · What a process can see",
    .summary = "eight switches, one per namespace type; a real container with exactly those "
               "namespaces and the same probe on the host, side by side; the CLONE_NEWPID "
               "lesson run for real",
    .source = "src/lab/exp-namespaces.c",
    .kinds = kinds,
    .nkinds = sizeof(kinds) / sizeof(kinds[0]),
};

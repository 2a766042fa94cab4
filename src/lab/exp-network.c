/* Experiment 8: the network, hop by hop.
 *
 * Two containers on a user network, built by the engine's own network
 * code (netvol.h: the network's conflist, a network namespace per
 * container, the CNI chain loopback → bridge → portmap → firewall →
 * tuning run by cni.c, /etc/hosts by net-hosts.c), one kernel-facing step
 * at a time: the engine's observer hands the worker each step as it lands,
 * and the worker reads what the kernel now holds (ip -j link/addr/route in
 * every namespace, the iptables and nftables rules) before the learner
 * asks for the next one.
 *
 * All of it happens inside a network namespace the worker makes for the
 * lesson (with a mount namespace of its own, for the engine's nsfs bind
 * mounts): the lesson's "host" is that namespace, so the bridge, the veth
 * ends, the NAT and FORWARD rules never touch the machine's own.  The
 * engine's state (GLASS_ROOT) is the experiment's directory.  At the end
 * the engine tears everything down (CNI DEL, namespaces unmounted, the
 * bridge deleted), shown the same way, and the namespace goes with the
 * worker.
 *
 * Then a packet's path: an HTTP GET from alpha to beta by name, and from
 * the lesson's host to beta's published port, each with the interfaces'
 * packet counters and the rules' hit counters before and after, so the
 * hops shown are the ones the packets took. */
#include "container.h"
#include "lab.h"
#include "netvol.h"
#include "sys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define NET_NAME  "lab"
#define HOST_PORT 8080
static const char *const names[2] = {"alpha", "beta"};

struct lesson {
	json_object *p;
	char state[4096], base_id[128];
	char *netns[2]; /* the containers' namespaces (the engine's paths) */
	pid_t init[2];
	bool started[2], attached[2];
	struct engine_netvol nv[2];
	int n;             /* steps so far */
	bool rest, ending; /* no more pauses; the learner ended it */
	const char *phase; /* "build" | "teardown" */
};

/* ---- what the kernel holds ---- */

/* What a memfd holds, as a string. */
static char *fd_text(int fd)
{
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return xstrdup("");
	char *s = xcalloc(1, (size_t)sb.st_size + 1);
	if (pread(fd, s, (size_t)sb.st_size, 0) < 0)
		s[0] = '\0';
	return s;
}

/* Runs argv (with the network namespace `nspath` when not NULL) and
 * returns its output (stdout and stderr), *status its exit status. */
static char *run_in(const char *nspath, char *const argv[], int *status)
{
	int out = memfd_create("glass-lab-net", MFD_CLOEXEC);
	if (out < 0)
		return xstrdup("");
	pid_t c = fork();
	if (c == 0) {
		int fd = nspath ? open(nspath, O_RDONLY | O_CLOEXEC) : -1;
		if (nspath && (fd < 0 || glass_sys_setns(fd, CLONE_NEWNET, nspath, NULL, NULL) < 0))
			_exit(126);
		dup2(out, 1);
		dup2(out, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st = 0;
	if (c > 0)
		while (waitpid(c, &st, 0) < 0 && errno == EINTR)
			;
	*status = c > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	char *s = fd_text(out);
	close(out);
	return s;
}

static json_object *run_json(const char *nspath, char *const argv[])
{
	int st;
	cleanup_free char *s = run_in(nspath, argv, &st);
	json_object *o = st == 0 ? json_tokener_parse(s) : NULL;
	return o ? o : json_object_new_string(s);
}

static json_object *ns_view(const char *nspath)
{
	json_object *v = json_object_new_object();
	char *link[] = {"ip", "-d", "-j", "link", "show", NULL};
	char *addr[] = {"ip", "-j", "addr", "show", NULL};
	char *route[] = {"ip", "-j", "route", "show", NULL};
	json_object_object_add(v, "link", run_json(nspath, link));
	json_object_object_add(v, "addr", run_json(nspath, addr));
	json_object_object_add(v, "route", run_json(nspath, route));
	return v;
}

static json_object *rules_view(void)
{
	json_object *v = json_object_new_object();
	char *ipt[] = {"iptables-save", NULL};
	char *nft[] = {"nft", "list", "ruleset", NULL};
	int st;
	char *s = run_in(NULL, ipt, &st);
	json_object_object_add(v, "iptables", json_object_new_string(s));
	free(s);
	s = run_in(NULL, nft, &st);
	json_object_object_add(v, "nft", json_object_new_string(s));
	free(s);
	return v;
}

/* A namespace file that is still bound (nsfs, not the empty file under). */
static bool bound(const char *path)
{
	struct statfs sf;
	return path && statfs(path, &sf) == 0 && sf.f_type == NSFS_MAGIC;
}

static json_object *kernel_view(struct lesson *L)
{
	json_object *v = json_object_new_object();
	json_object_object_add(v, "host", ns_view(NULL));
	for (size_t i = 0; i < 2; i++)
		if (L->attached[i] && bound(L->netns[i]))
			json_object_object_add(v, names[i], ns_view(L->netns[i]));
	json_object_object_add(v, "rules", rules_view());
	return v;
}

/* ---- the steps ---- */

/* Waits for the learner's "next" (or "rest": no more pauses, "end"). */
static void wait_next(struct lesson *L)
{
	while (!L->rest) {
		cleanup_free char *line = NULL;
		if (lab_control_line(-1, &line) < 0) {
			L->rest = L->ending = true;
			return;
		}
		json_object *o = json_tokener_parse(line);
		const char *op = lab_param_str(o, "op");
		if (strcmp(op, "next") == 0) {
			json_object_put(o);
			return;
		}
		if (strcmp(op, "rest") == 0 || strcmp(op, "end") == 0)
			L->rest = true;
		L->ending |= strcmp(op, "end") == 0;
		json_object_put(o);
	}
}

/* One step: what was done, the command, why, and the kernel after it. */
static void step(struct lesson *L, const char *what, const char *ctr, const char *title,
                 const char *cmd, const char *why, json_object *extra)
{
	json_object *o = lab_event("step");
	json_object_object_add(o, "n", json_object_new_int(++L->n));
	json_object_object_add(o, "phase", json_object_new_string(L->phase));
	json_object_object_add(o, "what", json_object_new_string(what));
	if (ctr)
		json_object_object_add(o, "container", json_object_new_string(ctr));
	json_object_object_add(o, "title", json_object_new_string(title));
	json_object_object_add(o, "command", json_object_new_string(cmd));
	json_object_object_add(o, "why", json_object_new_string(why));
	if (extra) {
		json_object_object_foreach(extra, k, val)
		{
			json_object_object_add(o, k, json_object_get(val));
		}
		json_object_put(extra);
	}
	json_object_object_add(o, "view", kernel_view(L));
	bool pause = !L->rest && strcmp(L->phase, "build") == 0;
	json_object_object_add(o, "paused", json_object_new_boolean(pause));
	lab_emit(o);
	if (pause)
		wait_next(L);
}

static const struct {
	const char *type, *title, *why;
} plugin_text[] = {
    {"loopback", "lo up", "a new network namespace has only lo, and it is down"},
    {"bridge", "the bridge, a veth pair, the address and the route",
     "the bridge plugin makes the network's bridge on its first ADD (and gives it the "
     "gateway address), a veth pair with one end moved into the container's namespace "
     "as CNI_IFNAME, an address from host-local's leases, the default route via the "
     "gateway, and (ipMasq) the masquerading rules for traffic leaving the subnet"},
    {"portmap", "the published ports: DNAT rules",
     "portmap turns runtimeConfig.portMappings into DNAT rules (CNI-HOSTPORT-DNAT, from "
     "PREROUTING and OUTPUT) and, for hairpin and localhost traffic, SNAT/masquerade"},
    {"firewall", "the FORWARD rules for the container's address",
     "the firewall plugin lets the container's traffic through the FORWARD chain "
     "(CNI-FORWARD), which a host firewall may default to DROP"},
    {"tuning", "tuning: the MAC and sysctls, when asked",
     "tuning sets a MAC (--mac-address) or interface sysctls; nothing asked here"},
};

static void cni_step(struct lesson *L, const struct engine_net_event *ev)
{
	const char *title = ev->type, *why = "";
	for (size_t i = 0; i < sizeof(plugin_text) / sizeof(plugin_text[0]); i++)
		if (strcmp(plugin_text[i].type, ev->type) == 0) {
			title = plugin_text[i].title;
			why = plugin_text[i].why;
		}
	if (strcmp(ev->cmd, "DEL") == 0)
		why = "DEL with the cached ADD result as prevResult, the chain walked backwards: "
		      "each plugin removes what its ADD made";
	cleanup_free char *t = xasprintf("%s %s: %s", ev->type, ev->cmd, title);
	cleanup_free char *cmd = xasprintf(
	    "CNI_COMMAND=%s CNI_CONTAINERID=%s CNI_NETNS=%s CNI_IFNAME=%s CNI_PATH=%s %s < config",
	    ev->cmd, ev->container, ev->netns, ev->ifname, engine_cni_path(), ev->path);
	json_object *x = json_object_new_object();
	json_object *in = json_tokener_parse(ev->input), *out = json_tokener_parse(ev->output);
	json_object_object_add(x, "plugin", json_object_new_string(ev->type));
	json_object_object_add(x, "stdin", in ? in : json_object_new_string(ev->input));
	json_object_object_add(x, "stdout", out ? out : json_object_new_string(ev->output));
	json_object_object_add(x, "status", json_object_new_int(ev->status));
	step(L, "cni", ev->container, t, cmd, why, x);
}

static void observe(const struct engine_net_event *ev, void *arg)
{
	struct lesson *L = arg;
	const char *base = ev->path ? strrchr(ev->path, '/') : NULL;
	base = base ? base + 1 : ev->path;
	if (strcmp(ev->what, "cni") == 0) {
		cni_step(L, ev);
	} else if (strcmp(ev->what, "netns-add") == 0) {
		cleanup_free char *cmd = xasprintf(
		    "unshare --net sh -c 'mount --bind /proc/self/ns/net %s'   # as ip netns add",
		    ev->path);
		step(L, "netns", base, "a network namespace for the container", cmd,
		     "a namespace lives while something refers to it: a bind mount of its nsfs "
		     "file keeps it before any process is inside, so the CNI plugins (through "
		     "CNI_NETNS) and then the runtime (linux.namespaces[].path) can enter it",
		     NULL);
	} else if (strcmp(ev->what, "netns-del") == 0) {
		cleanup_free char *cmd =
		    xasprintf("umount %s && rm %s   # as ip netns del", ev->path, ev->path);
		step(L, "netns", base, "the container's network namespace released", cmd,
		     "the last reference gone, the kernel destroys the namespace and the veth end "
		     "inside it, which takes its peer on the bridge with it",
		     NULL);
	} else if (strcmp(ev->what, "hosts") == 0) {
		cleanup_free char *cmd =
		    xasprintf("cat > %s   # bind-mounted at /etc/hosts", ev->path);
		json_object *x = json_object_new_object();
		json_object_object_add(x, "file", json_object_new_string(ev->output));
		step(L, "hosts", ev->container, "/etc/hosts: the names on the network", cmd,
		     "no DNS server: each container's /etc/hosts lists its peers on the networks "
		     "it shares, rewritten in place when one comes or goes (a bind mount holds "
		     "the inode)",
		     x);
	}
}

/* ---- the containers ---- */

/* The address the engine recorded for container i on the network. */
static char *ctr_ip(int i)
{
	json_object *rec = engine_net_record(names[i]), *nets, *ip;
	char *s = NULL;
	if (rec && json_object_object_get_ex(rec, "networks", &nets))
		for (size_t k = 0; k < json_object_array_length(nets) && !s; k++)
			if (json_object_object_get_ex(json_object_array_get_idx(nets, k), "ip",
			                              &ip))
				s = xstrdup(json_object_get_string(ip));
	json_object_put(rec);
	return s ? s : xstrdup("");
}

static void attach(struct lesson *L, int i)
{
	struct glass_err *err = NULL;
	struct engine_netvol *nv = &L->nv[i];
	nv->mode = ENGINE_NET_CNI;
	nv->networks = xcalloc(2, sizeof(char *));
	nv->networks[0] = xstrdup(NET_NAME);
	nv->nnetworks = 1;
	if (i == 1) { /* beta publishes its port 80 as the host's 8080 */
		nv->ports = xcalloc(1, sizeof(*nv->ports));
		nv->ports[0] = (struct engine_port){.host_port = HOST_PORT, .ctr_port = 80};
		snprintf(nv->ports[0].proto, sizeof(nv->ports[0].proto), "tcp");
		nv->nports = 1;
	}
	L->netns[i] = engine_run_path("netns/%s", names[i]);
	L->attached[i] = true;
	nv->name = names[i];
	/* what `glass create` then `glass start` do: the volumes (none here) and
	 * the networks' existence checked, then this run's namespace and ADD */
	if (engine_netvol_prepare(nv, names[i], lab_param_str(L->p, "rootfs"), &err) < 0 ||
	    engine_netvol_up(nv, names[i], names[i], &err) < 0) {
		L->attached[i] = false;
		lab_emit_error(err, names[i]);
		glass_err_free(&err);
		L->rest = L->ending = true;
	}
}

static void start(struct lesson *L, int i)
{
	static const char *const a_args[] = {"/bin/sleep", "2147483", NULL};
	static const char *const b_args[] = {
	    "/bin/sh", "-c",
	    "echo hello from beta > /tmp/index.html && exec httpd -f -p 80 -h /tmp", NULL};
	static const char *const tmpfs_opts[] = {"nosuid", "nodev", "mode=1777", NULL};
	struct glass_err *err = NULL;
	cleanup_free char *cg = xasprintf("%s/%s", lab_param_str(L->p, "cgroup"), names[i]);
	struct lab_config c = {.ns = {true, true, true, true, true},
	                       .rootfs = lab_param_str(L->p, "rootfs"),
	                       .cgroup = cg,
	                       .hostname = names[i],
	                       .args = i ? b_args : a_args};
	json_object *cfg = lab_config_json(&c);
	lab_config_add_mount(cfg, "/tmp", "tmpfs", "tmpfs", tmpfs_opts);
	cleanup_free char *bundle = xasprintf("%s/%s", lab_param_str(L->p, "dir"), names[i]);
	cleanup_free char *id = xasprintf("%s-%s", L->base_id, names[i]);
	int rc = lab_write_bundle(bundle, cfg, &err);
	json_object_put(cfg);
	if (rc == 0)
		rc = engine_netvol_bundle(&L->nv[i], bundle, true, &err);
	if (rc < 0) {
		lab_emit_error(err, "bundle");
		glass_err_free(&err);
		return;
	}
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	rc = lab_start_container(L->state, id, bundle, null, &L->init[i]);
	close(null);
	if (rc < 0)
		return;
	L->started[i] = true;
	struct stat f, p;
	cleanup_free char *ns = xasprintf("/proc/%d/ns/net", (int)L->init[i]);
	json_object *x = json_object_new_object();
	json_object_object_add(x, "pid", json_object_new_int(L->init[i]));
	if (stat(ns, &p) == 0 && stat(L->netns[i], &f) == 0) {
		json_object_object_add(x, "ns_inode", json_object_new_int64((int64_t)p.st_ino));
		json_object_object_add(x, "file_inode", json_object_new_int64((int64_t)f.st_ino));
	}
	cleanup_free char *cmd = xasprintf("glass-runtime create --bundle %s %s && glass-runtime "
	                                   "start %s   # config.json: linux.namespaces "
	                                   "[{\"type\":\"network\",\"path\":\"%s\"}]",
	                                   bundle, id, id, L->netns[i]);
	step(L, "start", names[i], "the container starts inside the namespace made for it", cmd,
	     "the process joins the namespace the plugins built (setns before it runs): "
	     "/proc/PID/ns/net is the bound file's inode; the network was ready before the "
	     "container's first instruction",
	     x);
}

/* ---- a packet's path ---- */

/* Each interface's packet counters in each namespace, and each rule's hits. */
static json_object *counters(struct lesson *L)
{
	json_object *c = json_object_new_object();
	char *link[] = {"ip", "-s", "-j", "link", "show", NULL};
	char *ipt[] = {"iptables-save", "-c", NULL};
	json_object_object_add(c, "host", run_json(NULL, link));
	for (size_t i = 0; i < 2; i++)
		if (L->attached[i])
			json_object_object_add(c, names[i], run_json(L->netns[i], link));
	int st;
	char *s = run_in(NULL, ipt, &st);
	json_object_object_add(c, "rules", json_object_new_string(s));
	free(s);
	return c;
}

/* Container i's stdout and stderr of `argv` run in it (as docker exec). */
static char *exec_in(struct lesson *L, int i, char **argv, int *code)
{
	struct glass_err *err = NULL;
	cleanup_free char *id = xasprintf("%s-%s", L->base_id, names[i]);
	struct glass_spec *spec = glass_container_load_config(L->state, id, &err);
	int out = memfd_create("glass-lab-exec", MFD_CLOEXEC), s1 = dup(1), s2 = dup(2);
	char *text = NULL;
	*code = -1;
	if (spec && out >= 0) {
		struct glass_process proc = spec->process;
		struct glass_exec_opts opts = {0};
		proc.args = argv;
		for (proc.nargs = 0; argv[proc.nargs]; proc.nargs++)
			;
		dup2(out, 1);
		dup2(out, 2);
		int rc = glass_container_exec(L->state, id, &proc, &opts, NULL, code, &err);
		dup2(s1, 1);
		dup2(s2, 2);
		if (rc < 0)
			*code = -1;
		text = fd_text(out);
	}
	if (err) {
		cleanup_free char *m = glass_err_format(err);
		free(text);
		text = xstrdup(m);
		glass_err_free(&err);
	}
	glass_spec_free(spec);
	close(s1), close(s2);
	if (out >= 0)
		close(out);
	return text ? text : xstrdup("");
}

static void packet_path(struct lesson *L, bool from_host)
{
	cleanup_free char *bip = ctr_ip(1);
	cleanup_free char *url = xasprintf("http://%s/", from_host ? "127.0.0.1:8080" : "beta");
	json_object *o = lab_event("path");
	json_object_object_add(o, "kind", json_object_new_string(from_host ? "host" : "peer"));
	json_object_object_add(o, "from", json_object_new_string(from_host ? "host" : "alpha"));
	json_object_object_add(o, "url", json_object_new_string(url));
	json_object_object_add(o, "beta_ip", json_object_new_string(bip));
	char *route[] = {"ip", "-j", "route", "get", from_host ? "127.0.0.1" : bip, NULL};
	json_object_object_add(o, "route", run_json(from_host ? NULL : L->netns[0], route));
	json_object_object_add(o, "before", counters(L));
	int code;
	char *out;
	if (from_host) {
		/* the host's busybox (busybox-static, which the build installs:
		 * a fresh Debian has no wget), as the peer's GET below */
		char *argv[] = {"/bin/sh", "-c",
		                "printf 'GET / HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' | "
		                "/bin/busybox nc -w 5 127.0.0.1 8080",
		                NULL};
		out = run_in(NULL, argv, &code);
		json_object_object_add(
		    o, "command",
		    json_object_new_string("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc "
		                           "127.0.0.1 8080"));
	} else {
		/* busybox's wget (Debian 12's busybox-static) crashes; the same
		 * GET with nc, the name resolved through /etc/hosts by libc */
		char *argv[] = {
		    "/bin/sh", "-c",
		    "printf 'GET / HTTP/1.0\\r\\nHost: beta\\r\\n\\r\\n' | nc -w 5 beta 80", NULL};
		out = exec_in(L, 0, argv, &code);
		json_object_object_add(
		    o, "command",
		    json_object_new_string("glass exec alpha sh -c \"printf 'GET / HTTP/1.0\\r\\n"
		                           "\\r\\n' | nc beta 80\""));
	}
	json_object_object_add(o, "after", counters(L));
	json_object_object_add(o, "output", json_object_new_string(out));
	json_object_object_add(o, "exit", json_object_new_int(code));
	free(out);
	lab_emit(o);
}

/* ---- the lesson ---- */

/* The lesson's host: a network namespace (and a mount namespace, for the
 * engine's nsfs bind mounts) of the worker's own, lo up in it. */
static int enter_host(struct lesson *L)
{
	struct glass_err *err = NULL;
	if (glass_sys_unshare(CLONE_NEWNS | CLONE_NEWNET, NULL, &err) < 0 ||
	    glass_sys_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, NULL, &err) < 0) {
		lab_emit_error(err, "the lesson's network namespace");
		glass_err_free(&err);
		return -1;
	}
	step(L, "host", NULL, "the lesson's host: a network namespace of its own",
	     "unshare --net --mount",
	     "everything below lands in this namespace, not in the machine's: its interfaces, "
	     "routes and firewall start empty (lo, down), and all of it goes when the lesson ends",
	     NULL);
	static const char lo[] = "{\"cniVersion\":\"1.0.0\",\"name\":\"lesson-host\","
	                         "\"plugins\":[{\"type\":\"loopback\"}]}";
	json_object *list = json_tokener_parse(lo), *res = NULL;
	cleanup_free char *self = xasprintf("/proc/%d/ns/net", (int)getpid());
	struct engine_cni_call c = {.container_id = "lesson-host", .netns = self, .ifname = "lo"};
	int rc = engine_cni_add(list, &c, &res, &err);
	json_object_put(list);
	json_object_put(res);
	if (rc == 0)
		rc = engine_net_create(NET_NAME, &(struct engine_net_create){0}, &list, &err);
	if (rc < 0) {
		lab_emit_error(err, "network");
		glass_err_free(&err);
		return -1;
	}
	json_object *x = json_object_new_object();
	json_object_object_add(x, "conflist", list);
	step(L, "network", NULL, "a user network: its CNI configuration list",
	     "glass network create " NET_NAME,
	     "a network is a conflist (the bridge plugin with host-local addresses, then "
	     "portmap, firewall, tuning); nothing is made in the kernel until a container "
	     "joins: the bridge appears with the first ADD",
	     x);
	return 0;
}

static void ready(struct lesson *L)
{
	json_object *o = lab_event("ready");
	for (int i = 0; i < 2; i++) {
		cleanup_free char *ip = ctr_ip(i);
		json_object_object_add(o, names[i], json_object_new_string(ip));
		json_object_object_add(o, i ? "beta_pid" : "alpha_pid",
		                       json_object_new_int(L->init[i]));
	}
	json_object_object_add(o, "host_port", json_object_new_int(HOST_PORT));
	lab_emit(o);
}

/* The page's requests while the network stands, until "end". */
static void serve(struct lesson *L)
{
	while (!L->ending) {
		cleanup_free char *line = NULL;
		if (lab_control_line(-1, &line) < 0)
			return;
		json_object *o = json_tokener_parse(line);
		const char *op = lab_param_str(o, "op");
		if (strcmp(op, "wget-peer") == 0 || strcmp(op, "wget-host") == 0)
			packet_path(L, strcmp(op, "wget-host") == 0);
		L->ending = strcmp(op, "end") == 0;
		json_object_put(o);
	}
}

static void teardown(struct lesson *L)
{
	struct glass_err *err = NULL;
	L->phase = "teardown";
	L->rest = true;
	for (int i = 1; i >= 0; i--) {
		cleanup_free char *id = xasprintf("%s-%s", L->base_id, names[i]);
		if (L->started[i])
			lab_delete_container(L->state, id);
		if (L->attached[i] && engine_netvol_remove(names[i], true, &err) < 0) {
			lab_emit_error(err, names[i]);
			glass_err_free(&err);
		}
		L->attached[i] = false;
	}
	if (engine_net_remove(NET_NAME, &err) < 0) {
		lab_emit_error(err, "network rm");
		glass_err_free(&err);
	}
	step(L, "network", NULL, "the network removed: its bridge deleted",
	     "glass network rm " NET_NAME,
	     "the bridge plugin never deletes the bridge on DEL (others may share it); "
	     "network rm does. What is left is the lesson's host as it began",
	     NULL);
}

static int run_network(json_object *p)
{
	struct lesson L = {.p = p, .phase = "build"};
	cleanup_free char *root = xasprintf("%s/root", lab_param_str(p, "dir"));
	snprintf(L.state, sizeof(L.state), "%s/state", lab_param_str(p, "dir"));
	snprintf(L.base_id, sizeof(L.base_id), "glass-lab-%d-%s", getppid(),
	         lab_param_str(p, "id"));
	if (mkdir_p(root, 0700) < 0 || mkdir_p(L.state, 0711) < 0) {
		lab_emit_errorf("mkdir", errno, "%s", root);
		return 1;
	}
	/* the engine's networks, records and leases: this experiment's own */
	setenv("GLASS_ROOT", root, 1);
	engine_net_set_observer(observe, &L);
	int rc = enter_host(&L);
	for (int i = 0; rc == 0 && i < 2 && !L.ending; i++)
		attach(&L, i);
	for (int i = 0; rc == 0 && i < 2 && !L.ending; i++)
		start(&L, i);
	if (rc == 0 && !L.ending && L.started[0] && L.started[1]) {
		L.phase = "ready";
		ready(&L);
		serve(&L);
	}
	teardown(&L);
	engine_net_set_observer(NULL, NULL);
	for (int i = 0; i < 2; i++) {
		engine_netvol_free(&L.nv[i]);
		free(L.netns[i]);
	}
	return rc == 0 ? 0 : 1;
}

static const char *const ops[] = {"next", "rest", "wget-peer", "wget-host", "end", NULL};

static char *net_action(json_object *req, char *why)
{
	return lab_req_op(req, ops, why);
}

static const struct lab_kind kinds[] = {
    {.name = "network", .action = net_action, .run = run_network},
};

const struct lab_module lab_module_network = {
    .id = "network",
    .title = "8 · The network, hop by hop",
    .summary = "two containers on a user network built by the engine's CNI chain one step "
               "at a time (network namespace, lo, bridge and veth pair, address and route, "
               "the portmap DNAT rules, FORWARD rules, /etc/hosts), each with its command and "
               "ip -j link/addr/route of every namespace and the iptables/nftables rules "
               "after it; a packet's path from one container to the other by name and from "
               "the host through the published port, read from the interfaces' and rules' "
               "counters; all inside a network namespace of the lesson's own, torn down at "
               "its end",
    .source = "src/lab/exp-network.c",
    .needs = "cni",
    .kinds = kinds,
    .nkinds = sizeof(kinds) / sizeof(kinds[0]),
};

/* net-attach: a container's network namespace and its CNI attachments.
 *
 * The record RUN/net/NAME.json is written before the first plugin runs
 * and after every ADD, so whichever engine command comes next, even after
 * this one was killed, knows what to DEL: for each network the conflist
 * used (a network removed or edited since still tears down as it was set
 * up), the interface name and the ADD result, the spec's "cached result".
 *
 *   {"name", "hostname", "netns", "owner": {"pid", "start"}, "aliases",
 *    "extraHosts", "ports",
 *    "networks": [{"name", "ifname", "config", "runtimeConfig", "result",
 *                  "ip", "ip6"}]}
 */
#include "common.h"
#include "netvol.h"
#include "trace.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char loopback_list[] =
    "{\"cniVersion\":\"1.0.0\",\"name\":\"glass-loopback\",\"plugins\":[{\"type\":\"loopback\"}]}";

static char *record_path(const char *name)
{
	return engine_run_path("net/%s.json", name);
}

struct json_object *engine_net_record(const char *name)
{
	cleanup_free char *path = record_path(name);
	size_t len;
	cleanup_free char *text = read_file_at(AT_FDCWD, path, &len);
	struct json_object *r = text ? json_tokener_parse(text) : NULL;
	if (r && !json_object_is_type(r, json_type_object)) {
		json_object_put(r);
		r = NULL;
	}
	return r;
}

int engine_net_record_save(const char *name, struct json_object *rec, struct glass_err **err)
{
	cleanup_free char *path = record_path(name);
	return engine_json_save(path, rec, true, 0600, err);
}

/* Field 22 of /proc/PID/stat: with the pid, names one process for good. */
static long long proc_start(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	size_t len;
	cleanup_free char *s = read_file_at(AT_FDCWD, p, &len);
	char *c = s ? strrchr(s, ')') : NULL;
	long long v = -1;
	for (int f = 2; c && f < 22; f++)
		c = strchr(c + 1, ' ');
	if (c)
		v = strtoll(c + 1, NULL, 10);
	return v;
}

static struct json_object *call_args(struct json_object *rec, const struct engine_netvol *nv,
                                     bool first)
{
	struct json_object *rc = json_object_new_object(), *pm = json_object_new_array();
	(void)rec;
	for (size_t i = 0; first && i < nv->nports; i++) {
		const struct engine_port *p = &nv->ports[i];
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "hostPort", json_object_new_int(p->host_port));
		json_object_object_add(m, "containerPort", json_object_new_int(p->ctr_port));
		json_object_object_add(m, "protocol", json_object_new_string(p->proto));
		if (p->host_ip[0])
			json_object_object_add(m, "hostIP", json_object_new_string(p->host_ip));
		json_object_array_add(pm, m);
	}
	json_object_object_add(rc, "portMappings", pm);
	if (first && nv->mac)
		json_object_object_add(rc, "mac", json_object_new_string(nv->mac));
	if (first && nv->ip) {
		struct json_object *ips = json_object_new_array();
		json_object_array_add(ips, json_object_new_string(nv->ip));
		json_object_object_add(rc, "ips", ips);
	}
	return rc;
}

/* The first address of family v6 or v4 of a CNI result, without its
 * prefix length, or NULL. */
static char *result_ip(struct json_object *result, bool v6)
{
	struct json_object *ips, *a;
	if (!json_object_object_get_ex(result, "ips", &ips))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(ips); i++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(ips, i), "address", &a) ||
		    (strchr(json_object_get_string(a), ':') != NULL) != v6)
			continue;
		char *s = xstrdup(json_object_get_string(a)), *slash = strchr(s, '/');
		if (slash)
			*slash = '\0';
		return s;
	}
	return NULL;
}

int engine_net_add(struct json_object *rec, const char *name, const char *net,
                   const struct engine_netvol *nv, size_t idx, struct glass_err **err)
{
	struct json_object *list = NULL, *result = NULL, *nets, *ns;
	char ifname[16];
	if (strcmp(net, "lo") == 0) {
		list = json_tokener_parse(loopback_list);
		snprintf(ifname, sizeof(ifname), "lo");
	} else {
		if (engine_net_load(net, &list, err) < 0)
			return -1;
		snprintf(ifname, sizeof(ifname), "eth%zu", idx);
	}
	json_object_object_get_ex(rec, "netns", &ns);
	struct engine_cni_call c = {.container_id = name,
	                            .netns = json_object_get_string(ns),
	                            .ifname = ifname,
	                            .runtime_config = call_args(rec, nv, idx == 0)};
	int rc = engine_cni_add(list, &c, &result, err);
	if (rc < 0) {
		json_object_put(c.runtime_config);
		json_object_put(list);
		return glass_err_ctx(err, "network %s", net);
	}
	struct json_object *e = json_object_new_object();
	/* DEL gets the same capability arguments: portmap finds nothing to
	 * remove without its portMappings (CNI: "the same as ADD") */
	json_object_object_add(e, "runtimeConfig", c.runtime_config);
	cleanup_free char *ip = result_ip(result, false), *ip6 = result_ip(result, true);
	json_object_object_add(e, "name", json_object_new_string(net));
	json_object_object_add(e, "ifname", json_object_new_string(ifname));
	json_object_object_add(e, "config", list);
	json_object_object_add(e, "result", result);
	if (ip && strcmp(net, "lo") != 0) /* lo's 127.0.0.1 names no peer */
		json_object_object_add(e, "ip", json_object_new_string(ip));
	if (ip6 && strcmp(net, "lo") != 0)
		json_object_object_add(e, "ip6", json_object_new_string(ip6));
	json_object_object_get_ex(rec, "networks", &nets);
	json_object_array_add(nets, e);
	return engine_net_record_save(name, rec, err);
}

static struct json_object *owner_json(pid_t pid)
{
	struct json_object *owner = json_object_new_object();
	json_object_object_add(owner, "pid", json_object_new_int(pid));
	json_object_object_add(owner, "start", json_object_new_int64(proc_start(pid)));
	return owner;
}

/* Sets `key` of id's record to `val` (taken), when it has one. */
static int record_set(const char *id, const char *key, struct json_object *val,
                      struct glass_err **err)
{
	cleanup_free char *path = record_path(id);
	int lock = access(path, F_OK) == 0 ? engine_lock(false, err) : -2;
	struct json_object *rec = lock >= 0 ? engine_net_record(id) : NULL;
	int rc = lock == -1 ? -1 : 0;
	if (rec) {
		json_object_object_add(rec, key, val);
		val = NULL;
		rc = engine_net_record_save(id, rec, err);
		json_object_put(rec);
	}
	json_object_put(val);
	if (lock >= 0)
		close(lock);
	return rc;
}

int engine_net_set_owner(const char *id, pid_t pid, struct glass_err **err)
{
	return record_set(id, "owner", owner_json(pid), err);
}

int engine_net_rename(const char *id, const char *name, struct glass_err **err)
{
	if (record_set(id, "name", json_object_new_string(name), err) < 0)
		return -1;
	if (engine_hosts_write(id, err) < 0)
		return -1;
	engine_hosts_refresh_peers(id);
	return 0;
}

struct json_object *engine_ports_json(const struct engine_netvol *nv, bool run)
{
	struct json_object *pb = json_object_new_object();
	char key[32], port[16];
	for (size_t i = 0; i < nv->nports; i++) {
		const struct engine_port *p = &nv->ports[i];
		struct json_object *one = json_object_new_object(), *list;
		snprintf(key, sizeof(key), "%d/%s", p->ctr_port, p->proto);
		snprintf(port, sizeof(port), "%d", p->host_port);
		json_object_object_add(
		    one, "HostIp",
		    json_object_new_string(p->host_ip[0] || !run ? p->host_ip : "0.0.0.0"));
		json_object_object_add(one, "HostPort",
		                       json_object_new_string(p->host_port || run ? port : ""));
		if (!json_object_object_get_ex(pb, key, &list)) {
			list = json_object_new_array();
			json_object_object_add(pb, key, list);
		}
		json_object_array_add(list, one);
	}
	return pb;
}

static struct json_object *new_record(const char *name, const char *hostname,
                                      const struct engine_netvol *nv, const char *netns)
{
	struct json_object *rec = json_object_new_object();
	struct json_object *aliases = json_object_new_array(), *hosts = json_object_new_array();
	json_object_object_add(rec, "name", json_object_new_string(nv->name ? nv->name : name));
	json_object_object_add(rec, "hostname", json_object_new_string(hostname));
	json_object_object_add(rec, "netns", json_object_new_string(netns));
	json_object_object_add(rec, "owner", owner_json(getpid()));
	for (size_t i = 0; i < nv->naliases; i++)
		json_object_array_add(aliases, json_object_new_string(nv->aliases[i]));
	json_object_object_add(rec, "aliases", aliases);
	for (size_t i = 0; i < nv->nadd_hosts; i++)
		json_object_array_add(hosts, json_object_new_string(nv->add_hosts[i]));
	json_object_object_add(rec, "extraHosts", hosts);
	json_object_object_add(rec, "ports", engine_ports_json(nv, true));
	json_object_object_add(rec, "networks", json_object_new_array());
	return rec;
}

int engine_net_attach(struct engine_netvol *nv, const char *name, const char *hostname,
                      struct glass_err **err)
{
	int lock = engine_lock(false, err);
	if (lock < 0)
		return -1;
	/* under the lock: two starts do not pick the same host port */
	if (engine_ports_pick(nv, err) < 0) {
		close(lock);
		return -1;
	}
	char *netns = engine_run_path("netns/%s", name);
	struct json_object *rec = new_record(name, hostname, nv, netns);
	int rc = engine_net_record_save(name, rec, err);
	if (rc == 0)
		rc = engine_netns_create(netns, err);
	if (rc < 0) {
		cleanup_free char *path = record_path(name);
		unlink(path);
		free(netns);
		json_object_put(rec);
		close(lock);
		return -1;
	}
	nv->netns_path = netns;
	rc = engine_net_add(rec, name, "lo", nv, 0, err);
	for (size_t i = 0; rc == 0 && nv->mode == ENGINE_NET_CNI && i < nv->nnetworks; i++)
		rc = engine_net_add(rec, name, nv->networks[i], nv, i, err);
	json_object_put(rec);
	if (rc == 0)
		rc = engine_hosts_write(name, err);
	if (rc == 0)
		engine_hosts_refresh_peers(name);
	close(lock);
	if (rc < 0) {
		engine_net_detach(name, NULL);
		free(nv->netns_path);
		nv->netns_path = NULL;
	}
	return rc;
}

/* DEL of every recorded network, last attached first. */
static int detach_all(const char *name, struct json_object *rec, struct glass_err **err)
{
	struct json_object *nets, *ns, *v;
	int rc = 0;
	json_object_object_get_ex(rec, "netns", &ns);
	if (!json_object_object_get_ex(rec, "networks", &nets))
		return 0;
	for (size_t i = json_object_array_length(nets); i-- > 0;) {
		struct json_object *e = json_object_array_get_idx(nets, i), *cfg, *res, *rc_args;
		json_object_object_get_ex(e, "ifname", &v);
		json_object_object_get_ex(e, "config", &cfg);
		json_object_object_get_ex(e, "result", &res);
		json_object_object_get_ex(e, "runtimeConfig", &rc_args);
		struct engine_cni_call c = {.container_id = name,
		                            .netns = json_object_get_string(ns),
		                            .ifname = json_object_get_string(v),
		                            .runtime_config = rc_args};
		struct glass_err *e2 = NULL;
		/* the cached ADD result and capability arguments carry what DEL
		 * needs (the lease; the port mappings portmap removes) */
		if (engine_cni_del(cfg, &c, res, &e2) < 0) {
			if (rc == 0)
				glass_err_move(err, &e2);
			glass_err_free(&e2);
			rc = -1;
		}
	}
	return rc;
}

int engine_net_detach(const char *name, struct glass_err **err)
{
	struct glass_err *e = NULL;
	cleanup_free char *path = record_path(name);
	if (access(path, F_OK) < 0) /* never attached: nothing to lock or undo */
		return 0;
	int lock = engine_lock(false, err);
	if (lock < 0)
		return -1;
	struct json_object *rec = engine_net_record(name), *ns;
	int rc = 0;
	if (rec) {
		rc = detach_all(name, rec, err);
		if (json_object_object_get_ex(rec, "netns", &ns) &&
		    engine_netns_remove(json_object_get_string(ns), &e) < 0) {
			if (rc == 0)
				glass_err_move(err, &e);
			rc = -1;
		}
		glass_err_free(&e);
		const char *suffix[] = {"json", "hosts", "resolv.conf"};
		for (size_t i = 0; i < 3; i++) {
			cleanup_free char *p = engine_run_path("net/%s.%s", name, suffix[i]);
			unlink(p);
		}
		engine_hosts_refresh_peers(name);
		json_object_put(rec);
	}
	close(lock);
	return rc;
}

char **engine_net_record_keys(void)
{
	cleanup_free char *dir = engine_run_path("net");
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		v = xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = xstrndup(de->d_name, len - 5);
		v[n] = NULL;
	}
	if (d)
		closedir(d);
	return v;
}

char **engine_net_users(const char *net)
{
	char **keys = engine_net_record_keys(), **v = xcalloc(1, sizeof(char *));
	size_t n = 0;
	for (char **k = keys; *k; k++) {
		const char *c = *k;
		struct json_object *rec = engine_net_record(c), *nets, *nm;
		bool on = false;
		if (rec && json_object_object_get_ex(rec, "networks", &nets))
			for (size_t i = 0; i < json_object_array_length(nets); i++)
				if (json_object_object_get_ex(json_object_array_get_idx(nets, i),
				                              "name", &nm) &&
				    strcmp(json_object_get_string(nm), net) == 0)
					on = true;
		json_object_put(rec);
		if (on) {
			v = xrealloc(v, (n + 2) * sizeof(char *));
			v[n++] = xstrdup(c);
			v[n] = NULL;
		}
	}
	engine_strv_free(keys);
	return v;
}

/* True while a process lives in the namespace bound at `path`: some
 * /proc/PID/ns/net is the same nsfs inode. */
static bool netns_in_use(const char *path)
{
	struct stat ns, st;
	if (stat(path, &ns) < 0)
		return false;
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool used = false;
	while (d && !used && (de = readdir(d))) {
		char p[300];
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/ns/net", de->d_name);
		used = stat(p, &st) == 0 && st.st_ino == ns.st_ino && st.st_dev == ns.st_dev;
	}
	if (d)
		closedir(d);
	return used;
}

/* Whether the record's owner (the engine process that attached it) is
 * gone and no process is left in its namespace. */
static bool abandoned(struct json_object *rec)
{
	struct json_object *o, *pid, *start, *ns;
	if (!json_object_object_get_ex(rec, "owner", &o) ||
	    !json_object_object_get_ex(o, "pid", &pid) ||
	    !json_object_object_get_ex(o, "start", &start) ||
	    proc_start(json_object_get_int(pid)) == json_object_get_int64(start))
		return false;
	return !json_object_object_get_ex(rec, "netns", &ns) ||
	       !netns_in_use(json_object_get_string(ns));
}

/* After an engine was killed (kill -9) its containers' records stay; the
 * next engine command tears down those that nothing holds any more. */
void engine_net_sweep(void)
{
	char **keys = engine_net_record_keys();
	for (char **k = keys; *k; k++) {
		const char *c = *k;
		struct json_object *rec = engine_net_record(c);
		bool gone = rec && abandoned(rec);
		json_object_put(rec);
		if (gone) {
			if (glass_trace_on)
				glass_trace_note("cni", NULL,
				                 "%s: its engine and processes are gone; DEL", c);
			engine_net_detach(c, NULL);
		}
	}
	engine_strv_free(keys);
}

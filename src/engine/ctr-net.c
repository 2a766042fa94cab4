/* ctr-net: a container's network across its runs, as docker's.
 *
 * `create` records what was asked and makes nothing network-side: docker's
 * HostConfig (NetworkMode, PortBindings, PublishAllPorts, Dns, DnsSearch,
 * ExtraHosts), its NetworkingConfig (one endpoint per network, with the
 * aliases, the IP and the MAC asked for) and Config.ExposedPorts from the
 * image.  Each `start` rebuilds a struct engine_netvol from that record and
 * attaches it: a new namespace, CNI ADD, host ports picked for -P and
 * `-p CTRPORT`.  The end of the run detaches it (CNI DEL, namespace gone,
 * lease freed): `stop` does so itself; an exit no engine command waits for
 * is reported by the shim, which runs `glass container cleanup ID` as
 * podman's conmon runs `podman container cleanup`.  What neither reached
 * (a shim killed with -9) the next attach's sweep finds, since the shim
 * owns the network while it runs. */
#include "ctr.h"
#include "trace.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADD(o, k, v) json_object_object_add(o, k, v)

static struct json_object *strs_json(char **v, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* One endpoint per network; the first gets --ip and --mac-address. */
static struct json_object *endpoints_json(const struct engine_netvol *nv)
{
	struct json_object *nc = json_object_new_object(), *eps = json_object_new_object();
	for (size_t i = 0; nv && nv->mode == ENGINE_NET_CNI && i < nv->nnetworks; i++) {
		struct json_object *ep = json_object_new_object();
		ADD(ep, "Aliases", strs_json(nv->aliases, nv->naliases));
		if (i == 0 && nv->ip) {
			struct json_object *ipam = json_object_new_object();
			ADD(ipam, "IPv4Address", json_object_new_string(nv->ip));
			ADD(ep, "IPAMConfig", ipam);
		}
		if (i == 0 && nv->mac)
			ADD(ep, "MacAddress", json_object_new_string(nv->mac));
		ADD(eps, nv->networks[i], ep);
	}
	ADD(nc, "EndpointsConfig", eps);
	return nc;
}

void ctr_net_record_json(struct json_object *rec, struct json_object *h,
                         const struct engine_netvol *nv, bool publish_all)
{
	const char *mode = "default";
	if (nv && nv->mode == ENGINE_NET_NONE)
		mode = "none";
	else if (nv && nv->mode == ENGINE_NET_HOST)
		mode = "host";
	else if (nv && nv->mode == ENGINE_NET_CNI && nv->nnetworks)
		mode = nv->networks[0];
	cleanup_free char *peer = nv && nv->mode == ENGINE_NET_CONTAINER
	                              ? xasprintf("container:%s", nv->container)
	                              : NULL;
	ADD(h, "NetworkMode", json_object_new_string(peer ? peer : mode));
	ADD(h, "PortBindings", nv ? engine_ports_json(nv, false) : json_object_new_object());
	ADD(h, "PublishAllPorts", json_object_new_boolean(publish_all));
	ADD(h, "Dns", strs_json(nv ? nv->dns : NULL, nv ? nv->ndns : 0));
	ADD(h, "DnsSearch", strs_json(nv ? nv->dns_search : NULL, nv ? nv->ndns_search : 0));
	ADD(h, "ExtraHosts", strs_json(nv ? nv->add_hosts : NULL, nv ? nv->nadd_hosts : 0));
	ADD(rec, "NetworkingConfig", endpoints_json(nv));
}

static void strs_from(struct json_object *a, char ***v, size_t *n)
{
	for (size_t i = 0;
	     json_object_is_type(a, json_type_array) && i < json_object_array_length(a); i++)
		ENGINE_PUSH(*v, *n,
		            xstrdup(json_object_get_string(json_object_array_get_idx(a, i))));
}

static bool has_port(const struct engine_netvol *nv, int port, const char *proto)
{
	for (size_t i = 0; i < nv->nports; i++)
		if (nv->ports[i].ctr_port == port && strcmp(nv->ports[i].proto, proto) == 0)
			return true;
	return false;
}

/* "80/tcp" -> port and protocol (tcp when none is given); false if bad. */
static bool port_key(const char *k, struct engine_port *p)
{
	char *end;
	long n = strtol(k, &end, 10);
	memset(p, 0, sizeof(*p));
	snprintf(p->proto, sizeof(p->proto), "tcp");
	if (n < 1 || n > 65535 || (*end && *end != '/'))
		return false;
	if (*end == '/') {
		if (strcmp(end + 1, "tcp") != 0 && strcmp(end + 1, "udp") != 0)
			return false; /* sctp: portmap maps tcp and udp only */
		snprintf(p->proto, sizeof(p->proto), "%s", end + 1);
	}
	p->ctr_port = (int)n;
	return true;
}

/* PortBindings, then (-P) every ExposedPorts not bound, on a picked port. */
static void ports_from(const struct ctr *c, struct engine_netvol *nv)
{
	struct json_object *pb = ctr_rec(c, "HostConfig.PortBindings"), *v;
	struct engine_port p;
	if (json_object_is_type(pb, json_type_object)) {
		json_object_object_foreach(pb, key, list)
		{
			for (size_t i = 0; port_key(key, &p) && i < json_object_array_length(list);
			     i++) {
				struct json_object *b = json_object_array_get_idx(list, i);
				if (json_object_object_get_ex(b, "HostIp", &v))
					snprintf(p.host_ip, sizeof(p.host_ip), "%s",
					         json_object_get_string(v));
				p.host_port = json_object_object_get_ex(b, "HostPort", &v)
				                  ? atoi(json_object_get_string(v))
				                  : 0;
				ENGINE_PUSH(nv->ports, nv->nports, p);
			}
		}
	}
	struct json_object *exposed = ctr_rec(c, "Config.ExposedPorts");
	if (!json_object_get_boolean(ctr_rec(c, "HostConfig.PublishAllPorts")) ||
	    !json_object_is_type(exposed, json_type_object))
		return;
	json_object_object_foreach(exposed, key, unused)
	{
		(void)unused;
		if (port_key(key, &p) && !has_port(nv, p.ctr_port, p.proto))
			ENGINE_PUSH(nv->ports, nv->nports, p);
	}
}

/* The network part of an engine_netvol, as create recorded it. */
static void netvol_from(const struct ctr *c, struct engine_netvol *nv)
{
	const char *mode = ctr_rec_str(c, "HostConfig.NetworkMode");
	struct json_object *eps = ctr_rec(c, "NetworkingConfig.EndpointsConfig"), *v;
	nv->name = c->name;
	if (!mode || strcmp(mode, "default") == 0)
		return;
	if (strcmp(mode, "none") == 0 || strcmp(mode, "host") == 0) {
		nv->mode = mode[0] == 'n' ? ENGINE_NET_NONE : ENGINE_NET_HOST;
	} else if (strncmp(mode, "container:", 10) == 0) {
		nv->mode = ENGINE_NET_CONTAINER;
		nv->container = xstrdup(mode + 10);
	} else {
		/* the endpoints, NetworkMode's first; `network disconnect` may
		 * have dropped any, even that one (then lo is all it has) */
		nv->mode = ENGINE_NET_CNI;
		struct json_object *first = NULL;
		/* (a record without endpoints: NetworkMode alone) */
		if (json_object_object_get_ex(eps, mode, &first) || !eps)
			ENGINE_PUSH(nv->networks, nv->nnetworks, xstrdup(mode));
		strs_from(json_object_object_get(first, "Aliases"), &nv->aliases, &nv->naliases);
		if ((v = ctr_json_at(first, "IPAMConfig.IPv4Address")))
			nv->ip = xstrdup(json_object_get_string(v));
		if ((v = ctr_json_at(first, "MacAddress")))
			nv->mac = xstrdup(json_object_get_string(v));
		if (json_object_is_type(eps, json_type_object)) {
			json_object_object_foreach(eps, net, ep)
			{
				(void)ep;
				if (strcmp(net, mode) != 0)
					ENGINE_PUSH(nv->networks, nv->nnetworks, xstrdup(net));
			}
		}
	}
	strs_from(ctr_rec(c, "HostConfig.Dns"), &nv->dns, &nv->ndns);
	strs_from(ctr_rec(c, "HostConfig.DnsSearch"), &nv->dns_search, &nv->ndns_search);
	strs_from(ctr_rec(c, "HostConfig.ExtraHosts"), &nv->add_hosts, &nv->nadd_hosts);
	ports_from(c, nv);
}

int ctr_net_up(struct ctr *c, bool *attached, struct glass_err **err)
{
	struct engine_netvol nv = {0};
	const char *hostname = ctr_rec_str(c, "Config.Hostname");
	*attached = false;
	/* what an earlier run left (its cleanup not come yet): this run's ADD
	 * starts from nothing */
	engine_netvol_stop(c->id, NULL);
	netvol_from(c, &nv);
	if (nv.mode == ENGINE_NET_DEFAULT || nv.mode == ENGINE_NET_HOST) {
		engine_netvol_free(&nv);
		return 0;
	}
	glass_trace_phase("network");
	int rc = engine_netvol_up(&nv, c->id, hostname ? hostname : c->id, err);
	if (rc == 0)
		rc = engine_netvol_bundle(&nv, c->dir, true, err);
	if (rc < 0 && nv.netns_owned)
		engine_netvol_stop(c->id, NULL);
	*attached = rc == 0 && nv.netns_owned;
	engine_netvol_free(&nv);
	return rc < 0 ? glass_err_ctx(err, "network of %s", c->name) : 0;
}

int ctr_net_down_if_stopped(const char *id, struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	struct glass_err *e = NULL;
	if (ctr_find(id, &c, &e) < 0) { /* removed meanwhile: rm ran DEL */
		glass_err_free(&e);
		return 0;
	}
	if (ctr_lock(c, "cleanup", err) < 0 || ctr_refresh(c, err) < 0)
		return -1;
	if (c->st.status == CTR_RUNNING || c->st.status == CTR_PAUSED ||
	    c->st.status == CTR_RESTARTING || c->st.starting)
		return 0; /* started again meanwhile: that run's network */
	return engine_netvol_stop(c->id, err);
}

int ctr_cleanup(const char *ref, struct glass_err **err)
{
	return ctr_net_down_if_stopped(ref, err);
}

/* NetworkingConfig's endpoints: `net` added or dropped. */
static int remember(struct ctr *c, const char *net, bool connect, char *const *aliases,
                    struct glass_err **err)
{
	struct json_object *nc = ctr_rec(c, "NetworkingConfig"), *eps;
	if (!nc) {
		nc = json_object_new_object();
		ADD(c->record, "NetworkingConfig", nc);
	}
	if (!json_object_object_get_ex(nc, "EndpointsConfig", &eps)) {
		const char *mode = ctr_rec_str(c, "HostConfig.NetworkMode");
		eps = json_object_new_object();
		ADD(nc, "EndpointsConfig", eps);
		if (mode) /* a record from before endpoints: NetworkMode's was one */
			ADD(eps, mode, json_object_new_object());
	}
	if (connect) {
		struct json_object *ep = json_object_new_object(), *a = json_object_new_array();
		for (char *const *p = aliases; p && *p; p++)
			json_object_array_add(a, json_object_new_string(*p));
		ADD(ep, "Aliases", a);
		ADD(eps, net, ep);
	} else {
		json_object_object_del(eps, net);
	}
	return ctr_record_save(c, err);
}

int ctr_net_connect(const char *net, const char *ref, bool connect, char *const *aliases,
                    struct glass_err **err)
{
	cleanup_ctr struct ctr *c = NULL;
	if (ctr_find(ref, &c, err) < 0 || ctr_lock(c, "network", err) < 0 ||
	    ctr_refresh(c, err) < 0)
		return -1;
	const char *name = strcmp(net, "bridge") == 0 ? ENGINE_DEFAULT_NETWORK : net;
	const char *mode = ctr_rec_str(c, "HostConfig.NetworkMode");
	struct json_object *eps = ctr_rec(c, "NetworkingConfig.EndpointsConfig");
	bool on =
	    eps ? json_object_object_get_ex(eps, name, NULL) : mode && strcmp(mode, name) == 0;
	struct json_object *rec = engine_net_record(c->id);
	bool live = rec != NULL;
	json_object_put(rec);
	if (mode && strcmp(mode, "none") == 0) /* docker's words */
		return glass_err_new(err, EINVAL,
		                     "container cannot be connected to multiple networks with one "
		                     "of the networks in private (none) mode");
	if (!mode || strcmp(mode, "default") == 0 || strcmp(mode, "host") == 0 ||
	    strncmp(mode, "container:", 10) == 0) {
		glass_err_new(err, EINVAL, "container %s has no network of glass's", c->name);
		return glass_err_hint(err, "connect works on containers run with --network NAME");
	}
	if (connect && on)
		return glass_err_new(err, EEXIST, "container %s is already attached to network %s",
		                     c->name, net);
	if (!connect && !on)
		return glass_err_new(err, ENOENT, "container %s is not connected to network %s",
		                     c->name, net);
	struct json_object *list = NULL; /* the network must exist even for a stopped one */
	if (connect && engine_net_load(name, &list, err) < 0)
		return -1;
	json_object_put(list);
	if (live && (connect ? engine_net_connect(name, c->id, aliases, err)
	                     : engine_net_disconnect(name, c->id, err)) < 0)
		return -1;
	return remember(c, name, connect, aliases, err);
}

/* "10.91.7.2/24" -> address and prefix length into docker's two fields. */
static void addr_fields(struct json_object *ep, const char *cidr, bool v6)
{
	cleanup_free char *a = xstrdup(cidr);
	char *slash = strchr(a, '/');
	int len = slash ? atoi(slash + 1) : 0;
	if (slash)
		*slash = '\0';
	ADD(ep, v6 ? "GlobalIPv6Address" : "IPAddress", json_object_new_string(a));
	ADD(ep, v6 ? "GlobalIPv6PrefixLen" : "IPPrefixLen", json_object_new_int(len));
}

/* One endpoint of docker's NetworkSettings.Networks from a cached ADD
 * result: the container's interface (the one with a sandbox) and its
 * addresses. */
static struct json_object *endpoint_json(struct json_object *att, struct json_object *aliases)
{
	struct json_object *ep = json_object_new_object(), *res, *ifs, *ips, *v;
	json_object_object_get_ex(att, "result", &res);
	ADD(ep, "Aliases", json_object_get(aliases));
	ADD(ep, "IPAddress", json_object_new_string(""));
	ADD(ep, "MacAddress", json_object_new_string(""));
	if (json_object_object_get_ex(res, "interfaces", &ifs))
		for (size_t i = 0; i < json_object_array_length(ifs); i++) {
			struct json_object *f = json_object_array_get_idx(ifs, i);
			if (json_object_object_get_ex(f, "sandbox", NULL) &&
			    json_object_object_get_ex(f, "mac", &v))
				ADD(ep, "MacAddress", json_object_get(v));
		}
	if (json_object_object_get_ex(res, "ips", &ips))
		for (size_t i = 0; i < json_object_array_length(ips); i++) {
			struct json_object *ip = json_object_array_get_idx(ips, i), *a, *gw;
			if (!json_object_object_get_ex(ip, "address", &a))
				continue;
			bool v6 = strchr(json_object_get_string(a), ':') != NULL;
			addr_fields(ep, json_object_get_string(a), v6);
			if (json_object_object_get_ex(ip, "gateway", &gw))
				ADD(ep, v6 ? "IPv6Gateway" : "Gateway", json_object_get(gw));
		}
	return ep;
}

struct json_object *ctr_net_settings(const struct ctr *c)
{
	struct json_object *o = json_object_new_object(), *nets = json_object_new_object();
	struct json_object *rec = engine_net_record(c->id), *v, *list, *aliases = NULL;
	json_object_object_get_ex(rec, "aliases", &aliases);
	ADD(o, "SandboxKey",
	    json_object_new_string(
	        json_object_object_get_ex(rec, "netns", &v) ? json_object_get_string(v) : ""));
	ADD(o, "Ports",
	    json_object_object_get_ex(rec, "ports", &v) ? json_object_get(v)
	                                                : json_object_new_object());
	ADD(o, "IPAddress", json_object_new_string(""));
	if (json_object_object_get_ex(rec, "networks", &list))
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *att = json_object_array_get_idx(list, i), *name, *ip;
			json_object_object_get_ex(att, "name", &name);
			if (strcmp(json_object_get_string(name), "lo") == 0)
				continue;
			struct json_object *ep = endpoint_json(att, aliases);
			if (json_object_object_length(nets) == 0 &&
			    json_object_object_get_ex(ep, "IPAddress", &ip))
				ADD(o, "IPAddress", json_object_get(ip));
			ADD(nets, json_object_get_string(name), ep);
		}
	/* a container not running has its networks still: docker lists each
	 * with its aliases and no address (docker-compose reads them between
	 * its create and its start to decide on a connect) */
	struct json_object *eps = ctr_rec(c, "NetworkingConfig.EndpointsConfig");
	if (json_object_is_type(eps, json_type_object)) {
		json_object_object_foreach(eps, net, cfg)
		{
			if (json_object_object_get_ex(nets, net, NULL))
				continue;
			struct json_object *ep = json_object_new_object(), *a;
			ADD(ep, "Aliases",
			    json_object_object_get_ex(cfg, "Aliases", &a)
			        ? json_object_get(a)
			        : json_object_new_array());
			ADD(ep, "IPAddress", json_object_new_string(""));
			ADD(ep, "MacAddress", json_object_new_string(""));
			ADD(nets, net, ep);
		}
	}
	ADD(o, "Networks", nets);
	json_object_put(rec);
	return o;
}

char *ctr_net_ports_text(const struct ctr *c)
{
	struct json_object *rec = engine_net_record(c->id), *ports, *v;
	struct strbuf b = STRBUF_INIT;
	if (json_object_object_get_ex(rec, "ports", &ports)) {
		json_object_object_foreach(ports, key, binds)
		{
			for (size_t i = 0; i < json_object_array_length(binds); i++) {
				struct json_object *one = json_object_array_get_idx(binds, i);
				const char *ip = json_object_object_get_ex(one, "HostIp", &v)
				                     ? json_object_get_string(v)
				                     : "0.0.0.0";
				json_object_object_get_ex(one, "HostPort", &v);
				strbuf_printf(&b, "%s%s:%s->%s", b.len ? ", " : "", ip,
				              json_object_get_string(v), key);
			}
		}
	}
	json_object_put(rec);
	if (!b.len) {
		strbuf_release(&b);
		return xstrdup("");
	}
	return strbuf_steal(&b);
}

/* net-store: network configurations as CNI .conflist files in
 * ROOT/networks, one per network, readable and editable by a user.  glass
 * writes a chain of Debian's containernetworking-plugins:
 *
 *   bridge (+ host-local IPAM, leases in ROOT/cni/networks)  the Linux
 *       bridge, a veth pair per container, the address, masquerading
 *   portmap   -p: DNAT from host ports (capability portMappings)
 *   firewall  lets the bridge's traffic through a FORWARD policy of DROP
 *   tuning    --mac-address (capability mac)
 *
 * An --internal network has no default route and no masquerading: its
 * containers reach each other and the bridge, nothing beyond. */
#include "common.h"
#include "digest.h"
#include "netvol.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <dirent.h>
#include <json-c/json.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>

#define CNI_VERSION "1.0.0"

static char *vpath(const char *base, const char *fmt, va_list ap)
{
	cleanup_free char *tail = xvasprintf(fmt, ap);
	return xasprintf("%s/%s", base, tail);
}

char *engine_run_path(const char *fmt, ...)
{
	const char *g = getenv("GLASS_ROOT");
	cleanup_free char *base = g && *g ? xasprintf("%s/run", g) : xstrdup("/run/glass");
	va_list ap;
	va_start(ap, fmt);
	char *p = vpath(base, fmt, ap);
	va_end(ap);
	return p;
}

char *engine_state_path(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = vpath(engine_root_dir(), fmt, ap);
	va_end(ap);
	return p;
}

int engine_lock(bool volumes, struct glass_err **err)
{
	cleanup_free char *dir = volumes ? engine_state_path("volumes") : engine_run_path("net");
	cleanup_free char *path = xasprintf("%s/.lock", dir);
	if (mkdir_p(dir, 0700) < 0)
		return glass_err_new(err, errno, "mkdir(\"%s\")", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return glass_err_new(err, errno, "open(\"%s\")", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return glass_err_new(err, errno, "flock(\"%s\")", path);
		}
	return fd;
}

static char *conflist_path(const char *name)
{
	return engine_state_path("networks/%s.conflist", name);
}

/* The bridge device of a network: glass0 for the default, else "gl-" and
 * 12 hex digits of the name's digest (IFNAMSIZ leaves 15 characters). */
static void bridge_name(const char *name, char out[16])
{
	char d[GLASS_DIGEST_LEN];
	if (strcmp(name, ENGINE_DEFAULT_NETWORK) == 0) {
		snprintf(out, 16, "glass0");
		return;
	}
	glass_digest_buf(name, strlen(name), d);
	snprintf(out, 16, "gl-%.12s", glass_digest_hex(d));
}

/* A /24 in 10.90.0.0/16 that no other network uses (the default network
 * takes 10.90.0.0/24). */
static int pick_subnet(const char *name, char out[32], char gw[32], struct glass_err **err)
{
	char **names = engine_net_list();
	bool used[256] = {false};
	for (char **n = names; n && *n; n++) {
		struct json_object *c = NULL;
		unsigned a, b, x;
		if (engine_net_load(*n, &c, NULL) == 0) {
			const char *s = engine_net_subnet(c, NULL);
			if (s && sscanf(s, "10.%u.%u.%u/", &a, &x, &b) == 3 && a == 90 && x < 256)
				used[x] = true;
		}
		json_object_put(c);
	}
	engine_strv_free(names);
	unsigned start = strcmp(name, ENGINE_DEFAULT_NETWORK) == 0 ? 0 : 1;
	for (unsigned x = start; x < 256; x++)
		if (!used[x]) {
			snprintf(out, 32, "10.90.%u.0/24", x);
			snprintf(gw, 32, "10.90.%u.1", x);
			return 0;
		}
	return glass_err_new(err, ENOSPC, "no free /24 left in 10.90.0.0/16; give --subnet");
}

/* Checks CIDR and gateway; fills the gateway (first host) when not given. */
static int check_subnet(const char *subnet, const char *gateway, char gw[32],
                        struct glass_err **err)
{
	char addr[32];
	unsigned prefix;
	struct in_addr a, g;
	if (strlen(subnet) >= sizeof(addr) || sscanf(subnet, "%31[0-9.]/%u", addr, &prefix) != 2 ||
	    inet_pton(AF_INET, addr, &a) != 1 || prefix < 8 || prefix > 30)
		return glass_err_field(err, EINVAL, "--subnet",
		                       "\"%s\" is not an IPv4 CIDR with a prefix of 8 to 30",
		                       subnet);
	uint32_t mask = htonl(~0u << (32 - prefix));
	if ((a.s_addr & ~mask) != 0)
		return glass_err_field(err, EINVAL, "--subnet",
		                       "\"%s\" has host bits set (the network address is expected)",
		                       subnet);
	if (!gateway) {
		g.s_addr = htonl(ntohl(a.s_addr) + 1);
		inet_ntop(AF_INET, &g, gw, 32);
		return 0;
	}
	if (inet_pton(AF_INET, gateway, &g) != 1 || (g.s_addr & mask) != a.s_addr)
		return glass_err_field(err, EINVAL, "--gateway", "\"%s\" is not an address in %s",
		                       gateway, subnet);
	snprintf(gw, 32, "%s", gateway);
	return 0;
}

static struct json_object *plugin(const char *type)
{
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "type", json_object_new_string(type));
	return p;
}

static struct json_object *capability(struct json_object *p, const char *cap)
{
	struct json_object *c = json_object_new_object();
	json_object_object_add(c, cap, json_object_new_boolean(1));
	json_object_object_add(p, "capabilities", c);
	return p;
}

static struct json_object *bridge_plugin(const char *name, const char *subnet, const char *gw,
                                         struct json_object *range6, bool internal)
{
	char br[16];
	bridge_name(name, br);
	struct json_object *p = plugin("bridge"), *ipam = plugin("host-local");
	struct json_object *ranges = json_object_new_array(), *set = json_object_new_array();
	struct json_object *range = json_object_new_object();
	cleanup_free char *leases = engine_state_path("cni/networks");
	json_object_object_add(p, "bridge", json_object_new_string(br));
	json_object_object_add(p, "isGateway", json_object_new_boolean(1));
	json_object_object_add(p, "isDefaultGateway", json_object_new_boolean(!internal));
	json_object_object_add(p, "ipMasq", json_object_new_boolean(!internal));
	json_object_object_add(p, "hairpinMode", json_object_new_boolean(1));
	json_object_object_add(range, "subnet", json_object_new_string(subnet));
	json_object_object_add(range, "gateway", json_object_new_string(gw));
	json_object_array_add(set, range);
	json_object_array_add(ranges, set);
	if (range6) { /* a second range set: an address of each family */
		struct json_object *set6 = json_object_new_array();
		json_object_array_add(set6, range6);
		json_object_array_add(ranges, set6);
	}
	json_object_object_add(ipam, "ranges", ranges);
	json_object_object_add(ipam, "dataDir", json_object_new_string(leases));
	json_object_object_add(p, "ipam", ipam);
	return capability(p, "ips"); /* --ip: host-local reads runtimeConfig.ips */
}

static struct json_object *build_conflist(const char *name, const char *subnet, const char *gw,
                                          struct json_object *range6,
                                          const struct engine_net_create *o)
{
	char new_id[GLASS_DIGEST_LEN], created[40], rnd[32];
	time_t now = time(NULL);
	struct tm tm;
	/* the ID only has to be unique: a digest of fresh random bytes */
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		snprintf(rnd, sizeof(rnd), "%s %lld %d", name, (long long)now, (int)getpid());
	glass_digest_buf(rnd, sizeof(rnd), new_id);
	memmove(new_id, glass_digest_hex(new_id), 65);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	struct json_object *list = json_object_new_object(), *plugins = json_object_new_array();
	json_object_object_add(list, "cniVersion", json_object_new_string(CNI_VERSION));
	json_object_object_add(list, "name", json_object_new_string(name));
	json_object_array_add(plugins, bridge_plugin(name, subnet, gw, range6, o->internal));
	if (!o->internal)
		json_object_array_add(plugins, capability(plugin("portmap"), "portMappings"));
	json_object_array_add(plugins, plugin("firewall"));
	json_object_array_add(plugins, capability(plugin("tuning"), "mac"));
	json_object_object_add(list, "plugins", plugins);
	/* glass's own keys: CNI ignores what it does not know (libcni keeps
	 * unknown top-level keys); `network inspect` shows them */
	struct json_object *labels = json_object_new_object();
	for (char **l = o->labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		cleanup_free char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
		json_object_object_add(labels, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	json_object_object_add(list, "glass.labels", labels);
	json_object_object_add(list, "glass.id", json_object_new_string(new_id));
	json_object_object_add(list, "glass.created", json_object_new_string(created));
	json_object_object_add(list, "glass.internal", json_object_new_boolean(o->internal));
	json_object_object_add(list, "glass.ipv6", json_object_new_boolean(range6 != NULL));
	return list;
}

/* The plugins must exist and speak CNI 1.0.0: asked with VERSION before a
 * network that could not work is written. */
static int check_plugins(struct json_object *list, struct glass_err **err)
{
	struct json_object *plugins, *t;
	json_object_object_get_ex(list, "plugins", &plugins);
	for (size_t i = 0; i < json_object_array_length(plugins); i++) {
		json_object_object_get_ex(json_object_array_get_idx(plugins, i), "type", &t);
		if (engine_cni_version(json_object_get_string(t), CNI_VERSION, err) < 0)
			return -1;
	}
	return 0;
}

int engine_net_create(const char *name, const struct engine_net_create *o, struct json_object **out,
                      struct glass_err **err)
{
	char subnet[32], gw[32];
	cleanup_free char *path = conflist_path(name);
	cleanup_free char *dir = engine_state_path("networks");
	if (!engine_valid_object_name(name))
		return glass_err_field(err, EINVAL, "name",
		                       "invalid network name \"%s\" (letters, digits, _ . -)",
		                       name);
	if (strcmp(name, "none") == 0 || strcmp(name, "host") == 0 || strcmp(name, "bridge") == 0)
		return glass_err_new(err, EEXIST, "network name \"%s\" is reserved", name);
	if (access(path, F_OK) == 0)
		return glass_err_new(err, EEXIST, "network with name %s already exists", name);
	if (o->subnet) {
		snprintf(subnet, sizeof(subnet), "%s", o->subnet);
		if (check_subnet(o->subnet, o->gateway, gw, err) < 0)
			return -1;
	} else if (o->gateway) {
		return glass_err_field(err, EINVAL, "--gateway", "a gateway needs --subnet");
	} else if (pick_subnet(name, subnet, gw, err) < 0) {
		return -1;
	}
	struct json_object *range6 = NULL;
	if (engine_net_ipv6_range(name, o, &range6, err) < 0)
		return -1;
	struct json_object *list = build_conflist(name, subnet, gw, range6, o);
	if (check_plugins(list, err) < 0) {
		json_object_put(list);
		return glass_err_ctx(err, "network %s", name);
	}
	const char *text = json_object_to_json_string_ext(list, JSON_C_TO_STRING_PRETTY |
	                                                            JSON_C_TO_STRING_NOSLASHESCAPE);
	if (mkdir_p(dir, 0755) < 0 ||
	    write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0644) < 0) {
		json_object_put(list);
		return glass_err_new(err, errno, "write(\"%s\")", path);
	}
	if (out)
		*out = list;
	else
		json_object_put(list);
	return 0;
}

int engine_net_load(const char *name, struct json_object **out, struct glass_err **err)
{
	if (strcmp(name, "bridge") == 0)
		name = ENGINE_DEFAULT_NETWORK;
	if (!engine_valid_object_name(name))
		return glass_err_new(err, EINVAL, "invalid network name \"%s\"", name);
	cleanup_free char *path = conflist_path(name);
	size_t len;
	cleanup_free char *text = read_file_at(AT_FDCWD, path, &len);
	if (!text && errno == ENOENT && strcmp(name, ENGINE_DEFAULT_NETWORK) == 0) {
		struct engine_net_create o = {0};
		return engine_net_create(name, &o, out, err);
	}
	if (!text)
		return glass_err_new(err, errno, "network %s not found (%s)", name, path);
	*out = json_tokener_parse(text);
	if (!*out || !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		return glass_err_new(err, EINVAL, "%s: not a JSON object", path);
	}
	return 0;
}

int engine_net_remove(const char *name, struct glass_err **err)
{
	cleanup_free char *path = conflist_path(name);
	char **users = engine_net_users(name);
	bool busy = users && users[0];
	if (busy)
		glass_err_new(err, EBUSY, "network %s has active endpoints (%s)", name, users[0]);
	engine_strv_free(users);
	if (busy)
		return -1;
	struct json_object *list = NULL, *plugins, *br;
	if (engine_net_load(name, &list, err) < 0)
		return -1;
	char ifname[IF_NAMESIZE] = "";
	json_object_object_get_ex(list, "plugins", &plugins);
	for (size_t i = 0; i < json_object_array_length(plugins); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(plugins, i), "bridge", &br))
			snprintf(ifname, sizeof(ifname), "%s", json_object_get_string(br));
	json_object_put(list);
	if (unlink(path) < 0)
		return glass_err_new(err, errno, "unlink(%s)", path);
	if (ifname[0] && engine_link_delete(ifname, err) < 0)
		return glass_err_ctx(err, "network %s: bridge %s", name, ifname);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **engine_net_list(void)
{
	cleanup_free char *dir = engine_state_path("networks");
	DIR *d = opendir(dir);
	size_t n = 0;
	char **v = xcalloc(1, sizeof(char *));
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len <= 9 || strcmp(de->d_name + len - 9, ".conflist") != 0)
			continue;
		v = xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = xstrndup(de->d_name, len - 9);
		v[n] = NULL;
	}
	if (d)
		closedir(d);
	qsort(v, n, sizeof(char *), cmp_str);
	return v;
}

const char *engine_net_subnet(struct json_object *list, const char **gateway)
{
	struct json_object *plugins, *ipam, *ranges, *r, *v;
	if (!json_object_object_get_ex(list, "plugins", &plugins) ||
	    !json_object_is_type(plugins, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(plugins); i++) {
		if (!json_object_object_get_ex(json_object_array_get_idx(plugins, i), "ipam",
		                               &ipam) ||
		    !json_object_object_get_ex(ipam, "ranges", &ranges))
			continue;
		r = json_object_array_get_idx(json_object_array_get_idx(ranges, 0), 0);
		if (gateway && json_object_object_get_ex(r, "gateway", &v))
			*gateway = json_object_get_string(v);
		if (json_object_object_get_ex(r, "subnet", &v))
			return json_object_get_string(v);
	}
	return NULL;
}

/* netvol-flags: the network and volume flags of `glass run`, collected
 * into a struct engine_netvol for engine_netvol_prepare(). */
#include "netvol.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static int set_network(struct engine_netvol *nv, const char *v, struct glass_err **err)
{
	if (strcmp(v, "none") == 0 || strcmp(v, "host") == 0 || strncmp(v, "container:", 10) == 0) {
		if (nv->mode != ENGINE_NET_DEFAULT)
			return glass_err_field(err, EINVAL, "--network",
			                       "\"%s\" cannot be combined with other networks", v);
		nv->mode = v[0] == 'n'   ? ENGINE_NET_NONE
		           : v[0] == 'h' ? ENGINE_NET_HOST
		                         : ENGINE_NET_CONTAINER;
		if (nv->mode == ENGINE_NET_CONTAINER) {
			if (!v[10])
				return glass_err_field(err, EINVAL, "--network",
				                       "container: needs a container name");
			nv->container = xstrdup(v + 10);
		}
		return 0;
	}
	if (nv->mode != ENGINE_NET_DEFAULT && nv->mode != ENGINE_NET_CNI)
		return glass_err_field(
		    err, EINVAL, "--network",
		    "\"%s\" cannot be combined with none, host or container:", v);
	if (strcmp(v, "bridge") == 0)
		v = ENGINE_DEFAULT_NETWORK;
	if (!engine_valid_object_name(v))
		return glass_err_field(err, EINVAL, "--network", "invalid network name \"%s\"", v);
	nv->mode = ENGINE_NET_CNI;
	ENGINE_PUSH(nv->networks, nv->nnetworks, xstrdup(v));
	return 0;
}

static int add_mount(struct engine_netvol *nv, const char *flag, const char *v,
                     struct glass_err **err)
{
	struct engine_mount m;
	int rc = strcmp(flag, "-v") == 0        ? engine_mount_parse_v(v, &m, err)
	         : strcmp(flag, "--mount") == 0 ? engine_mount_parse_mount(v, &m, err)
	                                        : engine_mount_parse_tmpfs(v, &m, err);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < nv->nmounts; i++)
		if (strcmp(nv->mounts[i].target, m.target) == 0) {
			glass_err_field(err, EINVAL, flag, "duplicate mount point: %s", m.target);
			engine_mount_clear(&m);
			return -1;
		}
	ENGINE_PUSH(nv->mounts, nv->nmounts, m);
	return 0;
}

static int add_port(struct engine_netvol *nv, const char *v, struct glass_err **err)
{
	struct engine_port p;
	if (engine_port_parse(v, &p, err) < 0)
		return -1;
	ENGINE_PUSH(nv->ports, nv->nports, p);
	return 0;
}

/* The flag's canonical name when argv[i] is `name` or `name=VALUE`. */
static const char *match(const char *a, const char *const *names, const char **inline_val)
{
	for (size_t k = 1; names[k]; k++) {
		size_t len = strlen(names[k]);
		if (strncmp(a, names[k], len) == 0 && (a[len] == '\0' || a[len] == '=')) {
			*inline_val = a[len] == '=' ? a + len + 1 : NULL;
			return names[0];
		}
	}
	return NULL;
}

static const char *const flags[][4] = {
    {"--network", "--network", "--net", NULL},
    {"-p", "-p", "--publish", NULL},
    {"-v", "-v", "--volume", NULL},
    {"--mount", "--mount", NULL, NULL},
    {"--tmpfs", "--tmpfs", NULL, NULL},
    {"--network-alias", "--network-alias", "--net-alias", NULL},
    {"--dns", "--dns", NULL, NULL},
    {"--dns-search", "--dns-search", NULL, NULL},
    {"--add-host", "--add-host", NULL, NULL},
    {"--mac-address", "--mac-address", NULL, NULL},
    {"--ip", "--ip", NULL, NULL},
};

static int apply(struct engine_netvol *nv, const char *f, const char *v, struct glass_err **err)
{
	if (strcmp(f, "--network") == 0)
		return set_network(nv, v, err);
	if (strcmp(f, "-p") == 0)
		return add_port(nv, v, err);
	if (strcmp(f, "-v") == 0 || strcmp(f, "--mount") == 0 || strcmp(f, "--tmpfs") == 0)
		return add_mount(nv, f, v, err);
	if (strcmp(f, "--network-alias") == 0)
		ENGINE_PUSH(nv->aliases, nv->naliases, xstrdup(v));
	else if (strcmp(f, "--dns") == 0)
		ENGINE_PUSH(nv->dns, nv->ndns, xstrdup(v));
	else if (strcmp(f, "--dns-search") == 0)
		ENGINE_PUSH(nv->dns_search, nv->ndns_search, xstrdup(v));
	else if (strcmp(f, "--add-host") == 0) {
		if (!strchr(v, ':') || v[0] == ':')
			return glass_err_field(err, EINVAL, "--add-host", "\"%s\" is not HOST:IP",
			                       v);
		ENGINE_PUSH(nv->add_hosts, nv->nadd_hosts, xstrdup(v));
	} else if (strcmp(f, "--mac-address") == 0)
		free(nv->mac), nv->mac = xstrdup(v);
	else if (strcmp(f, "--ip") == 0)
		free(nv->ip), nv->ip = xstrdup(v);
	return 0;
}

int engine_netvol_parse_flag(int argc, char **argv, int *i, struct engine_netvol *nv,
                             struct glass_err **err)
{
	const char *val = NULL, *f = NULL;
	for (size_t k = 0; !f && k < sizeof(flags) / sizeof(flags[0]); k++)
		f = match(argv[*i], flags[k], &val);
	if (!f)
		return 0;
	if (!val) {
		if (*i + 1 >= argc)
			return glass_err_field(err, EINVAL, f, "%s needs a value", argv[*i]);
		val = argv[++*i];
	}
	if (apply(nv, f, val, err) < 0)
		return -1;
	return 1;
}

void engine_mount_clear(struct engine_mount *m)
{
	free(m->type);
	free(m->source);
	free(m->target);
	free(m->tmpfs_opts);
	free(m->host_path);
	memset(m, 0, sizeof(*m));
}

static void strv_n_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void engine_netvol_free(struct engine_netvol *nv)
{
	strv_n_free(nv->networks, nv->nnetworks);
	strv_n_free(nv->aliases, nv->naliases);
	strv_n_free(nv->dns, nv->ndns);
	strv_n_free(nv->dns_search, nv->ndns_search);
	strv_n_free(nv->add_hosts, nv->nadd_hosts);
	for (size_t i = 0; i < nv->nmounts; i++)
		engine_mount_clear(&nv->mounts[i]);
	free(nv->mounts);
	free(nv->ports);
	free(nv->container);
	free(nv->mac);
	free(nv->ip);
	free(nv->netns_path);
	free(nv->hosts_path);
	free(nv->resolv_path);
	memset(nv, 0, sizeof(*nv));
}

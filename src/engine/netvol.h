/* netvol: networks (through CNI) and volumes for the engine's containers.
 *
 * Volumes last as long as the container; its network as long as one run
 * of it, as docker's: `start` attaches, the end of the run (`stop`, an
 * exit, a kill) detaches, the next `start` attaches anew.  The seam to
 * the container lifecycle (src/engine/ctr-*.c) is these calls:
 *
 *   engine_netvol_parse_flag()   collects --network/-p/-v/--mount/... into
 *                                a struct engine_netvol
 *   engine_netvol_prepare()      create: after the snapshot exists, makes
 *                                the volumes (filled from the image when
 *                                new) and checks that the networks exist
 *   engine_netvol_bundle(false)  create: adds the mounts to the bundle's
 *                                config.json
 *   engine_netvol_up()           start: makes the network namespace (a
 *                                bind-mounted nsfs file) and runs the CNI
 *                                ADD chain of every network in it, then
 *                                writes /etc/hosts and /etc/resolv.conf
 *   engine_netvol_bundle(true)   start: points config.json at this run's
 *                                namespace and files
 *   engine_net_set_owner()       start: the shim holds the network now
 *   engine_netvol_stop()         the run ended: CNI DEL with the cached
 *                                ADD results, the namespace unmounted,
 *                                peers' hosts updated
 *   engine_netvol_remove()       rm: stop's work if not done, then its
 *                                claims on volumes are dropped; anonymous
 *                                volumes removed when asked (rm -v, --rm).
 *
 * Networks are ordinary CNI .conflist files under ROOT/networks; a
 * container's attachments (the ADD results) are cached in RUN/net/ID.json
 * so DEL gets exactly what ADD returned, even from another engine command.
 * ROOT is engine_root_dir(), RUN is GLASS_ROOT/run or /run/glass. */
#ifndef GLASS_ENGINE_NETVOL_H
#define GLASS_ENGINE_NETVOL_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;

enum engine_net_mode {
	ENGINE_NET_DEFAULT,   /* no --network: the runtime's own netns, lo up */
	ENGINE_NET_NONE,      /* a netns with lo up (CNI loopback) */
	ENGINE_NET_HOST,      /* the engine's netns */
	ENGINE_NET_CONTAINER, /* another container's netns */
	ENGINE_NET_CNI,       /* CNI networks (bridge = the default network "glass") */
};

struct engine_port {
	char host_ip[64]; /* "" : all addresses */
	int host_port, ctr_port;
	char proto[4]; /* tcp | udp */
};

struct engine_mount {
	char *type;       /* bind | volume | tmpfs */
	char *source;     /* host path, volume name ("" : anonymous), unused for tmpfs */
	char *target;     /* absolute path in the container */
	char *tmpfs_opts; /* size=..,mode=.. (tmpfs) or NULL */
	bool readonly;
	bool must_exist; /* --mount type=bind: a missing source is an error */
	char *host_path; /* resolved by prepare: what is bind-mounted */
	bool created;    /* prepare created the volume */
	bool anonymous;
	bool from_peer; /* --volumes-from: not one of this container's Binds */
};

struct engine_netvol {
	enum engine_net_mode mode;
	char **networks; /* CNI mode: network names */
	size_t nnetworks;
	char *container; /* container mode: the peer */
	struct engine_port *ports;
	size_t nports;
	char **aliases, **dns, **dns_search, **add_hosts;
	size_t naliases, ndns, ndns_search, nadd_hosts;
	char *mac, *ip;
	/* the name peers resolve (--name); NULL: the id given to prepare */
	const char *name;
	struct engine_mount *mounts;
	size_t nmounts;
	/* set by prepare */
	char *netns_path; /* the netns the container joins, NULL: its own or host */
	bool netns_owned; /* made by prepare (removed by stop) */
	char *hosts_path, *resolv_path;
};

/* Parses argv[*i] when it is one of run's network or volume flags
 * (--network/--net, -p/--publish, --network-alias, --dns, --dns-search,
 * --add-host, --mac-address, --ip, -v/--volume, --mount, --tmpfs),
 * advancing *i past its value.  1 when it was one, 0 when not, -1 with
 * err on a bad value (the message names the flag and the value). */
int engine_netvol_parse_flag(int argc, char **argv, int *i, struct engine_netvol *nv,
                             struct glass_err **err);
/* create: makes the container's volumes and checks its networks exist.
 * `id` keys the volume claims, which stand while ROOT/containers/ID
 * exists.  `rootfs` is the container's mounted root (for filling new
 * volumes).  On failure everything it made is undone. */
int engine_netvol_prepare(struct engine_netvol *nv, const char *id, const char *rootfs,
                          struct glass_err **err);
/* Whether every network nv names exists (the default one is made). */
int engine_netvol_check(const struct engine_netvol *nv, struct glass_err **err);
/* start: the network of this run.  `id` keys everything (CNI_CONTAINERID,
 * RUN/net/ID.json); peers resolve nv->name.  The calling process is
 * recorded as the network's owner until engine_net_set_owner(): while the
 * owner lives, or a process is inside the netns, no other engine command
 * tears it down.  container:ID needs that container running.  On failure
 * nothing is left. */
int engine_netvol_up(struct engine_netvol *nv, const char *id, const char *hostname,
                     struct glass_err **err);
/* BUNDLE/config.json (re-validated by the runtime's parser) gets the
 * mounts (!net, at create) or this run's network namespace, /etc/hosts
 * and /etc/resolv.conf (net, at start; those of an earlier run replaced). */
int engine_netvol_bundle(const struct engine_netvol *nv, const char *bundle_dir, bool net,
                         struct glass_err **err);
/* The container stopped (exited, was killed, or is being removed):
 * detaches it from its networks (CNI DEL in reverse chain order with the
 * cached results) and removes its netns and files.  Safe to call for a
 * container that has none, and twice. */
int engine_netvol_stop(const char *name, struct glass_err **err);
/* The container is removed: stop's work if not done, then its claims on
 * volumes are dropped; with remove_anon (rm -v, run --rm) its anonymous
 * volumes are removed too.  Errors are reported, the rest still runs. */
int engine_netvol_remove(const char *name, bool remove_anon, struct glass_err **err);
void engine_netvol_free(struct engine_netvol *nv);

/* --- internals shared by the net-*.c and vol-*.c files --- */

/* Appends v to the array arr of n elements (realloc'd). */
#define ENGINE_PUSH(arr, n, v)                                                                     \
	do {                                                                                       \
		(arr) = xrealloc((arr), ((n) + 1) * sizeof(*(arr)));                               \
		(arr)[(n)++] = (v);                                                                \
	} while (0)

/* Docker's port bindings ({"80/tcp": [{"HostIp", "HostPort"}]}) of nv's
 * ports: as asked (`run`: false; no host port is "", every address "") or
 * as this run has them (every address 0.0.0.0, the picked ports). */
struct json_object *engine_ports_json(const struct engine_netvol *nv, bool run);

/* RUN (GLASS_ROOT/run or /run/glass) joined with the printf-style tail. */
char *engine_run_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* ROOT joined with the printf-style tail. */
char *engine_state_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An exclusive flock on RUN/net/.lock (or ROOT/volumes/.lock): the fd. */
int engine_lock(bool volumes, struct glass_err **err);
/* docker's rule for network and volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
bool engine_valid_object_name(const char *n);

/* Whoever narrates the network's construction (the lab's hop-by-hop
 * lesson) sees each kernel-facing step as it lands: a network namespace
 * made or removed, each CNI plugin run (its stdin and stdout), an
 * /etc/hosts written.  One observer per process; NULL: nobody listens. */
struct engine_net_event {
	const char *what;                        /* "netns-add", "netns-del", "cni", "hosts" */
	const char *container;                   /* CNI_CONTAINERID / the record (NULL: unknown) */
	const char *path;                        /* the netns file, the plugin, the hosts file */
	const char *cmd, *type, *netns, *ifname; /* cni: ADD|DEL|CHECK, the plugin */
	const char *input, *output;              /* cni: its stdin, its stdout */
	int status;                              /* cni: its exit status */
};
typedef void (*engine_net_observer)(const struct engine_net_event *ev, void *arg);
void engine_net_set_observer(engine_net_observer fn, void *arg);
void engine_net_notify(const struct engine_net_event *ev);

/* cni.c: one CNI 1.0 plugin chain. */
struct engine_cni_call {
	const char *container_id, *netns, *ifname;
	struct json_object *runtime_config; /* capability args (portMappings, mac, ips) */
};
/* The plugin directories (GLASS_CNI_PATH, or /usr/lib/cni:/opt/cni/bin). */
const char *engine_cni_path(void);
/* Runs ADD for each plugin of `conflist` in order, each with the previous
 * result as prevResult; *result gets the last one.  On failure the chain
 * is rolled back with DEL. */
int engine_cni_add(struct json_object *conflist, const struct engine_cni_call *c,
                   struct json_object **result, struct glass_err **err);
/* Runs DEL (reverse order) or CHECK (in order) with `cached` as
 * prevResult. */
int engine_cni_del(struct json_object *conflist, const struct engine_cni_call *c,
                   struct json_object *cached, struct glass_err **err);
int engine_cni_check(struct json_object *conflist, const struct engine_cni_call *c,
                     struct json_object *cached, struct glass_err **err);
/* VERSION of plugin `type`: 0 when it supports cniVersion `want`. */
int engine_cni_version(const char *type, const char *want, struct glass_err **err);

/* net-store.c: the network configurations. */
#define ENGINE_DEFAULT_NETWORK "glass"
struct engine_net_create {
	const char *subnet, *gateway;   /* NULL: chosen */
	const char *subnet6, *gateway6; /* --ipv6; NULL: a unique local /64 */
	bool internal, ipv6;
	char **labels;
};
int engine_net_create(const char *name, const struct engine_net_create *o,
                      struct json_object **conflist, struct glass_err **err);
/* net-ipv6.c: host-local's IPv6 range of a --ipv6 network ({"subnet",
 * "gateway"}), *range NULL without --ipv6. */
int engine_net_ipv6_range(const char *name, const struct engine_net_create *o,
                          struct json_object **range, struct glass_err **err);
/* Loads ROOT/networks/NAME.conflist; the default network is created on
 * first use. */
int engine_net_load(const char *name, struct json_object **conflist, struct glass_err **err);
int engine_net_remove(const char *name, struct glass_err **err);
/* Names of the configured networks, sorted, NULL-terminated. */
char **engine_net_list(void);
/* Containers attached to network `name` (from RUN/net/NAME.json records). */
char **engine_net_users(const char *name);
/* The keys (container ids) of every attachment record under RUN/net,
 * NULL-terminated; free with engine_strv_free(). */
char **engine_net_record_keys(void);
/* The subnet and gateway of a conflist's first bridge plugin. */
const char *engine_net_subnet(struct json_object *conflist, const char **gateway);

/* net-ports.c: every port without a host port gets a free one. */
int engine_ports_pick(struct engine_netvol *nv, struct glass_err **err);
/* net-ops.c: networks for front-ends. */
/* The network's ID: its conflist's "glass.id", else the SHA-256 of its
 * name (malloc'd, 64 hex digits). */
char *engine_net_id(const char *name, struct json_object *conflist);
/* The network named, or whose ID (or unique ID prefix) is, `ref` ("bridge"
 * is the default network); ENOENT "network REF not found". */
int engine_net_find(const char *ref, char **name, struct glass_err **err);
/* The attachment of each container on network `name`, keyed by container
 * ID: {"name", "ifname", "ip", "result", ...} (owned by the caller). */
struct json_object *engine_net_endpoints(const char *name);
/* Removes every network without containers except the default one, and
 * those `keep` (may be NULL) keeps; *removed gets their names.  Errors
 * are reported (the first), the other networks are still pruned. */
int engine_net_prune(bool (*keep)(void *data, const char *name, struct json_object *conflist),
                     void *data, char ***removed, struct glass_err **err);

/* net-netns.c: a named network namespace as a bind-mounted nsfs file. */
int engine_netns_create(const char *path, struct glass_err **err);
int engine_netns_remove(const char *path, struct glass_err **err);
/* Deletes network interface `ifname` (gone already: success). */
int engine_link_delete(const char *ifname, struct glass_err **err);

/* net-hosts.c */
int engine_hosts_write(const char *name, struct glass_err **err);
void engine_hosts_refresh_peers(const char *name);
int engine_resolv_write(const char *path, const struct engine_netvol *nv, struct glass_err **err);

/* net-attach.c */
int engine_net_attach(struct engine_netvol *nv, const char *name, const char *hostname,
                      struct glass_err **err);
int engine_net_detach(const char *name, struct glass_err **err);
/* The cached attachment record of a container (RUN/net/NAME.json) or NULL. */
struct json_object *engine_net_record(const char *name);
/* ADD of network `net` ("lo": the loopback plugin) into the netns of the
 * record `rec` as interface eth<idx>, appended to the record and saved
 * as it lands; idx 0 also gets nv's ports, MAC and IP. */
int engine_net_add(struct json_object *rec, const char *id, const char *net,
                   const struct engine_netvol *nv, size_t idx, struct glass_err **err);
int engine_net_record_save(const char *id, struct json_object *rec, struct glass_err **err);
/* The network of `id` is held by process `pid` (its shim) from now on. */
int engine_net_set_owner(const char *id, pid_t pid, struct glass_err **err);
/* Container `id` is called `name` now: its record, its /etc/hosts and
 * its peers' say so (no record: nothing to do). */
int engine_net_rename(const char *id, const char *name, struct glass_err **err);
/* net-connect.c: `network connect|disconnect` of an attached container. */
/* `aliases` (NULL-terminated, may be NULL): more names peers resolve. */
int engine_net_connect(const char *net, const char *id, char *const *aliases,
                       struct glass_err **err);
int engine_net_disconnect(const char *net, const char *id, struct glass_err **err);
/* Detaches the containers whose owning engine process is gone. */
void engine_net_sweep(void);

/* vol-store.c: named volumes under ROOT/volumes/NAME/{_data,meta.json}. */
int engine_vol_create(const char *name, char **labels, bool anonymous, bool *created,
                      struct glass_err **err);
int engine_vol_remove(const char *name, bool force, struct glass_err **err);
char **engine_vol_list(void);
/* Containers whose claim on the volume still stands (their snapshot exists). */
char **engine_vol_users(const char *name);
int engine_vol_claim(const char *name, const char *container, bool claim);
struct json_object *engine_vol_inspect(const char *name, struct glass_err **err);
/* Removes the volumes no container claims: the anonymous ones, or all
 * with `all`, except those `keep` (may be NULL) keeps (it gets the
 * volume's inspect JSON).  *removed gets their names, *freed (may be
 * NULL) the bytes their data held.  Errors are reported (the first), the
 * other volumes are still pruned. */
int engine_vol_prune(bool all, bool (*keep)(void *data, struct json_object *vol), void *data,
                     char ***removed, uint64_t *freed, struct glass_err **err);
/* The bytes of the files under `path` (apparent sizes, as du -sb); each
 * inode once, symlinks not followed, other file systems not entered. */
uint64_t engine_dir_bytes(const char *path);
/* Copies DIR (inside rootfs, resolved in it) into an empty volume. */
int engine_vol_fill(const char *rootfs, const char *path, const char *data_dir,
                    struct glass_err **err);

/* vol-spec.c: -v, --mount and --tmpfs, as docker reads them. */
int engine_mount_parse_v(const char *v, struct engine_mount *m, struct glass_err **err);
int engine_mount_parse_mount(const char *v, struct engine_mount *m, struct glass_err **err);
int engine_mount_parse_tmpfs(const char *v, struct engine_mount *m, struct glass_err **err);
int engine_port_parse(const char *v, struct engine_port *p, struct glass_err **err);

void engine_strv_free(char **v);
void engine_mount_clear(struct engine_mount *m);

#endif

/* spec: the OCI runtime configuration (config.json) as typed C structs.
 *
 * glass_spec_load() parses and validates the whole document before
 * anything runs (plan, then execute): every bad value is rejected with its
 * JSON path ("process.rlimits[2].type: unknown rlimit \"RLIMIT_FOO\""),
 * unknown keys are ignored as the runtime spec requires.  Fields absent
 * from the document keep a distinguishable "unset" value (has_* flags,
 * NULL pointers, n* == 0) so later stages can tell "not given" from zero.
 *
 * Beyond JSON types and ranges, the parser rejects what the kernel or the
 * spec would refuse later anyway: unknown names (capabilities, rlimits,
 * namespace types, seccomp actions/architectures/operators/flags,
 * scheduler policies, I/O classes, memory policies, personality domains),
 * duplicate rlimits and namespaces, relative namespace/hook/cwd/masked/
 * read-only paths, hook timeouts <= 0, empty or overlapping id maps,
 * process ids outside a new user namespace's maps, a hostname without a
 * UTS namespace, sysctl names and `unified` keys that would leave
 * /proc/sys or the cgroup, integers beyond 64 bits and strings with NUL.
 * Unknown seccomp syscall names are accepted (the seccomp module skips
 * them, as runc does).  Errors carry errnum 0: a bad value, not a failed
 * call.
 *
 * Every string is owned by the struct and freed by glass_spec_free().
 * The parsed json-c document is kept (`json`) for hooks, annotations and
 * the `unified` / raw pass-through the typed fields do not cover.
 */
#ifndef GLASS_SPEC_H
#define GLASS_SPEC_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The runtime-spec version glass implements: state, features, defaults. */
#define GLASS_OCI_VERSION "1.3.0"

struct json_object;

struct glass_kv {
	char *key;
	char *value;
};

struct glass_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct glass_mount {
	char *destination; /* always absolute (see relative_destination) */
	/* Written without the leading '/': deprecated, but the spec says it
	 * is relative to "/", so "/" was prepended (glass_spec_warn). */
	bool relative_destination;
	char *type;   /* NULL when absent (then a bind is implied by options) */
	char *source; /* NULL when absent */
	char **options;
	size_t noptions;
	struct glass_idmap *uid_mappings; /* idmapped mounts */
	size_t nuid_mappings;
	struct glass_idmap *gid_mappings;
	size_t ngid_mappings;
};

struct glass_rlimit {
	int resource; /* RLIMIT_* */
	char *type;   /* as written: "RLIMIT_NOFILE" */
	uint64_t hard;
	uint64_t soft;
};

struct glass_caps {
	/* Each set: NULL-terminated-free list of CAP_* numbers; has_* tells
	 * whether the set was present in the config. */
	bool has_bounding, has_effective, has_inheritable, has_permitted, has_ambient;
	int *bounding, *effective, *inheritable, *permitted, *ambient;
	size_t nbounding, neffective, ninheritable, npermitted, nambient;
	/* Names this kernel's capabilities(7) does not know, skipped as runc
	 * and crun skip them ("bounding: CAP_X, ..."), for a warning; or NULL. */
	char *unknown;
};

/* The largest uid or gid a process may take: the ids of 0..2^31-1, as
 * runc allows.  (uid_t)-1 means "leave unchanged" to setresuid(2) and
 * setresgid(2), so 4294967295 would leave the process root. */
#define GLASS_ID_MAX 2147483647u

struct glass_user {
	uint32_t uid;
	uint32_t gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t nadditional_gids;
	char *username; /* non-POSIX platforms only; kept for completeness */
};

struct glass_console_size {
	uint32_t height;
	uint32_t width;
};

struct glass_scheduler {
	bool present;
	int policy; /* SCHED_* */
	char *policy_name;
	int nice;
	int priority;
	uint64_t flags; /* SCHED_FLAG_* */
	uint64_t runtime, deadline, period;
};

struct glass_io_priority {
	bool present;
	int klass; /* IOPRIO_CLASS_RT / BE / IDLE */
	char *class_name;
	int priority;
};

struct glass_cpu_affinity {
	char *initial; /* cpu list "0-3,7" or NULL */
	char *final;
};

struct glass_process {
	bool present;
	bool terminal;
	struct glass_console_size console_size;
	bool has_console_size;
	struct glass_user user;
	char **args;
	size_t nargs;
	char *command_line; /* Windows only; ignored on Linux */
	char **env;
	size_t nenv;
	char *cwd;
	struct glass_caps caps;
	bool has_caps;
	struct glass_rlimit *rlimits;
	size_t nrlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *selinux_label;
	struct glass_scheduler scheduler;
	struct glass_io_priority io_priority;
	struct glass_cpu_affinity exec_cpu_affinity;
};

enum glass_ns_type {
	GLASS_NS_MOUNT,
	GLASS_NS_UTS,
	GLASS_NS_IPC,
	GLASS_NS_PID,
	GLASS_NS_NET,
	GLASS_NS_USER,
	GLASS_NS_CGROUP,
	GLASS_NS_TIME,
	GLASS_NS_COUNT
};

struct glass_namespace {
	bool present; /* listed in linux.namespaces */
	char *path;   /* join this one instead of creating (NULL: create) */
};

struct glass_device {
	char type; /* 'c', 'b', 'u', 'p' */
	char *path;
	int64_t major, minor;
	bool has_file_mode;
	uint32_t file_mode;         /* permission bits (07777) */
	uint32_t file_mode_dropped; /* the rest of fileMode (podman writes st_mode), dropped */
	bool has_uid, has_gid;
	uint32_t uid, gid;
};

struct glass_device_rule { /* linux.resources.devices[] */
	bool allow;
	char type;            /* 'a', 'c', 'b' (0 when absent = 'a') */
	int64_t major, minor; /* -1 = wildcard */
	char *access;         /* "rwm" subset or NULL */
};

struct glass_weight_device {
	int64_t major, minor;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
};

struct glass_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

struct glass_hugepage_limit {
	char *page_size; /* "2MB" */
	uint64_t limit;
};

struct glass_net_priority {
	char *name;
	uint32_t priority;
};

/* linux.resources.rdma.DEVICE: at least one of the two is set. */
struct glass_rdma_limit {
	char *device; /* "mlx5_1" */
	bool has_hca_handles, has_hca_objects;
	uint32_t hca_handles, hca_objects;
};

/* linux.resources: every number carries a has_ flag ("unset" != 0). */
struct glass_resources {
	bool present;
	struct glass_device_rule *devices;
	size_t ndevices;

	struct {
		bool present;
		bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp,
		    has_swappiness, has_disable_oom_killer, has_use_hierarchy,
		    has_check_before_update;
		int64_t limit, reservation, swap, kernel, kernel_tcp;
		uint64_t swappiness;
		bool disable_oom_killer, use_hierarchy, check_before_update;
	} memory;

	struct {
		bool present;
		bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
		    has_realtime_period, has_idle;
		uint64_t shares, burst, period, realtime_period;
		int64_t quota, realtime_runtime, idle;
		char *cpus, *mems;
	} cpu;

	struct {
		bool present;
		bool has_limit;
		int64_t limit;
	} pids;

	struct {
		bool present;
		bool has_weight, has_leaf_weight;
		uint16_t weight, leaf_weight;
		struct glass_weight_device *weight_device;
		size_t nweight_device;
		struct glass_throttle_device *throttle_read_bps, *throttle_write_bps,
		    *throttle_read_iops, *throttle_write_iops;
		size_t nthrottle_read_bps, nthrottle_write_bps, nthrottle_read_iops,
		    nthrottle_write_iops;
	} block_io;

	struct glass_hugepage_limit *hugepage_limits;
	size_t nhugepage_limits;

	struct {
		bool present;
		bool has_class_id;
		uint32_t class_id;
		struct glass_net_priority *priorities;
		size_t npriorities;
	} network;

	struct glass_rdma_limit *rdma; /* linux.resources.rdma, one per device */
	size_t nrdma;

	struct glass_kv *unified; /* raw cgroup v2 "file": "value" */
	size_t nunified;
};

struct glass_seccomp_arg {
	unsigned index;
	uint64_t value;
	uint64_t value_two;
	char *op; /* SCMP_CMP_* */
};

struct glass_seccomp_rule {
	char **names;
	size_t nnames;
	char *action; /* SCMP_ACT_* */
	bool has_errno_ret;
	uint32_t errno_ret;
	struct glass_seccomp_arg *args;
	size_t nargs;
};

struct glass_seccomp {
	bool present;
	char *default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	char **architectures;
	size_t narchitectures;
	char **flags;
	size_t nflags;
	char *listener_path;
	char *listener_metadata;
	struct glass_seccomp_rule *syscalls;
	size_t nsyscalls;
};

struct glass_net_device {
	char *host_name; /* the key: the interface on the host */
	char *name;      /* the name inside the container (default: host_name) */
};

struct glass_time_offset {
	bool present;
	int64_t secs;
	uint32_t nanosecs;
};

struct glass_intel_rdt {
	bool present;
	char *clos_id;
	char *l3_cache_schema;
	char *mem_bw_schema;
	char **schemata;
	size_t nschemata;
	bool enable_cmt, enable_mbm; /* pre-1.3 drafts: enableCMT, enableMBM */
	bool enable_monitoring;      /* enableMonitoring (1.3) */
};

struct glass_memory_policy {
	bool present;
	int mode; /* MPOL_* */
	char *mode_name;
	char *nodes;    /* node list "0-1" */
	unsigned flags; /* MPOL_F_* */
};

struct glass_personality {
	bool present;
	char *domain; /* "LINUX" | "LINUX32" */
	char **flags;
	size_t nflags;
};

struct glass_linux {
	struct glass_namespace ns[GLASS_NS_COUNT];
	struct glass_idmap *uid_mappings;
	size_t nuid_mappings;
	struct glass_idmap *gid_mappings;
	size_t ngid_mappings;
	/* A new user namespace came without either map: its root was mapped
	 * to the caller's uid and gid (crun's rule), for a note. */
	bool maps_defaulted;
	struct glass_time_offset time_monotonic, time_boottime;
	struct glass_device *devices;
	size_t ndevices;
	struct glass_net_device *net_devices;
	size_t nnet_devices;
	char *cgroups_path; /* NULL when absent */
	struct glass_resources resources;
	char *rootfs_propagation; /* "shared" | "slave" | "private" | "unbindable" | NULL */
	struct glass_seccomp seccomp;
	struct glass_kv *sysctl;
	size_t nsysctl;
	char **masked_paths;
	size_t nmasked_paths;
	char **readonly_paths;
	size_t nreadonly_paths;
	char *mount_label;
	struct glass_intel_rdt intel_rdt;
	struct glass_memory_policy memory_policy;
	struct glass_personality personality;
};

struct glass_hook {
	char *path;
	char **args;
	size_t nargs;
	char **env;
	size_t nenv;
	bool has_env; /* "env" present (even empty): exactly it; absent: the runtime's */
	bool has_timeout;
	int timeout; /* seconds, > 0 */
};

enum glass_hook_kind {
	GLASS_HOOK_PRESTART,
	GLASS_HOOK_CREATE_RUNTIME,
	GLASS_HOOK_CREATE_CONTAINER,
	GLASS_HOOK_START_CONTAINER,
	GLASS_HOOK_POSTSTART,
	GLASS_HOOK_POSTSTOP,
	GLASS_HOOK_COUNT
};

struct glass_spec {
	char *oci_version;
	char *root_path; /* root.path as written (relative to the bundle or absolute) */
	bool root_readonly;
	struct glass_mount *mounts;
	size_t nmounts;
	struct glass_process process;
	char *hostname;
	char *domainname;
	struct glass_hook *hooks[GLASS_HOOK_COUNT];
	size_t nhooks[GLASS_HOOK_COUNT];
	struct glass_kv *annotations;
	size_t nannotations;
	struct glass_linux linux_;
	bool has_linux;
	struct json_object *json; /* the parsed document (owned) */
};

/* Parses a LinuxResources JSON document (runc update -r FILE) into *out
 * (zeroed first), naming the bad field on error.  Free with
 * glass_spec_resources_clear(). */
int glass_spec_parse_resources(const char *json_text, struct glass_resources *out,
                               struct glass_err **err);
void glass_spec_resources_clear(struct glass_resources *r);

/* Frees the spec when it leaves scope: `cleanup_spec struct glass_spec *s`. */
void glass_spec_freep(struct glass_spec **spec);
#define cleanup_spec __attribute__((cleanup(glass_spec_freep)))

/* Drops a json-c reference when it leaves scope:
 * `cleanup_json struct json_object *o` (json_object_put on non-NULL). */
void glass_json_putp(struct json_object **o);
#define cleanup_json __attribute__((cleanup(glass_json_putp)))

/* Parses one whole JSON document, strictly (config.json, a request's
 * body): malformed input, text after the value, or an integer beyond 64
 * bits is an error naming `what`, the line and the column. */
struct json_object *glass_json_parse(const char *text, size_t len, const char *what,
                                     struct glass_err **err);

/* Parses and validates a config.json document held in memory.  Returns a
 * new spec, or NULL with *err naming the JSON path of the first bad value
 * (err->field set to that path). */
struct glass_spec *glass_spec_parse(const char *json_text, size_t len, struct glass_err **err);
/* The same checks of a document already parsed or built (the spec takes
 * a reference of its own): for a writer of config.json that holds the
 * json-c object it prints, whose text json-c's strict parser reads back
 * as the same values. */
struct glass_spec *glass_spec_parse_doc(struct json_object *doc, struct glass_err **err);

/* Reads `path` (a file; usually BUNDLE/config.json) and parses it.  A
 * missing file is an error that names the path and hints at `spec`. */
struct glass_spec *glass_spec_load(const char *path, struct glass_err **err);

/* Tells the user (glass_trace_log) what the parser accepted with a change,
 * as runc does: a relative mount destination (a warning), the file type
 * bits of a device's fileMode (a debug line).  create calls it once; the
 * other verbs load the same config without repeating it. */
void glass_spec_warn(const struct glass_spec *spec);

/* Parses exec's `--user UID[:GID]` and `--additional-gids GID`: decimal
 * ids of 0..GLASS_ID_MAX.  *has_gid tells whether a gid was given.  0, or
 * -1 with *err naming `flag`. */
int glass_spec_parse_user_arg(const char *s, const char *flag, uint32_t *uid, uint32_t *gid,
                              bool *has_gid, struct glass_err **err);
int glass_spec_parse_id_arg(const char *s, const char *flag, uint32_t *id, struct glass_err **err);

/* Parses a process.json (runc exec --process): a "process" object alone. */
int glass_spec_parse_process(const char *json_text, size_t len, struct glass_process *out,
                             struct glass_err **err);

void glass_spec_free(struct glass_spec *spec);
void glass_process_clear(struct glass_process *p);

/* Namespace type names as the spec writes them ("mount", "network", ...),
 * the CLONE_NEW* flag of each, and the /proc/PID/ns/ file name. */
const char *glass_ns_name(enum glass_ns_type t);
unsigned long glass_ns_clone_flag(enum glass_ns_type t);
const char *glass_ns_proc_name(enum glass_ns_type t);

/* Name <-> number tables shared by spec, audit and the lab.
 * Return -1 / NULL when unknown. */
int glass_cap_from_name(const char *name);
const char *glass_cap_name(int cap);
int glass_rlimit_from_name(const char *name);
const char *glass_rlimit_name(int resource);

/* A default config.json like `runc spec` writes (rootless: the variant of
 * `runc spec --rootless`, with a user namespace mapping the caller's ids).
 * Returns a malloc'd pretty-printed JSON document. */
char *glass_spec_default_json(bool rootless);
/* The same document as a json-c object (the caller's reference). */
struct json_object *glass_spec_default_doc(bool rootless);

/* The annotation that asks to run without the LSM labels the config names
 * when the host has no such LSM (lsm.h). */
#define GLASS_LSM_IGNORE_ANNOTATION "org.glass.lsm.ignore"

/* What the host offers that the features document reports, as the caller
 * probed it (lsm.h: labels are refused where the LSM is off). */
struct glass_features_host {
	bool apparmor, selinux;
};

/* The features document of the runtime spec (features.md) for this build
 * and `host`, pretty-printed JSON, malloc'd. */
char *glass_spec_features_json(const struct glass_features_host *host);

#endif

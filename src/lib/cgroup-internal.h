/* cgroup-internal: what cgroup.c shares with its backends.
 *
 * The host layout (which hierarchies are mounted where, which controller
 * is bound to which, where the caller sits in each) is parsed from
 * /proc/self/mountinfo and /proc/self/cgroup into a `struct cg_layout`.
 * A container's cgroup is one directory per hierarchy.  Each resource is
 * applied by the backend of the hierarchy its controller is bound to:
 * on a hybrid host memory goes to the v1 backend and hugetlb (bound to
 * the cgroup2 mount) to the v2 backend.
 */
#ifndef GLASS_CGROUP_INTERNAL_H
#define GLASS_CGROUP_INTERNAL_H

#include "cgroup.h"

#include <stdbool.h>
#include <stdint.h>

enum cg_ctrl {
	CG_CPU,
	CG_CPUACCT,
	CG_CPUSET,
	CG_MEMORY,
	CG_DEVICES,
	CG_FREEZER,
	CG_BLKIO, /* "io" on v2 */
	CG_PIDS,
	CG_HUGETLB,
	CG_NET_CLS,
	CG_NET_PRIO,
	CG_PERF_EVENT,
	CG_RDMA,
	CG_MISC,
	CG_NCTRL
};

/* v1 name of each controller ("blkio") and v2 name ("io", NULL when the
 * controller does not exist on v2: devices and freezer are core features
 * there, cpuacct is part of cpu, net_cls/net_prio are gone). */
const char *glass_cg_ctrl_name(enum cg_ctrl c);
const char *glass_cg_ctrl_v2_name(enum cg_ctrl c);
/* The controller with v2 name name[0..len), or -1. */
int glass_cg_ctrl_from_v2(const char *name, size_t len);

#define CG_MAX_HIER GLASS_CGROUP_MAX_JOIN

struct cg_hier {
	bool v2;
	char *mountpoint; /* "/sys/fs/cgroup/memory" */
	char *mount_root; /* the cgroup mounted there, usually "/" */
	char *name;       /* "cpu,cpuacct", "name=systemd", "cgroup2" */
	uint32_t ctrls;   /* 1 << enum cg_ctrl bound here (v2: cgroup.controllers of its root) */
	char *own;        /* the caller's cgroup in this hierarchy ("/process_api/..") */
};

enum cg_mode { CG_MODE_NONE, CG_MODE_V1, CG_MODE_V2, CG_MODE_HYBRID };

struct cg_layout {
	enum cg_mode mode;
	struct cg_hier h[CG_MAX_HIER];
	size_t n;
	int v2;                /* index of the cgroup2 hierarchy, or -1 */
	int by_ctrl[CG_NCTRL]; /* index of the hierarchy each controller is bound to, or -1 */
};

/* Parses the text of /proc/self/mountinfo and /proc/self/cgroup into a
 * layout.  `v2_controllers` is the content of the cgroup2 mount's
 * cgroup.controllers (NULL: none).  Returns 0, or -1 with *err set. */
int glass_cg_layout_parse(const char *mountinfo, const char *self_cgroup,
                          const char *v2_controllers, struct cg_layout *out,
                          struct glass_err **err);
void glass_cg_layout_clear(struct cg_layout *l);
const char *glass_cg_mode_name(enum cg_mode m);

/* The layout of this host, probed once (cached). NULL with *err set. */
const struct cg_layout *glass_cg_layout(struct glass_err **err);

struct glass_cgroup {
	const struct cg_layout *lay;
	char *path;              /* what glass_cgroup_path() returns */
	char *rel[CG_MAX_HIER];  /* cgroup path within each hierarchy, NULL: not used */
	char *dir[CG_MAX_HIER];  /* its directory, NULL: not used */
	char *made[CG_MAX_HIER]; /* the topmost directory create() made (removed on failure) */
	bool update;             /* applying an update, not the first setup */
	/* made[] says what this container owns (create, or a state that
	 * recorded it): destroy removes only those. */
	bool owned;
	/* The busy lock (see glass_cgroup_make), held from the check that the
	 * cgroup has no process to the entry of the container's: its fd + 1,
	 * 0 when not held (the struct is zeroed when made). */
	int busy_lock;
};

/* One backend per cgroup version.  Each resource function applies the
 * part of linux.resources it is named for in directory `dir` (the
 * hierarchy of that controller); a NULL entry means the version has no
 * such controller.  Fields the kernel cannot enforce are errors naming
 * the field. */
struct cg_backend {
	const char *name;
	int (*memory)(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
	              struct glass_err **err);
	int (*cpu)(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
	           struct glass_err **err);
	int (*cpuset)(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
	              struct glass_err **err);
	int (*pids)(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
	            struct glass_err **err);
	int (*blkio)(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
	             struct glass_err **err);
	int (*hugetlb)(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
	               struct glass_err **err);
	int (*network)(struct glass_cgroup *cg, const struct glass_resources *r,
	               struct glass_err **err);
	int (*rdma)(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
	            struct glass_err **err);
	int (*devices)(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
	               const struct glass_spec *spec, struct glass_err **err);
	/* Freezes/thaws and waits until the kernel reports it done. */
	int (*freeze)(const char *dir, bool frozen, struct glass_err **err);
	int (*is_frozen)(const char *dir); /* 1, 0, or -1 when unknown */
};

extern const struct cg_backend glass_cg_v1;
extern const struct cg_backend glass_cg_v2;

/* Reads a cgroup file of `dir` (malloc'd, trailing newline kept). NULL/errno. */
char *glass_cg_read(const char *dir, const char *file);
/* Reads a single unsigned number; "max" reads as UINT64_MAX. -1 on error. */
int glass_cg_read_u64(const char *dir, const char *file, uint64_t *out);
/* Writes `value` to dir/file through the traced glass_sys_write_file. */
int glass_cg_write(const char *dir, const char *file, const char *value, const char *field,
                   struct glass_err **err);
/* Like glass_cg_write() with a printf-style value. */
int glass_cg_writef(const char *dir, const char *file, const char *field, struct glass_err **err,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* linux.resources.hugepageLimits: hugetlb.SIZE.SUFFIX and, where it
 * exists, hugetlb.SIZE.rsvd.SUFFIX ("limit_in_bytes" on v1, "max" on v2). */
int glass_cg_write_hugetlb(const char *dir, const struct glass_resources *r, const char *suffix,
                           struct glass_err **err);
/* linux.resources.cpu.cpus/mems: the same cpuset files on v1 and v2. */
int glass_cg_apply_cpuset(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                          struct glass_err **err);
/* linux.resources.pids.limit: the same pids.max on v1 and v2 (a negative
 * limit is "max"). */
int glass_cg_apply_pids(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                        struct glass_err **err);
/* linux.resources.rdma: one rdma.max line per device, v1 and v2 alike. */
int glass_cg_apply_rdma(struct glass_cgroup *cg, const char *dir, const struct glass_resources *r,
                        struct glass_err **err);
/* True when dir/file exists. */
bool glass_cg_has(const char *dir, const char *file);
/* Looks up "key value" in a flat-keyed file text (cpu.stat, memory.events). */
bool glass_cg_keyed(const char *text, const char *key, uint64_t *out);

/* True when some block device uses the BFQ scheduler, the only one that
 * enforces blkio.bfq.weight / io.bfq.weight. */
bool glass_cg_bfq_in_use(void);

/* Conversions the runtime spec defines between v1 and v2 values. */
uint64_t glass_cg_shares_to_weight(uint64_t shares);
uint64_t glass_cg_weight_to_shares(uint64_t weight);
uint64_t glass_cg_blkio_to_io_weight(uint64_t blkio_weight);

/* The rdma.max line "DEV hca_handle=N hca_object=M" of one
 * linux.resources.rdma entry (spec checked that one of them is set). */
char *glass_cg_rdma_line(const struct glass_rdma_limit *l);

/* The v2 device filter (cgroup-v2.c): compiles the rules (with the
 * default devices runc also allows appended) into a
 * BPF_PROG_TYPE_CGROUP_DEVICE program and attaches it to `dir`. */
int glass_cg_v2_devices_attach(const char *dir, const struct glass_resources *r,
                               const struct glass_spec *spec, struct glass_err **err);

/* The rules every container gets after its own (runc's AllowedDevices):
 * mknod of any char or block device, and /dev/null, zero, full, tty,
 * random, urandom, ptmx, pts/N, tun.  Iterate until type == 0. */
extern const struct glass_device_rule glass_cg_default_rules[];

#endif

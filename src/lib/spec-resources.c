/* spec-resources: linux.resources, the cgroup limits of config.json.
 *
 * Each value ends up as text written into a cgroup control file (v1:
 * memory.limit_in_bytes, cpu.cfs_quota_us, blkio.throttle.*, ...; v2:
 * memory.max, cpu.max, io.max, ...), so the parser checks types and
 * ranges here, before any cgroup exists, and the cgroup backends only
 * translate.  `unified` keys name files directly: they are checked to be
 * plain file names so a config cannot write outside its cgroup. */
#include "spec-internal.h"
#include "util.h"

#include <ctype.h>
#include <string.h>

static int parse_device_rules(struct json_object *o, const struct jp *p, struct glass_resources *r,
                              struct glass_err **err)
{
	struct json_object *a;
	struct jp ap = JP_KEY(p, "devices");
	size_t i, n;
	int rc = spec_get_arr(o, "devices", p, &a, err);

	if (rc <= 0)
		return rc;
	n = json_object_array_length(a);
	r->devices = xcalloc(n + 1, sizeof(*r->devices));
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct glass_device_rule *d = &r->devices[i];
		struct jp ep = JP_IDX(&ap, i);
		struct jp tp = JP_KEY(&ep, "type");
		struct jp acp = JP_KEY(&ep, "access");
		cleanup_free char *type = NULL;

		r->ndevices = i + 1;
		d->major = d->minor = -1;
		if (spec_expect(e, json_type_object, &ep, err) < 0 ||
		    spec_require(e, "allow", &ep, err) < 0 ||
		    spec_get_bool(e, "allow", &ep, &d->allow, err) < 0 ||
		    spec_get_str(e, "type", &ep, &type, err) < 0 ||
		    spec_get_i64(e, "major", &ep, -1, INT64_MAX, &d->major, err) < 0 ||
		    spec_get_i64(e, "minor", &ep, -1, INT64_MAX, &d->minor, err) < 0 ||
		    spec_get_str(e, "access", &ep, &d->access, err) < 0)
			return -1;
		if (type && (strlen(type) > 1 || (type[0] && !strchr("acb", type[0]))))
			return spec_fail(err, &tp, "unknown device type \"%s\" (a, c or b)", type);
		d->type = type && type[0] ? type[0] : 'a';
		if (d->access && d->access[strspn(d->access, "rwm")] != '\0')
			return spec_fail(err, &acp, "\"%s\" is not a subset of \"rwm\"", d->access);
	}
	return 0;
}

static int parse_memory(struct json_object *o, const struct jp *p, struct glass_resources *r,
                        struct glass_err **err)
{
	struct json_object *m;
	struct jp mp = JP_KEY(p, "memory");
	struct jp swp = JP_KEY(&mp, "swappiness");
	struct jp sp = JP_KEY(&mp, "swap");
	int rc = spec_get_obj(o, "memory", p, &m, err);

#define I64(key, field)                                                                            \
	do {                                                                                       \
		int r_ = spec_get_i64(m, key, &mp, -1, INT64_MAX, &r->memory.field, err);          \
		if (r_ < 0)                                                                        \
			return -1;                                                                 \
		r->memory.has_##field = r_ > 0;                                                    \
	} while (0)
#define BOOL(key, field)                                                                           \
	do {                                                                                       \
		int r_ = spec_get_bool(m, key, &mp, &r->memory.field, err);                        \
		if (r_ < 0)                                                                        \
			return -1;                                                                 \
		r->memory.has_##field = r_ > 0;                                                    \
	} while (0)
	if (rc <= 0)
		return rc;
	r->memory.present = true;
	/* Byte limits: -1 is "unlimited" (max), anything lower is meaningless. */
	I64("limit", limit);
	I64("reservation", reservation);
	I64("swap", swap);
	I64("kernel", kernel);
	I64("kernelTCP", kernel_tcp);
	BOOL("disableOOMKiller", disable_oom_killer);
	BOOL("useHierarchy", use_hierarchy);
	BOOL("checkBeforeUpdate", check_before_update);
#undef I64
#undef BOOL
	rc = spec_get_u64(m, "swappiness", &mp, UINT64_MAX, &r->memory.swappiness, err);
	if (rc < 0)
		return -1;
	r->memory.has_swappiness = rc > 0;
	/* The kernel takes vm.swappiness-like values 0..100 (memory.swappiness). */
	if (r->memory.has_swappiness && r->memory.swappiness > 100)
		return spec_fail(err, &swp, "%llu out of range (0..100)",
		                 (unsigned long long)r->memory.swappiness);
	/* swap is memory+swap (cgroup v1 memsw): it cannot be below the limit. */
	if (r->memory.has_swap && r->memory.has_limit && r->memory.swap > 0 &&
	    r->memory.limit > 0 && r->memory.swap < r->memory.limit)
		return spec_fail(err, &sp, "memory+swap limit %lld is below the memory limit %lld",
		                 (long long)r->memory.swap, (long long)r->memory.limit);
	return 0;
}

static int check_list(const char *s, const struct jp *p, struct glass_err **err)
{
	if (s[strspn(s, "0123456789,-")] != '\0')
		return spec_fail(err, p, "\"%s\" is not a list like \"0-3,7\"", s);
	return 0;
}

static int parse_cpu(struct json_object *o, const struct jp *p, struct glass_resources *r,
                     struct glass_err **err)
{
	struct json_object *c;
	struct jp cp = JP_KEY(p, "cpu");
	struct jp bp = JP_KEY(&cp, "burst");
	struct jp ip = JP_KEY(&cp, "idle");
	struct jp csp = JP_KEY(&cp, "cpus");
	struct jp mp = JP_KEY(&cp, "mems");
	int rc = spec_get_obj(o, "cpu", p, &c, err);

#define U64(key, field)                                                                            \
	do {                                                                                       \
		int r_ = spec_get_u64(c, key, &cp, UINT64_MAX, &r->cpu.field, err);                \
		if (r_ < 0)                                                                        \
			return -1;                                                                 \
		r->cpu.has_##field = r_ > 0;                                                       \
	} while (0)
#define I64(key, field)                                                                            \
	do {                                                                                       \
		int r_ = spec_get_i64(c, key, &cp, INT64_MIN, INT64_MAX, &r->cpu.field, err);      \
		if (r_ < 0)                                                                        \
			return -1;                                                                 \
		r->cpu.has_##field = r_ > 0;                                                       \
	} while (0)
	if (rc <= 0)
		return rc;
	r->cpu.present = true;
	U64("shares", shares);
	I64("quota", quota);
	U64("burst", burst);
	U64("period", period);
	I64("realtimeRuntime", realtime_runtime);
	U64("realtimePeriod", realtime_period);
	I64("idle", idle);
#undef U64
#undef I64
	if (spec_get_str(c, "cpus", &cp, &r->cpu.cpus, err) < 0 ||
	    spec_get_str(c, "mems", &cp, &r->cpu.mems, err) < 0)
		return -1;
	if (r->cpu.cpus && check_list(r->cpu.cpus, &csp, err) < 0)
		return -1;
	if (r->cpu.mems && check_list(r->cpu.mems, &mp, err) < 0)
		return -1;
	if (r->cpu.has_idle && r->cpu.idle != 0 && r->cpu.idle != 1)
		return spec_fail(err, &ip, "%lld out of range (0 or 1)", (long long)r->cpu.idle);
	if (r->cpu.has_burst && r->cpu.has_quota && r->cpu.quota > 0 &&
	    r->cpu.burst > (uint64_t)r->cpu.quota)
		return spec_fail(err, &bp, "burst %llu is larger than quota %lld",
		                 (unsigned long long)r->cpu.burst, (long long)r->cpu.quota);
	return 0;
}

static int parse_throttle(struct json_object *o, const char *key, const struct jp *p,
                          struct glass_throttle_device **out, size_t *nout, struct glass_err **err)
{
	struct json_object *a;
	struct jp ap = JP_KEY(p, key);
	size_t i, n;
	int rc = spec_get_arr(o, key, p, &a, err);

	if (rc <= 0)
		return rc;
	n = json_object_array_length(a);
	*out = xcalloc(n + 1, sizeof(**out));
	*nout = n;
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct glass_throttle_device *t = &(*out)[i];
		struct jp ep = JP_IDX(&ap, i);

		if (spec_expect(e, json_type_object, &ep, err) < 0 ||
		    spec_require(e, "major", &ep, err) < 0 ||
		    spec_require(e, "minor", &ep, err) < 0 ||
		    spec_require(e, "rate", &ep, err) < 0 ||
		    spec_get_i64(e, "major", &ep, 0, INT64_MAX, &t->major, err) < 0 ||
		    spec_get_i64(e, "minor", &ep, 0, INT64_MAX, &t->minor, err) < 0 ||
		    spec_get_u64(e, "rate", &ep, UINT64_MAX, &t->rate, err) < 0)
			return -1;
	}
	return 0;
}

static int get_u16(struct json_object *o, const char *key, const struct jp *p, bool *has,
                   uint16_t *out, struct glass_err **err)
{
	uint64_t v;
	int rc = spec_get_u64(o, key, p, UINT16_MAX, &v, err);

	if (rc > 0) {
		*has = true;
		*out = (uint16_t)v;
	}
	return rc;
}

static int parse_block_io(struct json_object *o, const struct jp *p, struct glass_resources *r,
                          struct glass_err **err)
{
	struct json_object *b, *a;
	struct jp bp = JP_KEY(p, "blockIO");
	struct jp wp = JP_KEY(&bp, "weightDevice");
	size_t i, n;
	int rc = spec_get_obj(o, "blockIO", p, &b, err);

	if (rc <= 0)
		return rc;
	r->block_io.present = true;
	if (get_u16(b, "weight", &bp, &r->block_io.has_weight, &r->block_io.weight, err) < 0 ||
	    get_u16(b, "leafWeight", &bp, &r->block_io.has_leaf_weight, &r->block_io.leaf_weight,
	            err) < 0 ||
	    parse_throttle(b, "throttleReadBpsDevice", &bp, &r->block_io.throttle_read_bps,
	                   &r->block_io.nthrottle_read_bps, err) < 0 ||
	    parse_throttle(b, "throttleWriteBpsDevice", &bp, &r->block_io.throttle_write_bps,
	                   &r->block_io.nthrottle_write_bps, err) < 0 ||
	    parse_throttle(b, "throttleReadIOPSDevice", &bp, &r->block_io.throttle_read_iops,
	                   &r->block_io.nthrottle_read_iops, err) < 0 ||
	    parse_throttle(b, "throttleWriteIOPSDevice", &bp, &r->block_io.throttle_write_iops,
	                   &r->block_io.nthrottle_write_iops, err) < 0)
		return -1;
	rc = spec_get_arr(b, "weightDevice", &bp, &a, err);
	if (rc <= 0)
		return rc;
	n = json_object_array_length(a);
	r->block_io.weight_device = xcalloc(n + 1, sizeof(*r->block_io.weight_device));
	r->block_io.nweight_device = n;
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct glass_weight_device *w = &r->block_io.weight_device[i];
		struct jp ep = JP_IDX(&wp, i);

		if (spec_expect(e, json_type_object, &ep, err) < 0 ||
		    spec_require(e, "major", &ep, err) < 0 ||
		    spec_require(e, "minor", &ep, err) < 0 ||
		    spec_get_i64(e, "major", &ep, 0, INT64_MAX, &w->major, err) < 0 ||
		    spec_get_i64(e, "minor", &ep, 0, INT64_MAX, &w->minor, err) < 0 ||
		    get_u16(e, "weight", &ep, &w->has_weight, &w->weight, err) < 0 ||
		    get_u16(e, "leafWeight", &ep, &w->has_leaf_weight, &w->leaf_weight, err) < 0)
			return -1;
		if (!w->has_weight && !w->has_leaf_weight)
			return spec_fail(err, &ep, "needs weight or leafWeight");
	}
	return 0;
}

/* The hugetlb controller's file names: hugetlb.<N><K|M|G>B.limit_in_bytes. */
static int check_page_size(const char *s, const struct jp *p, struct glass_err **err)
{
	size_t i = 0;

	if (s[0] < '1' || s[0] > '9')
		goto bad;
	while (isdigit((unsigned char)s[i]))
		i++;
	if (!strchr("KMG", s[i]) || s[i] == '\0' || s[i + 1] != 'B' || s[i + 2] != '\0')
		goto bad;
	return 0;
bad:
	return spec_fail(err, p, "\"%s\" is not a page size like \"2MB\" (<size><K|M|G>B)", s);
}

static int parse_hugepages(struct json_object *o, const struct jp *p, struct glass_resources *r,
                           struct glass_err **err)
{
	struct json_object *a;
	struct jp ap = JP_KEY(p, "hugepageLimits");
	size_t i, n;
	int rc = spec_get_arr(o, "hugepageLimits", p, &a, err);

	if (rc <= 0)
		return rc;
	n = json_object_array_length(a);
	r->hugepage_limits = xcalloc(n + 1, sizeof(*r->hugepage_limits));
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct glass_hugepage_limit *h = &r->hugepage_limits[i];
		struct jp ep = JP_IDX(&ap, i);
		struct jp pp = JP_KEY(&ep, "pageSize");

		r->nhugepage_limits = i + 1;
		if (spec_expect(e, json_type_object, &ep, err) < 0 ||
		    spec_require(e, "pageSize", &ep, err) < 0 ||
		    spec_require(e, "limit", &ep, err) < 0 ||
		    spec_get_str(e, "pageSize", &ep, &h->page_size, err) < 0 ||
		    check_page_size(h->page_size, &pp, err) < 0 ||
		    spec_get_u64(e, "limit", &ep, UINT64_MAX, &h->limit, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_network(struct json_object *o, const struct jp *p, struct glass_resources *r,
                         struct glass_err **err)
{
	struct json_object *nw, *a;
	struct jp np = JP_KEY(p, "network");
	struct jp pp = JP_KEY(&np, "priorities");
	size_t i, n;
	int rc = spec_get_obj(o, "network", p, &nw, err);

	if (rc <= 0)
		return rc;
	r->network.present = true;
	rc = spec_get_u32(nw, "classID", &np, &r->network.class_id, err);
	if (rc < 0)
		return -1;
	r->network.has_class_id = rc > 0;
	rc = spec_get_arr(nw, "priorities", &np, &a, err);
	if (rc <= 0)
		return rc;
	n = json_object_array_length(a);
	r->network.priorities = xcalloc(n + 1, sizeof(*r->network.priorities));
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		struct glass_net_priority *pr = &r->network.priorities[i];
		struct jp ep = JP_IDX(&pp, i);

		r->network.npriorities = i + 1;
		if (spec_expect(e, json_type_object, &ep, err) < 0 ||
		    spec_require(e, "name", &ep, err) < 0 ||
		    spec_require(e, "priority", &ep, err) < 0 ||
		    spec_get_str(e, "name", &ep, &pr->name, err) < 0 ||
		    spec_get_u32(e, "priority", &ep, &pr->priority, err) < 0)
			return -1;
	}
	return 0;
}

/* rdma: device -> {hcaHandles, hcaObjects}, at least one of them. */
static int parse_rdma(struct json_object *o, const struct jp *p, struct glass_resources *r,
                      struct glass_err **err)
{
	struct json_object *m;
	struct jp mp = JP_KEY(p, "rdma");
	int rc = spec_get_obj(o, "rdma", p, &m, err);

	if (rc <= 0)
		return rc;
	r->rdma = xcalloc((size_t)json_object_object_length(m) + 1, sizeof(*r->rdma));
	json_object_object_foreach(m, k, v)
	{
		struct jp ep = JP_KEY(&mp, k);
		struct glass_rdma_limit *l = &r->rdma[r->nrdma];
		int rh, ro;

		if (spec_expect(v, json_type_object, &ep, err) < 0)
			return -1;
		rh = spec_get_u32(v, "hcaHandles", &ep, &l->hca_handles, err);
		if (rh < 0)
			return -1;
		ro = spec_get_u32(v, "hcaObjects", &ep, &l->hca_objects, err);
		if (ro < 0)
			return -1;
		if (rh == 0 && ro == 0)
			return spec_fail(err, &ep, "needs hcaHandles or hcaObjects");
		l->device = xstrdup(k);
		l->has_hca_handles = rh > 0;
		l->has_hca_objects = ro > 0;
		r->nrdma++;
	}
	return 0;
}

static int check_unified(struct glass_resources *r, const struct jp *p, struct glass_err **err)
{
	struct jp up = JP_KEY(p, "unified");
	size_t i;

	for (i = 0; i < r->nunified; i++) {
		const char *k = r->unified[i].key;
		struct jp ep = JP_KEY(&up, k);
		if (strchr(k, '/') || strcmp(k, ".") == 0 || strcmp(k, "..") == 0 ||
		    !strchr(k, '.'))
			return spec_fail(err, &ep,
			                 "\"%s\" is not a cgroup file name like "
			                 "\"memory.max\"",
			                 k);
	}
	return 0;
}

int spec_parse_resources(struct json_object *o, const struct jp *p, struct glass_resources *r,
                         struct glass_err **err)
{
	struct json_object *pids;
	struct jp pp = JP_KEY(p, "pids");
	int rc;

	r->present = true;
	if (parse_device_rules(o, p, r, err) < 0 || parse_memory(o, p, r, err) < 0 ||
	    parse_cpu(o, p, r, err) < 0)
		return -1;
	rc = spec_get_obj(o, "pids", p, &pids, err);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		r->pids.present = true;
		if (spec_require(pids, "limit", &pp, err) < 0)
			return -1;
		rc = spec_get_i64(pids, "limit", &pp, INT64_MIN, INT64_MAX, &r->pids.limit, err);
		if (rc < 0)
			return -1;
		r->pids.has_limit = rc > 0;
	}
	if (parse_block_io(o, p, r, err) < 0 || parse_hugepages(o, p, r, err) < 0 ||
	    parse_network(o, p, r, err) < 0 || parse_rdma(o, p, r, err) < 0 ||
	    spec_get_map(o, "unified", p, &r->unified, &r->nunified, err) < 0 ||
	    check_unified(r, p, err) < 0)
		return -1;
	return 0;
}

void spec_resources_clear(struct glass_resources *r)
{
	size_t i;

	for (i = 0; i < r->ndevices; i++)
		free(r->devices[i].access);
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->block_io.weight_device);
	free(r->block_io.throttle_read_bps);
	free(r->block_io.throttle_write_bps);
	free(r->block_io.throttle_read_iops);
	free(r->block_io.throttle_write_iops);
	for (i = 0; i < r->nhugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	for (i = 0; i < r->network.npriorities; i++)
		free(r->network.priorities[i].name);
	free(r->network.priorities);
	for (i = 0; i < r->nrdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	spec_kv_free(r->unified, r->nunified);
	memset(r, 0, sizeof(*r));
}

int glass_spec_parse_resources(const char *json_text, struct glass_resources *out,
                               struct glass_err **err)
{
	enum json_tokener_error jerr = json_tokener_success;
	struct jp root = JP_KEY(NULL, "resources");
	memset(out, 0, sizeof(*out));
	cleanup_json struct json_object *o = json_tokener_parse_verbose(json_text, &jerr);
	if (o == NULL || !json_object_is_type(o, json_type_object))
		return glass_err_field(err, EINVAL, "resources",
		                       "resources: not a JSON object (%s)",
		                       json_tokener_error_desc(jerr));
	if (spec_parse_resources(o, &root, out, err) < 0) {
		spec_resources_clear(out);
		return -1;
	}
	return 0;
}

void glass_spec_resources_clear(struct glass_resources *r)
{
	spec_resources_clear(r);
}

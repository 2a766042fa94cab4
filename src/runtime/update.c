/* glass-runtime update: changes a running container's resource limits,
 * from runc's flags or a LinuxResources JSON document (-r FILE, "-" for
 * stdin, as containerd's shim sends it).  The new values are written to
 * the live cgroup: the kernel enforces them from the next allocation,
 * fork or scheduling period on. */
#include "cgroup-verbs.h"
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* "-1", "1024", "100k", "64m", "1g", "2GiB" -> bytes (binary units, like
 * runc's RAMInBytes).  -2 when invalid. */
static int64_t parse_bytes(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s)
		return -2;
	if (v == -1 && *end == '\0')
		return -1;
	if (v < 0)
		return -2;
	double mult = 1;
	switch (tolower((unsigned char)*end)) {
	case 'k':
		mult = 1024.0;
		break;
	case 'm':
		mult = 1024.0 * 1024;
		break;
	case 'g':
		mult = 1024.0 * 1024 * 1024;
		break;
	case 't':
		mult = 1024.0 * 1024 * 1024 * 1024;
		break;
	case 'b':
	case '\0':
		break;
	default:
		return -2;
	}
	if (*end && tolower((unsigned char)*end) != 'b')
		end++;
	if (*end && strcasecmp(end, "b") != 0 && strcasecmp(end, "ib") != 0)
		return -2;
	return (int64_t)(v * mult);
}

/* All of fd (stdin for "-r -"; /dev/stdin may not exist). NULL/errno. */
static char *read_fd(int fd)
{
	struct strbuf b = STRBUF_INIT;
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			strbuf_release(&b);
			return NULL;
		}
		if (n == 0)
			break;
		strbuf_append(&b, buf, (size_t)n);
	}
	return strbuf_steal(&b);
}

static int parse_num(const char *s, int64_t *out)
{
	char *end;
	if (!s) /* getopt gives every flag that takes a value one */
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

enum {
	O_BLKIO_WEIGHT = 256,
	O_CPU_PERIOD,
	O_CPU_QUOTA,
	O_CPU_SHARE,
	O_CPU_RT_PERIOD,
	O_CPU_RT_RUNTIME,
	O_CPUSET_CPUS,
	O_CPUSET_MEMS,
	O_KMEM,
	O_KMEM_TCP,
	O_MEMORY,
	O_MEMORY_RES,
	O_MEMORY_SWAP,
	O_PIDS,
	O_CPU_IDLE,
	O_CPU_BURST,
	O_L3,
	O_MEMBW,
};

static const struct option update_opts[] = {
    {"resources", required_argument, NULL, 'r'},
    {"blkio-weight", required_argument, NULL, O_BLKIO_WEIGHT},
    {"cpu-period", required_argument, NULL, O_CPU_PERIOD},
    {"cpu-quota", required_argument, NULL, O_CPU_QUOTA},
    {"cpu-share", required_argument, NULL, O_CPU_SHARE},
    {"cpu-rt-period", required_argument, NULL, O_CPU_RT_PERIOD},
    {"cpu-rt-runtime", required_argument, NULL, O_CPU_RT_RUNTIME},
    {"cpuset-cpus", required_argument, NULL, O_CPUSET_CPUS},
    {"cpuset-mems", required_argument, NULL, O_CPUSET_MEMS},
    {"kernel-memory", required_argument, NULL, O_KMEM},
    {"kernel-memory-tcp", required_argument, NULL, O_KMEM_TCP},
    {"memory", required_argument, NULL, O_MEMORY},
    {"memory-reservation", required_argument, NULL, O_MEMORY_RES},
    {"memory-swap", required_argument, NULL, O_MEMORY_SWAP},
    {"pids-limit", required_argument, NULL, O_PIDS},
    {"cpu-idle", required_argument, NULL, O_CPU_IDLE},
    {"cpu-burst", required_argument, NULL, O_CPU_BURST},
    {"l3-cache-schema", required_argument, NULL, O_L3},
    {"mem-bw-schema", required_argument, NULL, O_MEMBW},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

static void usage(void)
{
	printf("usage: glass-runtime update [flags] ID\n\n"
	       "Changes the resources of a running container.\n"
	       "  -r, --resources FILE    a LinuxResources JSON document (\"-\": "
	       "stdin)\n"
	       "  --memory BYTES, --memory-reservation BYTES, --memory-swap BYTES,\n"
	       "  --kernel-memory BYTES, --kernel-memory-tcp BYTES (k/m/g suffixes; "
	       "-1 = "
	       "unlimited)\n"
	       "  --cpu-share N, --cpu-period US, --cpu-quota US, --cpu-burst US,\n"
	       "  --cpu-rt-period US, --cpu-rt-runtime US, --cpu-idle 0|1,\n"
	       "  --cpuset-cpus LIST, --cpuset-mems LIST, --pids-limit N, "
	       "--blkio-weight N\n");
}

/* The resources of -r FILE ("-": stdin) into *r. */
static int read_resources(const char *file, struct glass_resources *r, struct glass_err **err)
{
	cleanup_free char *text =
	    strcmp(file, "-") == 0 ? read_fd(0) : read_file_at(AT_FDCWD, file, NULL);
	if (text == NULL)
		return glass_err_new(err, errno, "read(\"%s\")", file);
	return glass_spec_parse_resources(text, r, err);
}

/* Sets the resource of flag `c` (value v, or the text `arg` for lists)
 * in *r.  -1 for a flag that is not a resource. */
static int set_flag(struct glass_resources *r, int c, int64_t v, const char *arg)
{
	switch (c) {
	case O_BLKIO_WEIGHT:
		r->block_io.present = r->block_io.has_weight = true;
		r->block_io.weight = (uint16_t)v;
		break;
	case O_CPU_PERIOD:
		r->cpu.present = r->cpu.has_period = true;
		r->cpu.period = (uint64_t)v;
		break;
	case O_CPU_QUOTA:
		r->cpu.present = r->cpu.has_quota = true;
		r->cpu.quota = v;
		break;
	case O_CPU_SHARE:
		r->cpu.present = r->cpu.has_shares = true;
		r->cpu.shares = (uint64_t)v;
		break;
	case O_CPU_BURST:
		r->cpu.present = r->cpu.has_burst = true;
		r->cpu.burst = (uint64_t)v;
		break;
	case O_CPU_RT_PERIOD:
		r->cpu.present = r->cpu.has_realtime_period = true;
		r->cpu.realtime_period = (uint64_t)v;
		break;
	case O_CPU_RT_RUNTIME:
		r->cpu.present = r->cpu.has_realtime_runtime = true;
		r->cpu.realtime_runtime = v;
		break;
	case O_CPU_IDLE:
		r->cpu.present = r->cpu.has_idle = true;
		r->cpu.idle = v;
		break;
	case O_CPUSET_CPUS:
		r->cpu.present = true;
		free(r->cpu.cpus);
		r->cpu.cpus = xstrdup(arg);
		break;
	case O_CPUSET_MEMS:
		r->cpu.present = true;
		free(r->cpu.mems);
		r->cpu.mems = xstrdup(arg);
		break;
	case O_KMEM:
		r->memory.present = r->memory.has_kernel = true;
		r->memory.kernel = v;
		break;
	case O_KMEM_TCP:
		r->memory.present = r->memory.has_kernel_tcp = true;
		r->memory.kernel_tcp = v;
		break;
	case O_MEMORY:
		r->memory.present = r->memory.has_limit = true;
		r->memory.limit = v;
		break;
	case O_MEMORY_RES:
		r->memory.present = r->memory.has_reservation = true;
		r->memory.reservation = v;
		break;
	case O_MEMORY_SWAP:
		r->memory.present = r->memory.has_swap = true;
		r->memory.swap = v;
		break;
	case O_PIDS:
		r->pids.present = r->pids.has_limit = true;
		r->pids.limit = v;
		break;
	default:
		return -1;
	}
	return 0;
}

/* The second pass over the flags: each resource flag overrides -r's
 * value.  0, or the verb's exit status (usage or error) in *status. */
static int parse_flags(struct runtime_ctx *ctx, int argc, char **argv, struct glass_resources *r,
                       int *status)
{
	struct glass_err *err = NULL;
	int c;
	optind = 0;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "r:h", update_opts, NULL)) != -1) {
		int64_t v = 0;
		const char *name = NULL;
		for (const struct option *o = update_opts; o->name; o++)
			if (o->val == c)
				name = o->name;
		bool bytes = c == O_KMEM || c == O_KMEM_TCP || c == O_MEMORY || c == O_MEMORY_RES ||
		             c == O_MEMORY_SWAP;
		bool str = c == O_CPUSET_CPUS || c == O_CPUSET_MEMS || c == O_L3 || c == O_MEMBW;
		if (c == 'r' || c == 'h')
			continue;
		if (c == '?') {
			*status = runtime_usage(ctx, "update", "unknown flag");
			return -1;
		}
		if (bytes ? (v = parse_bytes(optarg)) < -1 : !str && parse_num(optarg, &v) < 0) {
			*status = runtime_usage(ctx, "update", "--%s: invalid value \"%s\"", name,
			                        optarg);
			return -1;
		}
		if (c == O_L3 || c == O_MEMBW) {
			glass_err_new(&err, ENOTSUP, "--%s: Intel RDT is not supported by glass",
			              name);
			*status = runtime_fail(ctx, &err);
			return -1;
		}
		if (set_flag(r, c, v, optarg) < 0) {
			*status = runtime_usage(ctx, "update", "unknown flag");
			return -1;
		}
	}
	return 0;
}

/* Writes `r` to the cgroup of the running container `id`, under its lock. */
static int update_container(struct runtime_ctx *ctx, const char *id,
                            const struct glass_resources *r, struct glass_err **err)
{
	cleanup_close int lock = -1;
	struct glass_state *st;
	cleanup_cgroup struct glass_cgroup *cg = NULL;
	enum glass_status s;
	int rc;
	if (glass_state_lock(ctx->root, id, false, &lock, err) < 0 ||
	    cgverb_open(ctx, id, &st, &s, &cg, err) < 0)
		return -1;
	if (s == GLASS_STATUS_STOPPED)
		rc = glass_err_new(err, 0, "container not running");
	else
		rc = glass_cgroup_update(cg, r, err);
	glass_state_free(st);
	return rc;
}

int cmd_update(struct runtime_ctx *ctx, int argc, char **argv)
{
	struct glass_err *err = NULL;
	struct glass_resources r;
	const char *file = NULL;
	int c, status = 0;
	memset(&r, 0, sizeof(r));
	/* First pass: -r, so flags given with it override the file's values. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "r:h", update_opts, NULL)) != -1) {
		if (c == 'r')
			file = optarg;
		if (c == 'h') {
			usage();
			return 0;
		}
	}
	if (file && read_resources(file, &r, &err) < 0)
		return runtime_fail(ctx, &err);
	if (parse_flags(ctx, argc, argv, &r, &status) < 0) {
		glass_spec_resources_clear(&r);
		return status;
	}
	if (optind != argc - 1) {
		glass_spec_resources_clear(&r);
		return runtime_usage(ctx, "update", "want exactly one container ID");
	}
	int rc = update_container(ctx, argv[optind], &r, &err);
	glass_spec_resources_clear(&r);
	return rc < 0 ? runtime_fail(ctx, &err) : 0;
}

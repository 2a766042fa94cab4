/* pull: `glass pull [--platform OS/ARCH[/VARIANT]] [--authfile F]
 * [--cert-dir D] [--creds U:P] [--tls-verify=false] [--parallel N]
 * [--unpack-jobs N] [--unpack-threads N] [--inflate isal|zlib] [-q] REF`:
 * the flags, then glass_pull() (src/store/pull.c) through engine_pull(). */
#include "common.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A tuning flag's value: a number in [lo, 64]. */
static int tuning_value(const char *v, int lo, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < lo || n > 64)
		return -1;
	*out = (int)n;
	return 1;
}

/* --parallel, --unpack-jobs, --unpack-threads and --inflate. */
static int tuning_flag(const char *name, const char *v, struct engine_pull_opts *o)
{
	if (strcmp(name, "--parallel") == 0)
		return tuning_value(v, 1, &o->parallel);
	if (strcmp(name, "--unpack-jobs") == 0)
		return tuning_value(v, 1, &o->unpack_jobs);
	if (strcmp(name, "--unpack-threads") == 0) {
		int r = tuning_value(v, 0, &o->unpack_threads);
		if (r > 0 && o->unpack_threads == 0)
			o->unpack_threads = -1; /* none: the parser writes the files itself */
		return r;
	}
	if (strcmp(name, "--inflate") == 0) {
		o->inflate = strcmp(v, "zlib") == 0 ? 1 : strcmp(v, "isal") == 0 ? 2 : 0;
		return o->inflate ? 1 : -1;
	}
	return 0;
}

int engine_pull_flag(int argc, char **argv, int *i, struct engine_pull_opts *o)
{
	const char *a = argv[*i];
	const char *names[] = {"--platform", "--authfile",    "--cert-dir",       "--creds",
	                       "--parallel", "--unpack-jobs", "--unpack-threads", "--inflate"};
	const char **dst[] = {&o->platform, &o->authfile, &o->cert_dir, &o->creds};
	for (size_t k = 0; k < 8; k++) {
		size_t l = strlen(names[k]);
		const char *v = NULL;
		if (strncmp(a, names[k], l) != 0)
			continue;
		if (a[l] == '=')
			v = a + l + 1;
		else if (a[l] == '\0' && *i + 1 < argc)
			v = argv[++*i];
		else if (a[l] == '\0')
			return -1;
		else
			continue;
		if (k >= 4)
			return tuning_flag(names[k], v, o);
		*dst[k] = v;
		return 1;
	}
	if (strcmp(a, "--tls-verify") == 0 || strcmp(a, "--tls-verify=true") == 0) {
		o->tls_verify = 1;
		return 1;
	}
	if (strcmp(a, "--tls-verify=false") == 0) {
		o->tls_verify = 0;
		return 1;
	}
	return 0;
}

int cmd_pull(int argc, char **argv)
{
	static const char use[] = "glass pull [--platform OS/ARCH[/VARIANT]] [--authfile FILE] "
	                          "[--cert-dir DIR] [--creds USER:PASS] [--tls-verify=false] "
	                          "[--parallel N] [--unpack-jobs N] [--unpack-threads N] "
	                          "[--inflate isal|zlib] [-q] IMAGE";
	struct engine_pull_opts o = {.tls_verify = 1};
	const char *ref = NULL;
	for (int i = 1; i < argc; i++) {
		const char *flag = argv[i];
		int r = engine_pull_flag(argc, argv, &i, &o);
		if (r < 0)
			return engine_usage(use, "pull: %s needs a valid value", flag);
		if (r > 0)
			continue;
		if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
			o.quiet = true;
		else if (argv[i][0] == '-')
			return engine_usage(use, "pull: unknown option %s", argv[i]);
		else if (ref)
			return engine_usage(use, "pull: one image at a time");
		else
			ref = argv[i];
	}
	if (!ref)
		return engine_usage(use, "pull: no image given");
	struct glass_err *err = NULL;
	struct glass_store *s;
	struct glass_image *img;
	cleanup_free char *name = NULL;
	if (engine_store_open(false, &s, &err) < 0)
		return engine_fail(&err);
	if (engine_pull(s, ref, &o, &name, &err) < 0 || glass_image_find(s, name, &img, &err) < 0) {
		glass_store_close(s);
		return engine_fail(&err);
	}
	printf("%s\n", glass_digest_hex(img->config_digest));
	glass_image_free(img);
	glass_store_close(s);
	return 0;
}

/* glass-runtime audit: what protects a container and what does not.
 *
 *   glass-runtime audit [--format text|json] [--fail-on SEVERITY] [CONFIG]
 *
 * Reads CONFIG (default ./config.json, or BUNDLE/config.json with
 * --bundle), reports layer by layer, and exits 1 when a finding at or above
 * --fail-on (default high) exists, 0 otherwise, 2 when the config cannot
 * be read.  Nothing on the host is touched. */
#include "audit.h"
#include "runtime.h"
#include "spec.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cmd_audit(struct runtime_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {{"format", required_argument, NULL, 'f'},
	                                      {"fail-on", required_argument, NULL, 'F'},
	                                      {"bundle", required_argument, NULL, 'b'},
	                                      {"help", no_argument, NULL, 'h'},
	                                      {NULL, 0, NULL, 0}};
	struct glass_err *err = NULL;
	struct glass_spec *spec;
	struct glass_audit_report *rep;
	cleanup_free char *path = NULL;
	cleanup_free char *out = NULL;
	const char *bundle = NULL;
	bool json = false;
	int fail_on = GLASS_AUDIT_HIGH;
	int c, rc;

	while ((c = getopt_long(argc, argv, "b:f:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (!strcmp(optarg, "text"))
				json = false;
			else
				return runtime_usage(ctx, "audit",
				                     "--format: want text or json, not %s", optarg);
			break;
		case 'F':
			fail_on = glass_audit_severity_from_name(optarg);
			if (fail_on <= GLASS_AUDIT_OK)
				return runtime_usage(
				    ctx, "audit",
				    "--fail-on: want info, low, medium, high or critical, "
				    "not %s",
				    optarg);
			break;
		case 'b':
			bundle = optarg;
			break;
		case 'h':
			printf(
			    "usage: glass-runtime audit [--format text|json] [--fail-on SEVERITY] "
			    "[--bundle DIR] [CONFIG|BUNDLE]\n\n"
			    "Reports, layer by layer, what protects the container described by "
			    "CONFIG\n"
			    "(default ./config.json) and what does not: each finding names the "
			    "field,\n"
			    "the risk and the fix.  Judged from the config alone.\n\n"
			    "Exit status: 1 when a finding at or above SEVERITY (default high; one "
			    "of\n"
			    "info, low, medium, high, critical) exists, 0 otherwise, 2 on "
			    "errors.\n");
			return 0;
		default:
			return runtime_usage(ctx, "audit", "unknown flag");
		}
	}
	if (argc - optind > 1)
		return runtime_usage(ctx, "audit", "takes at most one CONFIG argument");
	if (optind < argc) {
		struct stat st;
		/* A bundle directory stands for its config.json. */
		if (stat(argv[optind], &st) == 0 && S_ISDIR(st.st_mode))
			path = xasprintf("%s/config.json", argv[optind]);
		else
			path = xstrdup(argv[optind]);
	} else
		path = xasprintf("%s/config.json", bundle ? bundle : ".");
	spec = glass_spec_load(path, &err);
	if (!spec) {
		glass_err_ctx(&err, "audit");
		runtime_fail(ctx, &err);
		return 2;
	}
	rep = glass_audit_spec(spec);
	out = json ? glass_audit_report_json(rep, path)
	           : glass_audit_report_text(rep, path, isatty(STDOUT_FILENO));
	fputs(out, stdout);
	rc = glass_audit_count(rep, (enum glass_audit_severity)fail_on) > 0 ? 1 : 0;
	glass_audit_free(rep);
	glass_spec_free(spec);
	return rc;
}

/* glass-runtime list: the containers under --root. */
#include "runtime.h"
#include "spec.h"
#include "state.h"
#include "util.h"

#include <getopt.h>
#include <json-c/json.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define NCOLS 6

static char **table_row(const char *a, const char *b, const char *c, const char *d, const char *e,
                        const char *f)
{
	char **r = xcalloc(NCOLS, sizeof(char *));
	r[0] = xstrdup(a);
	r[1] = xstrdup(b);
	r[2] = xstrdup(c);
	r[3] = xstrdup(d);
	r[4] = xstrdup(e);
	r[5] = xstrdup(f);
	return r;
}

/* The owner column: the name recorded in the state (older states), else
 * the owner of the state directory, as runc shows it. */
static char *owner_of(const char *root, const struct glass_state *st)
{
	cleanup_free char *dir = xasprintf("%s/%s", root, st->id);
	struct passwd *pw;
	struct stat sb;
	if (st->owner)
		return xstrdup(st->owner);
	if (stat(dir, &sb) < 0)
		return xstrdup("");
	pw = getpwuid(sb.st_uid);
	return pw ? xstrdup(pw->pw_name) : xasprintf("#%u", (unsigned)sb.st_uid);
}

int cmd_list(struct runtime_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {{"quiet", no_argument, NULL, 'q'},
	                                      {"format", required_argument, NULL, 'f'},
	                                      {"help", no_argument, NULL, 'h'},
	                                      {NULL, 0, NULL, 0}};
	struct glass_err *err = NULL;
	bool quiet = false, json = false;
	char **ids;
	size_t n;
	int c;
	while ((c = getopt_long(argc, argv, "qf:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "table") != 0)
				return runtime_usage(ctx, "list", "--format: want table or json");
			break;
		case 'h':
			printf("usage: glass-runtime list [-q] [--format table|json]\n\n"
			       "Lists the containers under --root with their live status.\n");
			return 0;
		default:
			return runtime_usage(ctx, "list", "unknown flag");
		}
	}
	if (optind != argc)
		return runtime_usage(ctx, "list", "takes no arguments");
	ids = glass_state_list(ctx->root, &n, &err);
	if (ids == NULL)
		return runtime_fail(ctx, &err);
	json_object *arr = json ? json_object_new_array() : NULL;
	/* The table: runc's tabwriter layout (columns at least 12 wide, 3
	 * spaces of padding after the longest cell). */
	char ***rows = xcalloc(n + 1, sizeof(char **));
	size_t nrows = 0;
	rows[nrows++] = table_row("ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
	for (size_t i = 0; i < n; i++) {
		struct glass_state *st = NULL;
		cleanup_free char *owner = NULL;
		enum glass_status s;
		if (glass_state_load_any(ctx->root, ids[i], &st, NULL) < 0)
			continue;
		owner = owner_of(ctx->root, st);
		s = glass_state_status(ctx->root, st);
		/* A record that cannot be read is listed, with why: hiding it
		 * would hide a container whose process may still run. */
		const char *status = st->corrupt ? "unknown" : glass_status_name(s);
		if (st->corrupt)
			fprintf(stderr, "glass-runtime: warning: container %s: %s\n", st->id,
			        st->corrupt);
		if (quiet && !json) {
			printf("%s\n", st->id);
		} else if (json) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "ociVersion",
			                       json_object_new_string(GLASS_OCI_VERSION));
			json_object_object_add(o, "id", json_object_new_string(st->id));
			json_object_object_add(
			    o, "pid", json_object_new_int(s == GLASS_STATUS_STOPPED ? 0 : st->pid));
			json_object_object_add(o, "status", json_object_new_string(status));
			if (st->corrupt)
				json_object_object_add(o, "error",
				                       json_object_new_string(st->corrupt));
			json_object_object_add(
			    o, "bundle", json_object_new_string(st->bundle ? st->bundle : ""));
			json_object_object_add(
			    o, "rootfs", json_object_new_string(st->rootfs ? st->rootfs : ""));
			json_object_object_add(
			    o, "created", json_object_new_string(st->created ? st->created : ""));
			if (st->annotations)
				json_object_object_add(o, "annotations",
				                       json_object_get(st->annotations));
			json_object_object_add(o, "owner", json_object_new_string(owner));
			json_object_array_add(arr, o);
		} else {
			char pid[32];
			snprintf(pid, sizeof(pid), "%d",
			         s == GLASS_STATUS_STOPPED ? 0 : (int)st->pid);
			rows[nrows++] = table_row(st->id, pid, status, st->bundle ? st->bundle : "",
			                          st->created ? st->created : "", owner);
		}
		glass_state_free(st);
	}
	if (!json && !quiet) {
		size_t w[NCOLS] = {0};
		for (size_t r = 0; r < nrows; r++)
			for (int c2 = 0; c2 < NCOLS; c2++)
				if (strlen(rows[r][c2]) + 3 > w[c2])
					w[c2] = strlen(rows[r][c2]) + 3;
		for (size_t r = 0; r < nrows; r++)
			for (int c2 = 0; c2 < NCOLS; c2++)
				if (c2 == NCOLS - 1)
					printf("%s\n", rows[r][c2]);
				else
					printf("%-*s", (int)(w[c2] < 12 ? 12 : w[c2]), rows[r][c2]);
	}
	for (size_t r = 0; r < nrows; r++) {
		for (int c2 = 0; c2 < NCOLS; c2++)
			free(rows[r][c2]);
		free(rows[r]);
	}
	free(rows);
	if (json) {
		/* runc prints null for an empty list. */
		printf("%s\n", n ? json_object_to_json_string_ext(
		                       arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
		                 : "null");
		json_object_put(arr);
	}
	glass_strv_free(ids);
	return 0;
}

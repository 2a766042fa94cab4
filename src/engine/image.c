/* image: `glass image ls|inspect|rm|prune|import|export|pull`, and the
 * debug verb `glass image unpack-layer FILE DIR` that runs the real layer
 * unpack path on one file (used by bench/unpack.sh). */
#include "common.h"
#include "img.h"
#include "unpack.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void human(int64_t n, char *buf, size_t len)
{
	if (n >= 1000000000)
		snprintf(buf, len, "%.2f GB", (double)n / 1e9);
	else if (n >= 1000000)
		snprintf(buf, len, "%.1f MB", (double)n / 1e6);
	else
		snprintf(buf, len, "%.1f kB", (double)n / 1e3);
}

int cmd_image_ls(int argc, char **argv)
{
	bool quiet = false, json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
			quiet = true;
		else if (strcmp(argv[i], "--format=json") == 0 ||
		         (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
		          strcmp(argv[i + 1], "json") == 0 && ++i))
			json = true;
		else if (strcmp(argv[i], "--format=table") == 0 ||
		         (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
		          strcmp(argv[i + 1], "table") == 0 && ++i))
			json = false;
		else
			return engine_usage("glass image ls [-q] [--format table|json]",
			                    "image ls: unknown option %s", argv[i]);
	}
	struct glass_err *err = NULL;
	struct glass_store *s;
	struct glass_store_entry *e;
	size_t n;
	if (engine_store_open(false, &s, &err) < 0 || glass_store_list(s, &e, &n, &err) < 0)
		return engine_fail(&err);
	struct json_object *arr = json_object_new_array();
	if (!quiet && !json)
		printf("%-40s %-16s %-14s %-22s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED",
		       "SIZE");
	char last_id[16] = "";
	for (size_t i = 0; i < n; i++) {
		struct glass_image *img;
		if (glass_image_load(s, e[i].digest, &img, &err) < 0) {
			glass_err_report("glass", err, -1, 0);
			glass_err_free(&err);
			continue;
		}
		const char *id = glass_digest_hex(img->config_digest);
		char repo[512], tag[160] = "<none>", size[32];
		snprintf(repo, sizeof(repo), "%s", e[i].name);
		char *at = strchr(repo, '@'), *slash, *colon;
		if (at)
			*at = '\0';
		slash = strrchr(repo, '/');
		colon = strrchr(repo, ':');
		if (colon && (!slash || colon > slash)) {
			*colon = '\0';
			snprintf(tag, sizeof(tag), "%s", colon + 1);
		}
		human(engine_image_size(s, img), size, sizeof(size));
		if (quiet) {
			if (strncmp(last_id, id, 12) != 0)
				printf("%.12s\n", id);
			snprintf(last_id, sizeof(last_id), "%.12s", id);
		} else if (json) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "Name", json_object_new_string(e[i].name));
			json_object_object_add(o, "Repository", json_object_new_string(repo));
			json_object_object_add(o, "Tag", json_object_new_string(tag));
			json_object_object_add(o, "Id", json_object_new_string(id));
			json_object_object_add(o, "Digest", json_object_new_string(e[i].digest));
			json_object_object_add(
			    o, "Created", json_object_new_string(e[i].created ? e[i].created : ""));
			json_object_object_add(o, "Size",
			                       json_object_new_int64(engine_image_size(s, img)));
			json_object_array_add(arr, o);
		} else {
			printf("%-40s %-16s %-14.12s %-22s %s\n", repo, tag, id,
			       e[i].created ? e[i].created : "", size);
		}
		glass_image_free(img);
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(
		                   arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	glass_store_entries_free(e, n);
	glass_store_close(s);
	return 0;
}

int cmd_image_inspect(int argc, char **argv)
{
	if (argc < 2)
		return engine_usage("glass image inspect IMAGE...",
		                    "image inspect: no image given");
	struct glass_err *err = NULL;
	struct glass_store *s;
	int rc = 0;
	if (engine_store_open(false, &s, &err) < 0)
		return engine_fail(&err);
	struct json_object *arr = json_object_new_array();
	for (int i = 1; i < argc; i++) {
		struct glass_image *img;
		if (engine_image_get(s, argv[i], NULL, &img, &err) < 0) {
			rc = engine_fail(&err);
			continue;
		}
		struct json_object *o = json_object_new_object(), *layers = json_object_new_array();
		struct json_object *cfg = json_tokener_parse(img->config->json), *hist = NULL;
		json_object_object_add(o, "Name",
		                       json_object_new_string(img->name ? img->name : ""));
		json_object_object_add(o, "Id", json_object_new_string(img->config_digest));
		json_object_object_add(o, "Index",
		                       img->index_digest ? json_object_new_string(img->index_digest)
		                                         : NULL);
		json_object_object_add(o, "Digest", json_object_new_string(img->manifest_digest));
		json_object_object_add(o, "MediaType",
		                       json_object_new_string(img->manifest->media_type));
		json_object_object_add(
		    o, "Os", json_object_new_string(img->config->os ? img->config->os : ""));
		json_object_object_add(
		    o, "Architecture",
		    json_object_new_string(img->config->arch ? img->config->arch : ""));
		json_object_object_add(
		    o, "Created",
		    json_object_new_string(img->config->created ? img->config->created : ""));
		json_object_object_add(o, "Size", json_object_new_int64(engine_image_size(s, img)));
		for (size_t j = 0; j < img->manifest->nlayers; j++) {
			const struct glass_desc *d = &img->manifest->layers[j];
			struct json_object *l = json_object_new_object();
			json_object_object_add(l, "Digest", json_object_new_string(d->digest));
			json_object_object_add(
			    l, "MediaType",
			    json_object_new_string(d->media_type ? d->media_type : ""));
			json_object_object_add(l, "Size", json_object_new_int64(d->size));
			json_object_object_add(l, "DiffID",
			                       json_object_new_string(img->config->diff_ids[j]));
			json_object_object_add(l, "ChainID",
			                       json_object_new_string(img->chain_ids[j]));
			json_object_array_add(layers, l);
		}
		json_object_object_add(o, "Layers", layers);
		if (cfg && json_object_object_get_ex(cfg, "history", &hist))
			json_object_object_add(o, "History", json_object_get(hist));
		json_object_object_add(o, "Config", cfg);
		json_object_array_add(arr, o);
		glass_image_free(img);
	}
	printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
	                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	glass_store_close(s);
	return rc;
}

static void freed_report(uint64_t freed)
{
	char h[32];
	human((int64_t)freed, h, sizeof(h));
	fprintf(stderr, "Freed %s\n", h);
}

/* Prints what a removal did, docker's way: "Untagged: NAME", "Deleted: ID". */
static void print_report(struct json_object *report)
{
	for (size_t i = 0; i < json_object_array_length(report); i++) {
		struct json_object *step = json_object_array_get_idx(report, i);
		json_object_object_foreach(step, k, v)
		    printf("%s: %s\n", k, json_object_get_string(v));
	}
}

int cmd_image_rm(int argc, char **argv)
{
	static const char use[] = "glass image rm [-f] IMAGE...";
	struct glass_err *err = NULL;
	struct glass_store *s;
	bool force = false;
	int rc = 0, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0)
			force = true;
		else /* --help must not be taken for an image */
			return engine_usage(use, "image rm: unknown option %s", argv[i]);
	}
	if (i >= argc)
		return engine_usage(use, "image rm: no image given");
	if (engine_store_open(true, &s, &err) < 0)
		return engine_fail(&err);
	for (; i < argc; i++) {
		struct json_object *report = json_object_new_array();
		if (engine_image_remove(s, argv[i], force, report, &err) < 0)
			rc = engine_fail(&err);
		print_report(report);
		json_object_put(report);
	}
	glass_store_close(s);
	return rc;
}

int cmd_image_prune(int argc, char **argv)
{
	struct glass_err *err = NULL;
	struct glass_store *s;
	uint64_t freed = 0;
	bool all = argc > 1 && (strcmp(argv[1], "-a") == 0 || strcmp(argv[1], "--all") == 0);
	if (argc > (all ? 2 : 1))
		return engine_usage("glass image prune [-a]", "image prune: unknown option %s",
		                    argv[argc - 1]);
	if (engine_store_open(true, &s, &err) < 0)
		return engine_fail(&err);
	struct json_object *report = json_object_new_array();
	int rc = engine_image_prune(s, all, NULL, NULL, report, &freed, &err);
	print_report(report);
	json_object_put(report);
	glass_store_close(s);
	if (rc < 0)
		return engine_fail(&err);
	freed_report(freed);
	return 0;
}

int cmd_unpack_layer(int argc, char **argv)
{
	static const char use[] = "glass image unpack-layer [-v] [--no-whiteouts] "
	                          "[--inflate=isal|zlib] [--threads=0..8] FILE DIR";
	struct glass_unpack_opts o = {0};
	struct glass_unpack_stats st;
	struct glass_err *err = NULL;
	bool verbose = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else if (strcmp(argv[i], "--no-whiteouts") == 0)
			o.no_whiteouts = true;
		else if (strcmp(argv[i], "--inflate=zlib") == 0)
			o.zlib = true;
		else if (strcmp(argv[i], "--inflate=isal") == 0)
			o.zlib = false;
		else if (strncmp(argv[i], "--threads=", 10) == 0 && argv[i][10] >= '0' &&
		         argv[i][10] <= '8' && !argv[i][11])
			o.threads = argv[i][10] == '0' ? -1 : argv[i][10] - '0';
		else
			return engine_usage(use, "unknown option %s", argv[i]);
	}
	if (argc - i != 2)
		return engine_usage(use, "need FILE and DIR");
	unsigned long long t0 = now_ns();
	cleanup_close int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		glass_err_new(&err, errno, "open(\"%s\")", argv[i]);
		return engine_fail(&err);
	}
	if (mkdir_p(argv[i + 1], 0755) < 0) {
		glass_err_new(&err, errno, "mkdir(\"%s\")", argv[i + 1]);
		return engine_fail(&err);
	}
	cleanup_close int dfd = open(argv[i + 1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		glass_err_new(&err, errno, "open(\"%s\")", argv[i + 1]);
		return engine_fail(&err);
	}
	if (glass_unpack_fd(fd, dfd, &o, &st, &err) < 0) {
		glass_err_ctx(&err, "unpack %s", argv[i]);
		return engine_fail(&err);
	}
	if (verbose)
		fprintf(stderr, "%s: %s, %llu entries, %.1f MB uncompressed, diffID %s, %.3f s\n",
		        argv[i], st.compression, (unsigned long long)st.entries,
		        (double)st.bytes / 1e6, st.diff_id, (double)(now_ns() - t0) / 1e9);
	else
		printf("%s\n", st.diff_id);
	return 0;
}

/* `glass image save -o FILE IMAGE...`: what `docker save` writes (and
 * docker load, podman load and glass image import read). */
static int cmd_image_save(int argc, char **argv)
{
	static const char use[] = "glass image save -o FILE IMAGE...";
	struct glass_err *err = NULL;
	struct glass_store *s;
	const char *out = NULL;
	int i = 1;
	if (i + 1 < argc && (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0)) {
		out = argv[i + 1];
		i += 2;
	}
	if (!out || i >= argc)
		return engine_usage(use, "image save: need -o FILE and an image");
	if (engine_store_open(false, &s, &err) < 0)
		return engine_fail(&err);
	int rc = engine_image_save(s, argv + i, out, &err);
	glass_store_close(s);
	return rc < 0 ? engine_fail(&err) : 0;
}

/* `glass image tag IMAGE NAME`: a second name for the same image. */
static int cmd_image_tag(int argc, char **argv)
{
	struct glass_err *err = NULL;
	struct glass_store *s;
	if (argc != 3 || argv[1][0] == '-')
		return engine_usage("glass image tag IMAGE NAME[:TAG]",
		                    "image tag: need IMAGE and NAME");
	if (engine_store_open(false, &s, &err) < 0)
		return engine_fail(&err);
	int rc = engine_image_tag(s, argv[1], argv[2], NULL, &err);
	glass_store_close(s);
	return rc < 0 ? engine_fail(&err) : 0;
}

int cmd_images(int argc, char **argv)
{
	return cmd_image_ls(argc, argv);
}

int cmd_rmi(int argc, char **argv)
{
	return cmd_image_rm(argc, argv);
}

int cmd_image(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} sub[] = {
	    {"ls", cmd_image_ls},
	    {"list", cmd_image_ls},
	    {"inspect", cmd_image_inspect},
	    {"rm", cmd_image_rm},
	    {"prune", cmd_image_prune},
	    {"import", cmd_import},
	    {"export", cmd_export},
	    {"pull", cmd_pull},
	    {"unpack-layer", cmd_unpack_layer},
	    {"save", cmd_image_save},
	    {"tag", cmd_image_tag},
	};
	if (argc < 2)
		return engine_usage(
		    "glass image ls|inspect|rm|prune|import|export|save|tag|pull ...",
		    "image: no subcommand");
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++)
		if (strcmp(argv[1], sub[i].name) == 0)
			return sub[i].fn(argc - 1, argv + 1);
	return engine_usage("glass image ls|inspect|rm|prune|import|export|save|tag|pull ...",
	                    "image: unknown subcommand \"%s\"", argv[1]);
}

/* common: helpers shared by the engine's verbs. */
#ifndef GLASS_ENGINE_COMMON_H
#define GLASS_ENGINE_COMMON_H

#include "bundle.h"
#include "engine.h"
#include "image.h"
#include "store.h"

#include <stdbool.h>

#define GLASS_BUILTIN_IMAGE "localhost/busybox:latest"

struct engine_pull_opts {
	const char *platform; /* --platform os/arch[/variant] or NULL */
	const char *authfile; /* --authfile */
	const char *cert_dir; /* --cert-dir */
	const char *creds;    /* --creds user:pass */
	int tls_verify;       /* 1 (default), 0 (--tls-verify=false) */
	bool quiet;           /* -q */
	/* tuning (0: the library's default) */
	int parallel;       /* --parallel N: concurrent blob downloads */
	int unpack_jobs;    /* --unpack-jobs N: layers unpacked at once */
	int unpack_threads; /* --unpack-threads N: file writers per layer (-1: none) */
	int inflate;        /* --inflate isal|zlib: 0 isa-l, 1 zlib */
};

/* glass-runtime (or another sibling program) beside the glass binary, in
 * the build tree or installed; malloc'd path or NULL. */
char *engine_find_sibling(const char *name);
/* The built-in image's root filesystem (BUILD/rootfs, or
 * PREFIX/share/glass/rootfs), or NULL. */
char *engine_builtin_rootfs(void);
/* GLASS_ROOT, or /var/lib/glass. */
const char *engine_root_dir(void);
/* Opens the store under engine_root_dir() with the engine's options:
 * reports printed on stderr (a status line only on a terminal),
 * GLASS_SNAPSHOTTER=copy forcing copied snapshots. */
int engine_store_open(bool exclusive, struct glass_store **s, struct glass_err **err);
/* The same with the reports handed to `report` (a pull's progress stream). */
int engine_store_open_report(bool exclusive, glass_report_fn report, void *data,
                             struct glass_store **s, struct glass_err **err);
/* True for the names of the built-in image: "busybox", "busybox:latest",
 * "localhost/busybox[:latest]". */
bool engine_is_builtin_image(const char *ref);
/* A local image; the built-in one is imported on first use; with `pull`,
 * a missing image is pulled. */
int engine_image_get(struct glass_store *s, const char *ref, const struct engine_pull_opts *pull,
                     struct glass_image **img, struct glass_err **err);
/* Pulls `ref` into the store (glass_pull with the flags' options and the
 * usual auth files); *name gets the normalised name it is stored under. */
int engine_pull(struct glass_store *s, const char *ref, const struct engine_pull_opts *o,
                char **name, struct glass_err **err);
/* Parses the pull flags shared by pull, run and bundle; returns 1 when
 * argv[*i] was one (advancing *i past its value), 0 when not, -1 on a
 * missing or bad value. */
int engine_pull_flag(int argc, char **argv, int *i, struct engine_pull_opts *o);
/* Parses the container flags shared by bundle and run (--read-only,
 * -e/--env, -w/--workdir, -u/--user) into *bo and env[*nenv]; returns 1
 * when argv[*i] was one (advancing *i past its value), else 0. */
int engine_bundle_flag(int argc, char **argv, int *i, struct glass_bundle_opts *bo, char **env,
                       size_t *nenv);

/* The runtime's --root: GLASS_ROOT/runtime, or /run/glass-runtime. */
char *engine_runtime_root(void);
/* Runs a program (glass-runtime) in the foreground with signals forwarded;
 * its exit status (128+N for signal N), or -1 when it could not start. */
int engine_run_runtime(char *const argv[], struct glass_err **err);

/* Runs a program with stdin and stdout on /dev/null and its stderr
 * captured: 0 when it exits 0, else -1 with *err saying how it ended and
 * what it printed. */
int engine_run_quiet(char *const argv[], struct glass_err **err);
/* The engine's JSON files (records, manifests): o written to path at once
 * (tmp + rename), slashes unescaped, PRETTY or PLAIN. */
struct json_object;
int engine_json_save(const char *path, struct json_object *o, bool pretty, int mode,
                     struct glass_err **err);

#endif

/* bundle: an OCI runtime bundle (config.json + rootfs) for an image.
 *
 * config.json starts from the runtime's defaults (glass_spec_default_json,
 * what `glass-runtime spec` prints: namespaces, mounts, masked paths,
 * capabilities) plus the default seccomp profile, and takes from the image
 * config its Entrypoint + Cmd, Env, WorkingDir and User (names resolved in
 * the image's own /etc/passwd and /etc/group, read without following
 * symlinks out of the rootfs).  Options from the command line override. */
#ifndef GLASS_BUNDLE_H
#define GLASS_BUNDLE_H

#include "image.h"

#include <stdbool.h>
#include <stdint.h>

struct glass_bundle_opts {
	char **args;         /* replaces Cmd (NULL: the image's) */
	char **env;          /* K=V added/overriding, NULL-terminated or NULL */
	const char *workdir; /* NULL: the image's, else "/" */
	const char *user;    /* NULL: the image's; "name|uid[:group|gid]" */
	const char *hostname;
	bool readonly;
	bool terminal;
	/* process.consoleSize, the terminal's size from the start (docker's
	 * HostConfig.ConsoleSize): a resize after the start comes too late
	 * for a program that asks at once (`run -it busybox stty size`) */
	unsigned console_height, console_width; /* 0: not given */
	int64_t memory;                         /* bytes, 0 = no limit */
	double cpus;                            /* 0 = no limit */
	const char *cgroups_path;               /* NULL: none */
	bool no_seccomp;
	/* docker run's security and process flags */
	bool entrypoint_set;        /* --entrypoint given: `entrypoint` replaces the image's */
	char **entrypoint;          /* NULL-terminated; empty clears it */
	int64_t pids_limit;         /* 0 = no limit */
	char **cap_add, **cap_drop; /* CAP_X or X names, "ALL"; NULL-terminated or NULL */
	bool privileged;            /* every capability, no seccomp, no masked paths */
	bool no_new_privileges;     /* --security-opt no-new-privileges */
	const char *seccomp_file;   /* --security-opt seccomp=FILE: the linux.seccomp object */
	const char *init_path;      /* host path bound at GLASS_BUNDLE_INIT, run as pid 1 */
};

/* Where --init's program appears inside the container. */
#define GLASS_BUNDLE_INIT "/sbin/glass-init"

/* Writes DIR/config.json for `img` with root.path = rootfs (absolute, or
 * relative to DIR).  `rootfs_host` is where the rootfs can be read now
 * (for user names).  The result is validated by the spec parser. */
int glass_bundle_write(const char *dir, const char *rootfs, const char *rootfs_host,
                       const struct glass_image *img, const struct glass_bundle_opts *o,
                       struct glass_err **err);

/* "name|uid[:group|gid]" as numbers, names looked up in the rootfs's
 * /etc/passwd and /etc/group (read with RESOLVE_IN_ROOT). */
int glass_bundle_resolve_user(const char *spec, const char *rootfs, long *uid, long *gid,
                              struct glass_err **err);

/* Parses "512m", "1g", "1048576" into bytes; -1 when malformed. */
int64_t glass_parse_size(const char *s);

#endif

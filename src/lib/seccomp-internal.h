/* seccomp-internal: the compiled filter shared by seccomp.c,
 * seccomp-notify.c and the unit tests. */
#ifndef GLASS_SECCOMP_INTERNAL_H
#define GLASS_SECCOMP_INTERNAL_H

#include "err.h"
#include "spec.h"

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct glass_seccomp_prog {
	struct sock_filter *insns; /* the exported BPF program */
	size_t len;                /* in instructions */
	unsigned long flags;       /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	uint32_t default_action;   /* SCMP_ACT_* */
	size_t nrules, nskipped, nsame;
	char *listener_path, *listener_metadata;
	int sock[2];     /* notify fd handoff: [0] parent end, [1] child end */
	int listener_fd; /* the notify fd in the child, right after the load */
	/* The LSM labels for the next execve (lsm.h), applied by the load
	 * before the filter goes in: */
	struct glass_process lsm_proc; /* only apparmor_profile / selinux_label set */
	bool lsm_ignore;
};

/* Compiles one linux.seccomp object (no trace note). */
int glass_seccomp_compile(const struct glass_seccomp *sc, struct glass_seccomp_prog **out,
                          struct glass_err **err);
/* seccomp-cache.c: the filter compiled earlier from exactly `sc` by this
 * build, from ROOT/.seccomp-cache: 1 and *out on a hit (the entry's name
 * in `name`), 0 on a miss or when root is NULL. */
int glass_seccomp_cache_load(const char *root, const struct glass_seccomp *sc,
                             struct glass_seccomp_prog **out, char *name, size_t size);
/* Keeps `prog`, compiled from `sc`, for the next lookup (when it is
 * cacheable; failures are silent: the cache is only an optimization). */
void glass_seccomp_cache_store(const char *root, const struct glass_seccomp *sc,
                               const struct glass_seccomp_prog *prog);
/* "SCMP_ACT_ERRNO" + errnoRet -> SCMP_ACT_* value; errors name `field`. */
int glass_seccomp_parse_action(const char *name, bool has_errno, uint32_t errno_ret,
                               const char *field, uint32_t *out, struct glass_err **err);
/* "SCMP_ARCH_X86_64" -> SCMP_ARCH_* token; -1 when unknown. */
int glass_seccomp_parse_arch(const char *name, uint32_t *out);
/* SECCOMP_FILTER_FLAG_* bits as text. */
const char *glass_seccomp_flags_str(unsigned long flags, char *buf, size_t size);

#endif

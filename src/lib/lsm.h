/* lsm: Linux Security Module labels of the container (AppArmor profiles,
 * SELinux labels).
 *
 * An LSM adds mandatory access control on top of the classic permission
 * checks: every process carries a label (an AppArmor profile name, an
 * SELinux context) and the kernel consults the loaded policy for that
 * label on each file open, mount, signal, socket operation...  A runtime
 * asks for the container's label by writing it to /proc/self/attr/exec
 * (AppArmor: "exec PROFILE" to /proc/self/attr/apparmor/exec): the label
 * takes effect at the next execve, so the runtime itself stays unconfined
 * while it builds the container.  mountLabel is the SELinux context given
 * to the container's mounts through the "context=" mount option.
 *
 * A host without the LSM cannot enforce a label, so a config that asks for
 * one for the process is refused unless the caller explicitly chooses to
 * ignore it (`--ignore-lsm`, or the annotation "org.glass.lsm.ignore":
 * "true"), as runc and crun refuse it.  linux.mountLabel confines nothing
 * by itself: without SELinux it is ignored with a warning, as crun does.
 */
#ifndef GLASS_LSM_H
#define GLASS_LSM_H

#include "err.h"
#include "spec.h"

#include <stdbool.h>

/* What the host offers, probed once: the active LSMs from
 * /sys/kernel/security/lsm, AppArmor from /sys/module/apparmor, SELinux
 * from /sys/fs/selinux. */
bool glass_lsm_apparmor_enabled(void);
bool glass_lsm_selinux_enabled(void);
/* A malloc'd description of the host, e.g. "lsm: capability,landlock,yama
 * (AppArmor: no, SELinux: no)". */
char *glass_lsm_describe(void);

/* True when `ignore` or the spec's annotation asks to ignore labels the
 * host cannot apply. */
bool glass_lsm_ignoring(const struct glass_spec *spec, bool ignore);

/* Validates process.apparmorProfile, process.selinuxLabel and
 * linux.mountLabel against the host, before anything is created.  A
 * process label for an absent LSM is an error naming the field (with a
 * hint on how to ignore it), or a warning when ignoring; a mount label
 * without SELinux is always a warning (log and trace).  0 or -1 with
 * *err. */
int glass_lsm_check(const struct glass_spec *spec, bool ignore, struct glass_err **err);
/* The same for the labels of one process (exec's, or the container's),
 * with the ignore annotation read from `spec`. */
int glass_lsm_check_process(const struct glass_spec *spec, const struct glass_process *p,
                            bool ignore, struct glass_err **err);

/* In the container's child, just before execve: writes the AppArmor
 * profile and/or SELinux label for the next exec (traced, phase
 * "security").  Labels for an absent LSM are skipped when `ignore`
 * (glass_lsm_check() already refused them otherwise). */
int glass_lsm_apply_exec_label(const struct glass_process *p, bool ignore, struct glass_err **err);

/* Mount data with linux.mountLabel added as context="LABEL" when SELinux
 * is enabled and the label is set; otherwise a copy of `data` (which may
 * be NULL: then NULL is returned when nothing is added).  Malloc'd.  For
 * the mount code (mounts[] that are not binds). */
char *glass_lsm_mount_data(const struct glass_spec *spec, const char *data);

#endif

/* lsm: see lsm.h. */
#include "lsm.h"
#include "sys.h"
#include "trace.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char *lsm_list(void)
{
	char *s = read_file_at(AT_FDCWD, "/sys/kernel/security/lsm", NULL);
	if (s)
		s[strcspn(s, "\n")] = '\0';
	return s;
}

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

bool glass_lsm_apparmor_enabled(void)
{
	cleanup_free char *list = lsm_list();
	cleanup_free char *en = NULL;
	if (list && !in_list(list, "apparmor"))
		return false;
	en = read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", NULL);
	return en && en[0] == 'Y';
}

bool glass_lsm_selinux_enabled(void)
{
	cleanup_free char *list = lsm_list();
	if (list && !in_list(list, "selinux"))
		return false;
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

char *glass_lsm_describe(void)
{
	cleanup_free char *list = lsm_list();
	return xasprintf("active LSMs: %s; AppArmor: %s, SELinux: %s",
	                 list ? list : "unknown (securityfs not mounted)",
	                 glass_lsm_apparmor_enabled() ? "yes" : "no",
	                 glass_lsm_selinux_enabled() ? "yes" : "no");
}

bool glass_lsm_ignoring(const struct glass_spec *spec, bool ignore)
{
	if (ignore)
		return true;
	for (size_t i = 0; spec && i < spec->nannotations; i++)
		if (!strcmp(spec->annotations[i].key, GLASS_LSM_IGNORE_ANNOTATION))
			return !strcmp(spec->annotations[i].value, "true");
	return false;
}

static int refuse(const char *field, const char *what, const char *label, const char *lsm,
                  bool ignoring, struct glass_err **err)
{
	cleanup_free char *host = glass_lsm_describe();
	if (ignoring) {
		/* Ignoring is the caller's explicit choice: say so in the log,
		 * not only in the trace. */
		glass_trace_log(GLASS_LOG_WARN, field,
		                "%s: %s \"%s\" ignored (" GLASS_LSM_IGNORE_ANNOTATION
		                "): %s is not enabled, the process runs unconfined; %s",
		                field, what, label, lsm, host);
		return 0;
	}
	glass_err_field(err, EOPNOTSUPP, field,
	                "%s \"%s\" requested but %s is not enabled on this host (%s)", what, label,
	                lsm, host);
	return glass_err_hint(err,
	                      "remove %s from config.json, run on a host with %s, or accept an "
	                      "unconfined container with the annotation "
	                      "\"" GLASS_LSM_IGNORE_ANNOTATION "\": \"true\"",
	                      field, lsm);
}

int glass_lsm_check_process(const struct glass_spec *spec, const struct glass_process *p,
                            bool ignore, struct glass_err **err)
{
	bool ign = glass_lsm_ignoring(spec, ignore);
	if (p->apparmor_profile && *p->apparmor_profile) {
		if (!glass_lsm_apparmor_enabled()) {
			if (refuse("process.apparmorProfile", "AppArmor profile",
			           p->apparmor_profile, "AppArmor", ign, err) < 0)
				return glass_err_ctx(err, "lsm");
		} else {
			glass_trace_note("lsm", "process.apparmorProfile",
			                 "AppArmor enabled: profile \"%s\" applies at execve",
			                 p->apparmor_profile);
		}
	}
	if (p->selinux_label && *p->selinux_label) {
		if (!glass_lsm_selinux_enabled()) {
			if (refuse("process.selinuxLabel", "SELinux label", p->selinux_label,
			           "SELinux", ign, err) < 0)
				return glass_err_ctx(err, "lsm");
		} else {
			glass_trace_note("lsm", "process.selinuxLabel",
			                 "SELinux enabled: label \"%s\" applies at execve",
			                 p->selinux_label);
		}
	}
	return 0;
}

int glass_lsm_check(const struct glass_spec *spec, bool ignore, struct glass_err **err)
{
	if (glass_lsm_check_process(spec, &spec->process, ignore, err) < 0)
		return -1;
	if (spec->linux_.mount_label && *spec->linux_.mount_label) {
		if (!glass_lsm_selinux_enabled()) {
			/* crun's rule (runc refuses): a mount label labels files
			 * for a policy that is not there; nothing is confined by
			 * it, so nothing is lost.  selinuxLabel, which would
			 * confine the process, is still refused (by both). */
			cleanup_free char *host = glass_lsm_describe();
			glass_trace_log(
			    GLASS_LOG_WARN, "linux.mountLabel",
			    "linux.mountLabel: SELinux mount label \"%s\" ignored: SELinux "
			    "is not enabled, the mounts get no context= (%s)",
			    spec->linux_.mount_label, host);
		} else {
			glass_trace_note("lsm", "linux.mountLabel",
			                 "SELinux enabled: mounts get context=\"%s\"",
			                 spec->linux_.mount_label);
		}
	}
	return 0;
}

int glass_lsm_apply_exec_label(const struct glass_process *p, bool ignore, struct glass_err **err)
{
	char phase[24];
	int rc = 0;
	snprintf(phase, sizeof(phase), "%s", glass_trace_current_phase());
	glass_trace_phase("security");
	if (p->apparmor_profile && *p->apparmor_profile && glass_lsm_apparmor_enabled()) {
		cleanup_free char *cmd = xasprintf("exec %s", p->apparmor_profile);
		/* Linux 5.8+ has a per-LSM directory; the shared file is the
		 * older interface and is owned by whichever LSM is "major". */
		const char *path = access("/proc/self/attr/apparmor/exec", F_OK) == 0
		                       ? "/proc/self/attr/apparmor/exec"
		                       : "/proc/self/attr/exec";
		rc = glass_sys_write_file(path, cmd, "process.apparmorProfile", err);
		if (rc < 0)
			glass_err_hint(err, "is the profile \"%s\" loaded? (aa-status)",
			               p->apparmor_profile);
	} else if (p->apparmor_profile && *p->apparmor_profile) {
		glass_trace_note("lsm", "process.apparmorProfile",
		                 "skipped: AppArmor not enabled%s", ignore ? " (ignored)" : "");
	}
	if (rc == 0 && p->selinux_label && *p->selinux_label && glass_lsm_selinux_enabled()) {
		rc = glass_sys_write_file("/proc/self/attr/exec", p->selinux_label,
		                          "process.selinuxLabel", err);
	} else if (rc == 0 && p->selinux_label && *p->selinux_label) {
		glass_trace_note("lsm", "process.selinuxLabel", "skipped: SELinux not enabled%s",
		                 ignore ? " (ignored)" : "");
	}
	glass_trace_phase(phase);
	return rc < 0 ? glass_err_ctx(err, "lsm") : 0;
}

char *glass_lsm_mount_data(const struct glass_spec *spec, const char *data)
{
	const char *label = spec ? spec->linux_.mount_label : NULL;
	if (!label || !*label || !glass_lsm_selinux_enabled())
		return data ? xstrdup(data) : NULL;
	if (data && *data)
		return xasprintf("%s,context=\"%s\"", data, label);
	return xasprintf("context=\"%s\"", label);
}

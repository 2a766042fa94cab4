/* spec-features: the features document (features.md, features-linux.md)
 * that `glass-runtime features` prints.
 *
 * It lists what this build recognises (every config value the parser
 * accepts comes from the same tables) and, where the answer depends on
 * the machine, what the host can do: the seccomp actions and filter flags
 * the kernel accepts (libseccomp probes it with seccomp(2)), whether an
 * LSM (AppArmor, SELinux) is there, and whether the kernel has idmapped
 * mounts (mount_setattr(2), Linux 5.12). */
#include "spec-internal.h"
#include "util.h"

#include <ctype.h>
#include <libseccomp.h> /* libseccomp, see libseccomp.h */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static struct json_object *names(const struct spec_name *t)
{
	struct json_object *a = json_object_new_array();

	for (; t->name; t++)
		json_object_array_add(a, json_object_new_string(t->name));
	return a;
}

static struct json_object *enabled(bool on)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "enabled", json_object_new_boolean(on));
	return o;
}

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/* SCMP_ARCH_X86_64 -> "x86_64", libseccomp's name for it. */
static bool seccomp_knows_arch(const char *spec_name)
{
	char lower[32];
	size_t i;
	const char *s = spec_name + strlen("SCMP_ARCH_");

	for (i = 0; s[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)tolower((unsigned char)s[i]);
	lower[i] = '\0';
	return seccomp_arch_resolve_name(lower) != 0;
}

static struct json_object *seccomp_features(void)
{
	struct json_object *o = json_object_new_object();
	struct json_object *archs = json_object_new_array();
	struct json_object *supported = json_object_new_array();
	const struct spec_name *t;
	unsigned api = seccomp_api_get();

	json_object_object_add(o, "enabled", json_object_new_boolean(1));
	json_object_object_add(o, "actions", names(spec_seccomp_actions));
	json_object_object_add(o, "operators", names(spec_seccomp_ops));
	for (t = spec_seccomp_archs; t->name; t++)
		if (seccomp_knows_arch(t->name))
			json_object_array_add(archs, json_object_new_string(t->name));
	json_object_object_add(o, "archs", archs);
	json_object_object_add(o, "knownFlags", names(spec_seccomp_flags));
	/* libseccomp's API levels: 2 = TSYNC, 3 = LOG, 4 = SPEC_ALLOW,
	 * 7 = WAIT_KILLABLE_RECV (each level means the running kernel and the
	 * library both support the flag). */
	if (api >= 2)
		json_object_array_add(supported,
		                      json_object_new_string("SECCOMP_FILTER_FLAG_TSYNC"));
	if (api >= 3)
		json_object_array_add(supported, json_object_new_string("SECCOMP_FILTER_FLAG_LOG"));
	if (api >= 4)
		json_object_array_add(supported,
		                      json_object_new_string("SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
	if (api >= 7)
		json_object_array_add(
		    supported, json_object_new_string("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
	json_object_object_add(o, "supportedFlags", supported);
	return o;
}

char *glass_spec_features_json(const struct glass_features_host *host)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *l = json_object_new_object();
	struct json_object *a, *o;
	const struct scmp_version *v = seccomp_version();
	char *out;
	int i;

	json_object_object_add(doc, "ociVersionMin", json_object_new_string("1.0.0"));
	json_object_object_add(doc, "ociVersionMax", json_object_new_string(GLASS_OCI_VERSION));
	a = json_object_new_array();
	for (const char *const *h =
	         (const char *const[]){"prestart", "createRuntime", "createContainer",
	                               "startContainer", "poststart", "poststop", NULL};
	     *h; h++)
		json_object_array_add(a, json_object_new_string(*h));
	json_object_object_add(doc, "hooks", a);
	json_object_object_add(doc, "mountOptions", names(spec_mount_options));

	a = json_object_new_array();
	for (i = 0; i < GLASS_NS_COUNT; i++)
		json_object_array_add(a, json_object_new_string(glass_ns_name(i)));
	json_object_object_add(l, "namespaces", a);
	a = json_object_new_array();
	for (i = 0; glass_cap_name(i); i++)
		json_object_array_add(a, json_object_new_string(glass_cap_name(i)));
	json_object_object_add(l, "capabilities", a);
	o = json_object_new_object();
	json_object_object_add(o, "v1", json_object_new_boolean(1));
	json_object_object_add(o, "v2", json_object_new_boolean(1));
	json_object_object_add(o, "systemd", json_object_new_boolean(0));
	json_object_object_add(o, "systemdUser", json_object_new_boolean(0));
	json_object_object_add(o, "rdma", json_object_new_boolean(1));
	json_object_object_add(l, "cgroup", o);
	json_object_object_add(l, "seccomp", seccomp_features());
	/* Like runc: a label is only applied when the host runs the LSM
	 * (lsm.c refuses labels otherwise), so report the host's state. */
	json_object_object_add(l, "apparmor", enabled(host->apparmor));
	json_object_object_add(l, "selinux", enabled(host->selinux));
	/* netDevices: moved over netlink (netdev.c).  intelRdt: applied
	 * through resctrl (intelrdt.c) — "enabled" says the runtime knows
	 * the field; a host without resctrl still fails at create. */
	json_object_object_add(l, "intelRdt", enabled(true));
	json_object_object_add(l, "netDevices", enabled(true));
	o = json_object_new_object();
	json_object_object_add(o, "idmap", enabled(kernel_at_least(5, 12)));
	json_object_object_add(l, "mountExtensions", o);
	o = json_object_new_object();
	json_object_object_add(o, "modes", names(spec_mpol_modes));
	json_object_object_add(o, "flags", names(spec_mpol_flags));
	json_object_object_add(l, "memoryPolicy", o);
	json_object_object_add(doc, "linux", l);

	o = json_object_new_object();
	if (v) {
		char ver[48];
		snprintf(ver, sizeof(ver), "%u.%u.%u", v->major, v->minor, v->micro);
		json_object_object_add(o, "io.github.seccomp.libseccomp.version",
		                       json_object_new_string(ver));
	}
	json_object_object_add(doc, "annotations", o);
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string(GLASS_LSM_IGNORE_ANNOTATION));
	json_object_object_add(doc, "potentiallyUnsafeConfigAnnotations", a);

	out = xasprintf("%s\n", json_object_to_json_string_ext(doc, SPEC_JSON_PRETTY));
	json_object_put(doc);
	return out;
}

/* spec-default: the config.json `glass-runtime spec` writes.
 *
 * The same container runc's `runc spec` describes (so the two runtimes
 * can be compared on one bundle): `sh` on a terminal, the three default
 * capabilities, RLIMIT_NOFILE 1024, the classic /proc /dev /dev/pts
 * /dev/shm /dev/mqueue /sys /sys/fs/cgroup mounts, masked and read-only
 * kernel files, and new pid/network/ipc/uts/mount/cgroup namespaces.
 * The rootless variant is `runc spec --rootless`: a user namespace that
 * maps the caller's euid/egid to root, no network namespace (an
 * unprivileged user cannot give it a usable interface), /sys bind-mounted
 * (sysfs cannot be mounted without owning the network namespace), no
 * uid=/gid= mount options (ids outside the map are invalid) and no cgroup
 * mount (cgroup v1 filesystems cannot be mounted from a user namespace). */
#include "spec-internal.h"
#include "util.h"

#include <string.h>
#include <unistd.h>

static struct json_object *strv(const char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (; *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static struct json_object *mount_obj(const char *dest, const char *type, const char *source,
                                     const char *const *opts, bool rootless)
{
	struct json_object *m = json_object_new_object();
	struct json_object *a = json_object_new_array();

	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(source));
	for (; opts && *opts; opts++) {
		if (rootless && (strncmp(*opts, "gid=", 4) == 0 || strncmp(*opts, "uid=", 4) == 0))
			continue;
		json_object_array_add(a, json_object_new_string(*opts));
	}
	if (json_object_array_length(a) > 0)
		json_object_object_add(m, "options", a);
	else
		json_object_put(a);
	return m;
}

static struct json_object *idmap(unsigned id)
{
	struct json_object *a = json_object_new_array();
	struct json_object *m = json_object_new_object();

	json_object_object_add(m, "containerID", json_object_new_int64(0));
	json_object_object_add(m, "hostID", json_object_new_int64(id));
	json_object_object_add(m, "size", json_object_new_int64(1));
	json_object_array_add(a, m);
	return a;
}

struct json_object *glass_spec_default_doc(bool rootless)
{
	static const char *const env[] = {
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
	    NULL};
	static const char *const args[] = {"sh", NULL};
	static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
	                                   NULL};
	static const char *const dev_opts[] = {"nosuid", "strictatime", "mode=755", "size=65536k",
	                                       NULL};
	static const char *const pts_opts[] = {
	    "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL};
	static const char *const shm_opts[] = {"nosuid",    "noexec",      "nodev",
	                                       "mode=1777", "size=65536k", NULL};
	static const char *const mq_opts[] = {"nosuid", "noexec", "nodev", NULL};
	static const char *const sys_opts[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	static const char *const sys_bind_opts[] = {"rbind", "nosuid", "noexec",
	                                            "nodev", "ro",     NULL};
	static const char *const cg_opts[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
	static const char *const masked[] = {"/proc/acpi",          "/proc/asound",
	                                     "/proc/kcore",         "/proc/keys",
	                                     "/proc/latency_stats", "/proc/timer_list",
	                                     "/proc/timer_stats",   "/proc/sched_debug",
	                                     "/sys/firmware",       "/sys/devices/virtual/powercap",
	                                     "/proc/scsi",          NULL};
	static const char *const readonly[] = {
	    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};
	static const char *const ns_root[] = {"pid",   "network", "ipc", "uts",
	                                      "mount", "cgroup",  NULL};
	static const char *const ns_rootless[] = {"pid",    "ipc",  "uts", "mount",
	                                          "cgroup", "user", NULL};
	struct json_object *doc = json_object_new_object();
	struct json_object *o, *p, *l, *a;
	const char *const *ns;

	json_object_object_add(doc, "ociVersion", json_object_new_string(GLASS_OCI_VERSION));

	p = json_object_new_object();
	json_object_object_add(p, "terminal", json_object_new_boolean(1));
	o = json_object_new_object();
	json_object_object_add(o, "uid", json_object_new_int64(0));
	json_object_object_add(o, "gid", json_object_new_int64(0));
	json_object_object_add(p, "user", o);
	json_object_object_add(p, "args", strv(args));
	json_object_object_add(p, "env", strv(env));
	json_object_object_add(p, "cwd", json_object_new_string("/"));
	o = json_object_new_object();
	json_object_object_add(o, "bounding", strv(caps));
	json_object_object_add(o, "effective", strv(caps));
	json_object_object_add(o, "permitted", strv(caps));
	json_object_object_add(p, "capabilities", o);
	a = json_object_new_array();
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("RLIMIT_NOFILE"));
	json_object_object_add(o, "hard", json_object_new_int64(1024));
	json_object_object_add(o, "soft", json_object_new_int64(1024));
	json_object_array_add(a, o);
	json_object_object_add(p, "rlimits", a);
	json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(1));
	json_object_object_add(doc, "process", p);

	o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string("rootfs"));
	json_object_object_add(o, "readonly", json_object_new_boolean(1));
	json_object_object_add(doc, "root", o);
	json_object_object_add(doc, "hostname", json_object_new_string("glass"));

	a = json_object_new_array();
	json_object_array_add(a, mount_obj("/proc", "proc", "proc", NULL, rootless));
	json_object_array_add(a, mount_obj("/dev", "tmpfs", "tmpfs", dev_opts, rootless));
	json_object_array_add(a, mount_obj("/dev/pts", "devpts", "devpts", pts_opts, rootless));
	json_object_array_add(a, mount_obj("/dev/shm", "tmpfs", "shm", shm_opts, rootless));
	json_object_array_add(a, mount_obj("/dev/mqueue", "mqueue", "mqueue", mq_opts, rootless));
	if (rootless) {
		json_object_array_add(a, mount_obj("/sys", "none", "/sys", sys_bind_opts, true));
	} else {
		json_object_array_add(a, mount_obj("/sys", "sysfs", "sysfs", sys_opts, false));
		json_object_array_add(
		    a, mount_obj("/sys/fs/cgroup", "cgroup", "cgroup", cg_opts, false));
	}
	json_object_object_add(doc, "mounts", a);

	l = json_object_new_object();
	if (rootless) {
		json_object_object_add(l, "uidMappings", idmap((unsigned)geteuid()));
		json_object_object_add(l, "gidMappings", idmap((unsigned)getegid()));
	} else {
		/* Deny every device; the runtime adds the default ones back. */
		struct json_object *res = json_object_new_object();
		struct json_object *devs = json_object_new_array();
		o = json_object_new_object();
		json_object_object_add(o, "allow", json_object_new_boolean(0));
		json_object_object_add(o, "access", json_object_new_string("rwm"));
		json_object_array_add(devs, o);
		json_object_object_add(res, "devices", devs);
		json_object_object_add(l, "resources", res);
	}
	a = json_object_new_array();
	for (ns = rootless ? ns_rootless : ns_root; *ns; ns++) {
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string(*ns));
		json_object_array_add(a, o);
	}
	json_object_object_add(l, "namespaces", a);
	json_object_object_add(l, "maskedPaths", strv(masked));
	json_object_object_add(l, "readonlyPaths", strv(readonly));
	json_object_object_add(doc, "linux", l);
	return doc;
}

char *glass_spec_default_json(bool rootless)
{
	struct json_object *doc = glass_spec_default_doc(rootless);
	char *out = xasprintf("%s\n", json_object_to_json_string_ext(doc, SPEC_JSON_PRETTY));
	json_object_put(doc);
	return out;
}

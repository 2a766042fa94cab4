/* Unit tests of spec: the runtime-spec example documents (good ones
 * parse, bad ones are rejected with a path), a table of bad snippets each
 * checked for the exact JSON path it names, every field of a complete
 * config, the name tables, the default spec (`spec`, `spec --rootless`)
 * and the features document (both checked against the spec's JSON
 * schemas when python3-jsonschema is installed).
 *
 * The specs are found through $GLASS_SPECS (the runtime-spec directory's
 * parent), else $GLASS_SRC/../shared/specs, else ../shared/specs next to
 * the checkout this binary was built in. */
#include "lsm.h"
#include "spec.h"
#include "tap.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char specs_dir[PATH_MAX + 64];

static bool find_specs(void)
{
	const char *env = getenv("GLASS_SPECS");
	char exe[PATH_MAX], cand[PATH_MAX + 64];

	_Static_assert(sizeof(specs_dir) >= sizeof(cand), "room for a candidate");
	ssize_t n;
	int up;

	if (env && *env) {
		snprintf(specs_dir, sizeof(specs_dir), "%s", env);
		return true;
	}
	env = getenv("GLASS_SRC");
	if (env && *env) {
		snprintf(cand, sizeof(cand), "%s/../shared/specs/runtime-spec", env);
		if (access(cand, F_OK) == 0) {
			snprintf(specs_dir, sizeof(specs_dir), "%s/../shared/specs", env);
			return true;
		}
	}
	/* BUILD/tests/unit/test-spec -> the checkout is BUILD/.. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (up = 0; up < 4; up++) {
			char *s = strrchr(exe, '/');
			if (s == NULL)
				break;
			*s = '\0';
			snprintf(cand, sizeof(cand), "%s/../shared/specs/runtime-spec", exe);
			if (access(cand, F_OK) == 0) {
				snprintf(specs_dir, sizeof(specs_dir), "%s/../shared/specs", exe);
				return true;
			}
		}
	}
	if (access("../shared/specs/runtime-spec", F_OK) == 0) {
		snprintf(specs_dir, sizeof(specs_dir), "../shared/specs");
		return true;
	}
	return false;
}

static struct glass_spec *parse_str(const char *s, struct glass_err **err)
{
	return glass_spec_parse(s, strlen(s), err);
}

/* ---- the example documents of the runtime-spec repository ---- */

static void test_examples(void)
{
	static const char *const good[] = {"minimal.json", "minimal-for-start.json",
	                                   "spec-example.json", "linux-netdevice.json",
	                                   "linux-rdma.json"};
	static const struct {
		const char *file, *field;
	} bad[] = {
	    {"invalid-json.json", NULL},
	    {"linux-hugepage.json", "linux.resources.hugepageLimits[0].pageSize"},
	    {"linux-netdevice.json", "linux.netDevices.eth0.name"},
	    {"linux-rdma.json", "linux.resources.rdma.mlx5_1.hcaHandles"},
	};
	char path[sizeof(specs_dir) + 128];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct glass_err *err = NULL;
		struct glass_spec *s;
		snprintf(path, sizeof(path), "%s/runtime-spec/schema/test/config/good/%s",
		         specs_dir, good[i]);
		s = glass_spec_load(path, &err);
		TAP_OK(s != NULL, "good/%s parses%s%s", good[i], err ? ": " : "",
		       err ? err->op : "");
		glass_spec_free(s);
		glass_err_free(&err);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct glass_err *err = NULL;
		struct glass_spec *s;
		snprintf(path, sizeof(path), "%s/runtime-spec/schema/test/config/bad/%s", specs_dir,
		         bad[i].file);
		s = glass_spec_load(path, &err);
		TAP_OK(s == NULL && err != NULL, "bad/%s is rejected: %s", bad[i].file,
		       err ? err->op : "(accepted)");
		if (bad[i].field)
			TAP_OK(err && err->field && strcmp(err->field, bad[i].field) == 0,
			       "bad/%s names %s", bad[i].file, bad[i].field);
		else
			TAP_OK(err && strstr(err->op, "line 1, column 2"),
			       "bad/%s reports line and column", bad[i].file);
		glass_spec_free(s);
		glass_err_free(&err);
	}
}

/* ---- bad snippets: each must be rejected naming this exact path ---- */

#define DOC(x)     "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"}," x "}"
#define PROC(x)    DOC("\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]," x "}")
#define LINUX(x)   DOC("\"linux\":{" x "}")
#define RES(x)     LINUX("\"resources\":{" x "}")
#define SECCOMP(x) LINUX("\"seccomp\":{" x "}")
#define RL(t)      "{\"type\":\"" t "\",\"soft\":1,\"hard\":1}"

static const struct bad_case {
	const char *json;
	const char *field; /* NULL: the document itself */
	const char *op;    /* exact op text, or NULL */
} bad_cases[] = {
    {PROC("\"rlimits\":[" RL("RLIMIT_NOFILE") "," RL("RLIMIT_CORE") "," RL("RLIMIT_FOO") "]"),
     "process.rlimits[2].type", "process.rlimits[2].type: unknown rlimit \"RLIMIT_FOO\""},
    {PROC("\"rlimits\":[" RL("RLIMIT_NOFILE") "," RL("RLIMIT_NOFILE") "]"),
     "process.rlimits[1].type", NULL},
    {PROC("\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":1}]"), "process.rlimits[0].hard",
     "process.rlimits[0].hard: required field is missing"},
    {PROC("\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":2,\"hard\":1}]"), "process.rlimits[0]",
     NULL},
    {RES("\"memory\":{\"limit\":\"1g\"}"), "linux.resources.memory.limit",
     "linux.resources.memory.limit: expected integer, got string"},
    {RES("\"memory\":{\"limit\":1.5}"), "linux.resources.memory.limit",
     "linux.resources.memory.limit: expected integer, got number"},
    {RES("\"memory\":{\"reservation\":-2}"), "linux.resources.memory.reservation",
     "linux.resources.memory.reservation: -2 out of range (-1..9223372036854775807)"},
    {RES("\"memory\":{\"swappiness\":101}"), "linux.resources.memory.swappiness", NULL},
    {RES("\"memory\":{\"limit\":1000,\"swap\":10}"), "linux.resources.memory.swap", NULL},
    {LINUX("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"nope\"}]"), "linux.namespaces[1].type",
     "linux.namespaces[1].type: unknown namespace type \"nope\""},
    {LINUX("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]"), "linux.namespaces[1].type",
     NULL},
    {LINUX("\"namespaces\":[{\"type\":\"network\",\"path\":\"proc/1/ns/net\"}]"),
     "linux.namespaces[0].path", NULL},
    {LINUX("\"namespaces\":[{\"path\":\"/proc/1/ns/net\"}]"), "linux.namespaces[0].type", NULL},
    {LINUX("\"namespaces\":{\"type\":\"pid\"}"), "linux.namespaces",
     "linux.namespaces: expected array, got object"},
    {DOC("\"hooks\":{\"prestart\":[{\"path\":\"bin/true\"}]}"), "hooks.prestart[0].path", NULL},
    {DOC("\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\",\"timeout\":0}]}"),
     "hooks.poststop[0].timeout", NULL},
    {DOC("\"hooks\":{\"createRuntime\":[{\"path\":\"/x\"},{\"path\":\"/y\",\"timeout\":-3}]}"),
     "hooks.createRuntime[1].timeout", NULL},
    {DOC("\"hooks\":{\"poststart\":[{\"args\":[]}]}"), "hooks.poststart[0].path", NULL},
    {SECCOMP("\"defaultAction\":\"SCMP_ACT_MAYBE\""), "linux.seccomp.defaultAction", NULL},
    {SECCOMP("\"architectures\":[]"), "linux.seccomp.defaultAction", NULL},
    {SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_Z80\"]"),
     "linux.seccomp.architectures[0]", NULL},
    {SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]"),
     "linux.seccomp.flags[0]", NULL},
    {SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
             "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":"
             "\"SCMP_CMP_LIKE\"}]}]"),
     "linux.seccomp.syscalls[0].args[0].op", NULL},
    {SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
             "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,\"op\":"
             "\"SCMP_CMP_EQ\"}]}]"),
     "linux.seccomp.syscalls[0].args[0].index", NULL},
    {SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],"
             "\"action\":\"SCMP_ACT_ERRNO\"}]"),
     "linux.seccomp.syscalls[0].names", NULL},
    {SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
             "\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":1}]"),
     "linux.seccomp.syscalls[0].errnoRet", NULL},
    {SECCOMP("\"defaultAction\":\"SCMP_ACT_KILL\",\"defaultErrnoRet\":1"),
     "linux.seccomp.defaultErrnoRet", NULL},
    {SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerMetadata\":\"x\""),
     "linux.seccomp.listenerMetadata", NULL},
    {SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
             "\"action\":\"SCMP_ACT_NOTIFY\"}]"),
     "linux.seccomp.listenerPath", NULL},
    {SECCOMP("\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/s\""),
     "linux.seccomp.defaultAction", NULL},
    {LINUX("\"devices\":[{\"type\":\"x\",\"path\":\"/dev/x\",\"major\":1,\"minor\":1}]"),
     "linux.devices[0].type", NULL},
    {LINUX("\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\",\"major\":1}]"),
     "linux.devices[0].minor", NULL},
    {LINUX("\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\",\"major\":1,\"minor\":3,"
           "\"fileMode\":1048576}]"),
     "linux.devices[0].fileMode", NULL},
    {LINUX("\"namespaces\":[{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":0,"
           "\"hostID\":1000,\"size\":0}]"),
     "linux.uidMappings[0].size", NULL},
    {LINUX("\"namespaces\":[{\"type\":\"user\"}],\"gidMappings\":[{\"containerID\":0,"
           "\"size\":1}]"),
     "linux.gidMappings[0].hostID", NULL},
    {LINUX("\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"), "linux.uidMappings",
     NULL},
    {LINUX("\"namespaces\":[{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":0,"
           "\"hostID\":1000,\"size\":10},{\"containerID\":5,\"hostID\":2000,\"size\":1}]"),
     "linux.uidMappings[1]", NULL},
    {LINUX("\"namespaces\":[{\"type\":\"user\"}],\"gidMappings\":[{\"containerID\":0,"
           "\"hostID\":1000,\"size\":10},{\"containerID\":10,\"hostID\":1009,\"size\":1}]"),
     "linux.gidMappings[1]", NULL},
    {DOC("\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":7,\"gid\":0}},"
         "\"linux\":{\"namespaces\":[{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":0,"
         "\"hostID\":1000,\"size\":1}],\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,"
         "\"size\":1}]}"),
     "process.user.uid", "process.user.uid: 7 is not mapped by linux.uidMappings"},
    {DOC("\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0,"
         "\"additionalGids\":[0,5]}},\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
         "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],\"gidMappings\":"
         "[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}"),
     "process.user.additionalGids[1]", NULL},
    {RES("\"hugepageLimits\":[{\"pageSize\":\"2M\",\"limit\":1}]"),
     "linux.resources.hugepageLimits[0].pageSize", NULL},
    {RES("\"hugepageLimits\":[{\"pageSize\":\"02MB\",\"limit\":1}]"),
     "linux.resources.hugepageLimits[0].pageSize", NULL},
    {LINUX("\"netDevices\":{\"eth0\":{\"name\":\"a_very_long_name_x\"}}"),
     "linux.netDevices.eth0.name", NULL},
    {LINUX("\"netDevices\":{\"eth0\":{\"name\":\"a/b\"}}"), "linux.netDevices.eth0.name", NULL},
    {LINUX("\"netDevices\":{\"..\":{}}"), "linux.netDevices...", NULL},
    {LINUX("\"netDevices\":{\"eth0\":{\"name\":\"c0\"},\"eth1\":{\"name\":\"c0\"}}"),
     "linux.netDevices.eth1.name", NULL},
    {PROC("\"scheduler\":{\"policy\":\"SCHED_FAST\"}"), "process.scheduler.policy", NULL},
    {PROC("\"scheduler\":{\"nice\":1}"), "process.scheduler.policy", NULL},
    {PROC("\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"flags\":[\"SCHED_FLAG_X\"]}"),
     "process.scheduler.flags[0]", NULL},
    {PROC("\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"nice\":20}"), "process.scheduler.nice",
     NULL},
    {PROC("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_FAST\",\"priority\":0}"),
     "process.ioPriority.class", NULL},
    {PROC("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":8}"),
     "process.ioPriority.priority", NULL},
    {PROC("\"execCPUAffinity\":{\"initial\":\"0-3;7\"}"), "process.execCPUAffinity.initial", NULL},
    {LINUX("\"memoryPolicy\":{\"mode\":\"MPOL_RANDOM\"}"), "linux.memoryPolicy.mode", NULL},
    {LINUX("\"memoryPolicy\":{\"mode\":\"MPOL_BIND\",\"nodes\":\"0\",\"flags\":[\"MPOL_F_X\"]}"),
     "linux.memoryPolicy.flags[0]", NULL},
    {LINUX("\"memoryPolicy\":{\"mode\":\"MPOL_BIND\"}"), "linux.memoryPolicy.nodes", NULL},
    {LINUX("\"memoryPolicy\":{\"mode\":\"MPOL_LOCAL\",\"nodes\":\"0-1\"}"),
     "linux.memoryPolicy.nodes", NULL},
    {LINUX("\"memoryPolicy\":{\"mode\":\"MPOL_BIND\",\"nodes\":\"1-0\"}"),
     "linux.memoryPolicy.nodes", NULL},
    {LINUX("\"personality\":{\"domain\":\"LINUX64\"}"), "linux.personality.domain", NULL},
    {LINUX("\"personality\":{\"domain\":\"LINUX\",\"flags\":[\"ADDR_NO_RANDOMIZE\"]}"),
     "linux.personality.flags[0]", NULL},
    {LINUX("\"namespaces\":[{\"type\":\"time\"}],\"timeOffsets\":{\"realtime\":{\"secs\":1}}"),
     "linux.timeOffsets.realtime", NULL},
    {LINUX("\"namespaces\":[{\"type\":\"time\"}],\"timeOffsets\":{\"monotonic\":{"
           "\"nanosecs\":1000000000}}"),
     "linux.timeOffsets.monotonic.nanosecs", NULL},
    {LINUX("\"timeOffsets\":{\"boottime\":{\"secs\":1}}"), "linux.timeOffsets", NULL},
    {"{\"root\":{\"path\":\"rootfs\"}}", "ociVersion", NULL},
    {"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"rootfs\"}}", "ociVersion", NULL},
    {"{\"ociVersion\":\"2.0.0\",\"root\":{\"path\":\"rootfs\"}}", "ociVersion", NULL},
    {"{\"ociVersion\":\"1.0.0\",\"root\":{}}", "root.path", NULL},
    {"{\"ociVersion\":\"1.0.0\"}", "root", NULL},
    {DOC("\"process\":{\"cwd\":\"tmp\",\"args\":[\"sh\"]}"), "process.cwd", NULL},
    {DOC("\"process\":{\"args\":[\"sh\"]}"), "process.cwd", NULL},
    {DOC("\"process\":{\"cwd\":\"/\",\"args\":[]}"), "process.args", NULL},
    {DOC("\"process\":{\"cwd\":\"/\",\"args\":[\"sh\",3]}"), "process.args[1]",
     "process.args[1]: expected string, got integer"},
    {PROC("\"user\":{\"uid\":4294967296,\"gid\":0}"), "process.user.uid", NULL},
    {PROC("\"user\":{\"uid\":-1,\"gid\":0}"), "process.user.uid", NULL},
    {PROC("\"user\":{\"uid\":4294967295,\"gid\":0}"), "process.user.uid",
     "process.user.uid: 4294967295 out of range (0..2147483647)"},
    {PROC("\"user\":{\"uid\":0,\"gid\":2147483648}"), "process.user.gid", NULL},
    {PROC("\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[1,4294967295]}"),
     "process.user.additionalGids[1]", NULL},
    {PROC("\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[1,\"x\"]}"),
     "process.user.additionalGids[1]", NULL},
    {PROC("\"user\":{\"uid\":0,\"gid\":0,\"umask\":1000}"), "process.user.umask", NULL},
    {PROC("\"terminal\":\"yes\""), "process.terminal", NULL},
    {PROC("\"env\":[\"A=1\",\"JUSTANAME\"]"), "process.env[1]", NULL},
    {PROC("\"env\":[\"=x\"]"), "process.env[0]", NULL},
    {DOC("\"mounts\":[{\"destination\":\"/a\\u0000/b\"}]"), "mounts[0].destination",
     "mounts[0].destination: must not contain a NUL character"},
    {PROC("\"oomScoreAdj\":1001"), "process.oomScoreAdj", NULL},
    {PROC("\"consoleSize\":{\"height\":10}"), "process.consoleSize.width", NULL},
    {DOC("\"mounts\":[{\"type\":\"tmpfs\"}]"), "mounts[0].destination", NULL},
    {DOC("\"mounts\":[{\"destination\":\"/a\",\"options\":\"ro\"}]"), "mounts[0].options", NULL},
    {DOC("\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[{\"containerID\":0,"
         "\"hostID\":1,\"size\":1}]}]"),
     "mounts[0].gidMappings", NULL},
    {DOC("\"annotations\":{\"foo\":1}"), "annotations.foo", NULL},
    {DOC("\"annotations\":{\"\":\"x\"}"), "annotations", NULL},
    {LINUX("\"namespaces\":[{\"type\":\"pid\"}]},\"hostname\":\"h\",\"x\":{"), "hostname", NULL},
    {LINUX("\"rootfsPropagation\":\"rmaybe\""), "linux.rootfsPropagation", NULL},
    {LINUX("\"maskedPaths\":[\"/proc/kcore\",\"proc/keys\"]"), "linux.maskedPaths[1]", NULL},
    {LINUX("\"readonlyPaths\":[\"sys\"]"), "linux.readonlyPaths[0]", NULL},
    {LINUX("\"sysctl\":{\"net.ipv4.ip_forward\":1}"), "linux.sysctl.net.ipv4.ip_forward", NULL},
    {LINUX("\"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"../../sysrq-trigger\":\"b\"}"),
     "linux.sysctl.../../sysrq-trigger", NULL},
    {LINUX("\"sysctl\":{\"kernel..x\":\"1\"}"), "linux.sysctl.kernel..x", NULL},
    {LINUX("\"sysctl\":{\"kernel.\":\"1\"}"), "linux.sysctl.kernel.", NULL},
    {RES("\"blockIO\":{\"weight\":65536}"), "linux.resources.blockIO.weight", NULL},
    {RES("\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0}]}"),
     "linux.resources.blockIO.weightDevice[0]", NULL},
    {RES("\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0}]}"),
     "linux.resources.blockIO.throttleReadBpsDevice[0].rate", NULL},
    {RES("\"rdma\":{\"mlx5_1\":{}}"), "linux.resources.rdma.mlx5_1", NULL},
    {RES("\"unified\":{\"../../escape\":\"1\"}"), "linux.resources.unified.../../escape", NULL},
    {RES("\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]"), "linux.resources.devices[0].access",
     NULL},
    {RES("\"devices\":[{\"allow\":true,\"type\":\"p\"}]"), "linux.resources.devices[0].type", NULL},
    {RES("\"devices\":[{\"access\":\"r\"}]"), "linux.resources.devices[0].allow", NULL},
    {RES("\"pids\":{\"limit\":\"max\"}"), "linux.resources.pids.limit", NULL},
    {RES("\"cpu\":{\"idle\":2}"), "linux.resources.cpu.idle", NULL},
    {RES("\"cpu\":{\"quota\":1000,\"burst\":2000}"), "linux.resources.cpu.burst", NULL},
    {RES("\"cpu\":{\"cpus\":\"0-3,a\"}"), "linux.resources.cpu.cpus", NULL},
    {RES("\"cpu\":{\"shares\":-1}"), "linux.resources.cpu.shares", NULL},
    {RES("\"network\":{\"priorities\":[{\"name\":\"eth0\"}]}"),
     "linux.resources.network.priorities[0].priority", NULL},
    {LINUX("\"intelRdt\":{\"memBwSchema\":\"L3:0=ff\"}"), "linux.intelRdt.memBwSchema", NULL},
    {LINUX("\"intelRdt\":{\"closID\":\"a/b\"}"), "linux.intelRdt.closID", NULL},
    {LINUX("\"intelRdt\":{\"schemata\":[\"L3:0=f\\nMB:0=1\"]}"), "linux.intelRdt.schemata[0]",
     NULL},
    {"[1,2]", NULL, "config: expected object, got array"},
};

static void test_bad_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct glass_err *err = NULL;
		struct glass_spec *s = parse_str(c->json, &err);
		bool ok = s == NULL && err != NULL;

		if (ok && c->field)
			ok = err->field && strcmp(err->field, c->field) == 0 &&
			     strncmp(err->op, c->field, strlen(c->field)) == 0;
		if (ok && !c->field)
			ok = err->field == NULL;
		if (ok && c->op)
			ok = strcmp(err->op, c->op) == 0;
		TAP_OK(ok, "bad %s: %s", c->field ? c->field : "(document)",
		       err ? err->op : "(accepted)");
		if (!ok && err)
			printf("#   field=%s\n", err->field ? err->field : "(null)");
		glass_spec_free(s);
		glass_err_free(&err);
	}
}

/* ---- a config with every Linux field, and what the structs hold ---- */

static const char full_json[] =
    "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"/r\",\"readonly\":true},"
    "\"hostname\":\"h\",\"domainname\":\"d.test\",\"unknownTopLevel\":{\"x\":[1]},"
    "\"mounts\":[{\"destination\":\"/m\",\"type\":\"bind\",\"source\":\"/src\","
    "\"options\":[\"rbind\",\"idmap\"],\"uidMappings\":[{\"containerID\":0,\"hostID\":100,"
    "\"size\":10}],\"gidMappings\":[{\"containerID\":0,\"hostID\":200,\"size\":20}]},"
    "{\"destination\":\"relative\"}],"
    "\"process\":{\"terminal\":true,\"consoleSize\":{\"height\":24,\"width\":80},"
    "\"user\":{\"uid\":1,\"gid\":2,\"umask\":18,\"additionalGids\":[3,4]},"
    "\"args\":[\"/bin/sh\",\"-c\",\"true\"],\"env\":[\"A=1\"],\"cwd\":\"/w\","
    "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_CHECKPOINT_RESTORE\"],"
    "\"effective\":[],\"ambient\":[\"CAP_BPF\"]},"
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":18446744073709551615}],"
    "\"noNewPrivileges\":true,\"apparmorProfile\":\"ap\",\"selinuxLabel\":\"sl\","
    "\"oomScoreAdj\":-500,"
    "\"scheduler\":{\"policy\":\"SCHED_DEADLINE\",\"nice\":-2,\"priority\":3,"
    "\"flags\":[\"SCHED_FLAG_RESET_ON_FORK\",\"SCHED_FLAG_DL_OVERRUN\"],\"runtime\":1000,"
    "\"deadline\":2000,\"period\":3000},"
    "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\",\"priority\":7},"
    "\"execCPUAffinity\":{\"initial\":\"0\",\"final\":\"0-1, 3\"}},"
    "\"hooks\":{\"prestart\":[{\"path\":\"/p\"}],\"createRuntime\":[{\"path\":\"/cr\","
    "\"args\":[\"cr\",\"x\"],\"env\":[\"E=1\"],\"timeout\":5}],\"createContainer\":[{\"path\":"
    "\"/cc\"}],\"startContainer\":[{\"path\":\"/sc\"}],\"poststart\":[{\"path\":\"/ps\"}],"
    "\"poststop\":[{\"path\":\"/po\"},{\"path\":\"/po2\"}]},"
    "\"annotations\":{\"a\":\"1\",\"b\":\"2\"},"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":"
    "\"/proc/1/ns/net\"},{\"type\":\"mount\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
    "{\"type\":\"user\"},{\"type\":\"cgroup\"},{\"type\":\"time\"}],"
    "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":65536}],"
    "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":65536}],"
    "\"timeOffsets\":{\"monotonic\":{\"secs\":-5,\"nanosecs\":7},\"boottime\":{\"secs\":9}},"
    "\"devices\":[{\"type\":\"c\",\"path\":\"/dev/fuse\",\"major\":10,\"minor\":229,"
    "\"fileMode\":8630,\"uid\":0,\"gid\":5},{\"type\":\"p\",\"path\":\"/dev/fifo\"}],"
    "\"netDevices\":{\"eth0\":{\"name\":\"ceth0\"},\"ens4\":{}},"
    "\"cgroupsPath\":\"/glass-test/c\",\"rootfsPropagation\":\"rslave\","
    "\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,"
    "\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}],"
    "\"memory\":{\"limit\":1048576,\"reservation\":1024,\"swap\":-1,\"kernel\":-1,"
    "\"kernelTCP\":5,\"swappiness\":60,\"disableOOMKiller\":true,\"useHierarchy\":true,"
    "\"checkBeforeUpdate\":true},"
    "\"cpu\":{\"shares\":512,\"quota\":50000,\"burst\":1000,\"period\":100000,"
    "\"realtimeRuntime\":10,\"realtimePeriod\":20,\"cpus\":\"0-1\",\"mems\":\"0\",\"idle\":1},"
    "\"pids\":{\"limit\":-1},"
    "\"blockIO\":{\"weight\":500,\"leafWeight\":300,\"weightDevice\":[{\"major\":8,"
    "\"minor\":0,\"weight\":100}],\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
    "\"rate\":1}],\"throttleWriteBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":2}],"
    "\"throttleReadIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":3}],"
    "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,\"rate\":4}]},"
    "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304},{\"pageSize\":\"1GB\","
    "\"limit\":0}],"
    "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]},"
    "\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3,\"hcaObjects\":10000}},"
    "\"unified\":{\"memory.high\":\"max\"}},"
    "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
    "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_RISCV64\"],"
    "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],"
    "\"listenerPath\":\"/run/agent.sock\",\"listenerMetadata\":\"meta\","
    "\"syscalls\":[{\"names\":[\"read\",\"no_such_syscall_at_all\"],\"action\":"
    "\"SCMP_ACT_ALLOW\"},{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\","
    "\"errnoRet\":1,\"args\":[{\"index\":0,\"value\":8,\"valueTwo\":9,\"op\":"
    "\"SCMP_CMP_MASKED_EQ\"}]},{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]},"
    "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},"
    "\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\",\"/proc/bus\"],"
    "\"mountLabel\":\"ml\","
    "\"intelRdt\":{\"closID\":\"c1\",\"l3CacheSchema\":\"L3:0=f\",\"memBwSchema\":\"MB:0=20\","
    "\"schemata\":[\"L2:0=3\"],\"enableMonitoring\":true},"
    "\"memoryPolicy\":{\"mode\":\"MPOL_INTERLEAVE\",\"nodes\":\"0-1,3\",\"flags\":"
    "[\"MPOL_F_STATIC_NODES\"]},"
    "\"personality\":{\"domain\":\"LINUX32\",\"flags\":[]}}}";

static void test_full(void)
{
	struct glass_err *err = NULL;
	struct glass_spec *s = parse_str(full_json, &err);
	const struct glass_process *p;
	const struct glass_linux *l;
	const struct glass_resources *r;

	TAP_OK(s != NULL, "the complete config parses%s%s", err ? ": " : "", err ? err->op : "");
	if (s == NULL) {
		glass_err_free(&err);
		return;
	}
	p = &s->process;
	l = &s->linux_;
	r = &l->resources;
	TAP_OK(strcmp(s->oci_version, "1.3.0") == 0 && strcmp(s->root_path, "/r") == 0 &&
	           s->root_readonly && strcmp(s->hostname, "h") == 0 &&
	           strcmp(s->domainname, "d.test") == 0 && s->has_linux && s->json,
	       "top level: ociVersion, root, hostname, domainname");
	TAP_OK(s->nmounts == 2 && strcmp(s->mounts[0].destination, "/m") == 0 &&
	           strcmp(s->mounts[0].type, "bind") == 0 &&
	           strcmp(s->mounts[0].source, "/src") == 0 && s->mounts[0].noptions == 2 &&
	           strcmp(s->mounts[0].options[1], "idmap") == 0 &&
	           s->mounts[0].nuid_mappings == 1 && s->mounts[0].uid_mappings[0].host_id == 100 &&
	           s->mounts[0].gid_mappings[0].size == 20 && s->mounts[1].type == NULL &&
	           s->mounts[1].source == NULL && s->mounts[1].options == NULL &&
	           !s->mounts[0].relative_destination && s->mounts[1].relative_destination &&
	           strcmp(s->mounts[1].destination, "/relative") == 0,
	       "mounts incl. idmapped mounts and a deprecated relative destination");
	TAP_OK(p->present && p->terminal && p->has_console_size && p->console_size.height == 24 &&
	           p->console_size.width == 80,
	       "process.terminal, consoleSize");
	TAP_OK(p->user.uid == 1 && p->user.gid == 2 && p->user.has_umask && p->user.umask == 18 &&
	           p->user.nadditional_gids == 2 && p->user.additional_gids[1] == 4,
	       "process.user with umask and additionalGids");
	TAP_OK(p->nargs == 3 && strcmp(p->args[2], "true") == 0 && p->args[3] == NULL &&
	           p->nenv == 1 && strcmp(p->env[0], "A=1") == 0 && strcmp(p->cwd, "/w") == 0,
	       "process.args (NULL-terminated), env, cwd");
	TAP_OK(p->has_caps && p->caps.has_bounding && p->caps.nbounding == 2 &&
	           p->caps.bounding[1] == 40 && p->caps.has_effective && p->caps.neffective == 0 &&
	           !p->caps.has_permitted && !p->caps.has_inheritable && p->caps.nambient == 1 &&
	           p->caps.ambient[0] == 39,
	       "capabilities: given, empty and absent sets are told apart");
	TAP_OK(p->nrlimits == 1 && p->rlimits[0].resource == RLIMIT_NOFILE &&
	           p->rlimits[0].soft == 10 && p->rlimits[0].hard == UINT64_MAX &&
	           strcmp(p->rlimits[0].type, "RLIMIT_NOFILE") == 0,
	       "rlimits with a uint64 hard limit (RLIM_INFINITY)");
	TAP_OK(p->no_new_privileges && strcmp(p->apparmor_profile, "ap") == 0 &&
	           strcmp(p->selinux_label, "sl") == 0 && p->has_oom_score_adj &&
	           p->oom_score_adj == -500,
	       "noNewPrivileges, apparmorProfile, selinuxLabel, oomScoreAdj");
	TAP_OK(p->scheduler.present && p->scheduler.policy == 6 /* SCHED_DEADLINE */ &&
	           p->scheduler.nice == -2 && p->scheduler.priority == 3 &&
	           p->scheduler.flags == 0x05 && p->scheduler.runtime == 1000 &&
	           p->scheduler.deadline == 2000 && p->scheduler.period == 3000,
	       "process.scheduler");
	TAP_OK(p->io_priority.present && p->io_priority.klass == 3 && p->io_priority.priority == 7,
	       "process.ioPriority");
	TAP_OK(strcmp(p->exec_cpu_affinity.initial, "0") == 0 &&
	           strcmp(p->exec_cpu_affinity.final, "0-1, 3") == 0,
	       "process.execCPUAffinity");
	TAP_OK(s->nhooks[GLASS_HOOK_PRESTART] == 1 && s->nhooks[GLASS_HOOK_POSTSTOP] == 2 &&
	           s->nhooks[GLASS_HOOK_START_CONTAINER] == 1 &&
	           s->hooks[GLASS_HOOK_CREATE_RUNTIME][0].has_timeout &&
	           s->hooks[GLASS_HOOK_CREATE_RUNTIME][0].timeout == 5 &&
	           s->hooks[GLASS_HOOK_CREATE_RUNTIME][0].nargs == 2 &&
	           s->hooks[GLASS_HOOK_CREATE_RUNTIME][0].nenv == 1 &&
	           !s->hooks[GLASS_HOOK_PRESTART][0].has_timeout &&
	           strcmp(s->hooks[GLASS_HOOK_POSTSTOP][1].path, "/po2") == 0,
	       "hooks: all six kinds, args, env, timeout");
	TAP_OK(s->nannotations == 2, "annotations");
	TAP_OK(l->ns[GLASS_NS_PID].present && !l->ns[GLASS_NS_PID].path &&
	           strcmp(l->ns[GLASS_NS_NET].path, "/proc/1/ns/net") == 0 &&
	           l->ns[GLASS_NS_TIME].present && l->ns[GLASS_NS_USER].present,
	       "linux.namespaces: new and joined");
	TAP_OK(l->nuid_mappings == 1 && l->uid_mappings[0].host_id == 1000 &&
	           l->gid_mappings[0].size == 65536,
	       "linux.uidMappings, gidMappings");
	TAP_OK(l->time_monotonic.present && l->time_monotonic.secs == -5 &&
	           l->time_monotonic.nanosecs == 7 && l->time_boottime.secs == 9,
	       "linux.timeOffsets");
	TAP_OK(l->ndevices == 2 && l->devices[0].type == 'c' && l->devices[0].major == 10 &&
	           l->devices[0].has_file_mode && l->devices[0].file_mode == 0666 &&
	           l->devices[0].gid == 5 && l->devices[0].file_mode_dropped == 020000 &&
	           l->devices[1].type == 'p' && !l->devices[1].has_file_mode,
	       "linux.devices");
	TAP_OK(l->nnet_devices == 2 && l->net_devices[0].host_name && l->net_devices[1].host_name,
	       "linux.netDevices");
	TAP_OK(strcmp(l->cgroups_path, "/glass-test/c") == 0 &&
	           strcmp(l->rootfs_propagation, "rslave") == 0,
	       "cgroupsPath, rootfsPropagation (recursive spelling)");
	TAP_OK(r->present && r->ndevices == 2 && !r->devices[0].allow &&
	           r->devices[0].type == 'a' && r->devices[0].major == -1 &&
	           r->devices[1].type == 'c' && r->devices[1].minor == 3,
	       "resources.devices (absent type = a, absent numbers = -1)");
	TAP_OK(r->memory.has_limit && r->memory.limit == 1048576 && r->memory.swap == -1 &&
	           r->memory.has_kernel_tcp && r->memory.swappiness == 60 &&
	           r->memory.disable_oom_killer && r->memory.use_hierarchy &&
	           r->memory.check_before_update,
	       "resources.memory");
	TAP_OK(r->cpu.shares == 512 && r->cpu.quota == 50000 && r->cpu.has_burst &&
	           r->cpu.burst == 1000 && r->cpu.period == 100000 &&
	           r->cpu.realtime_runtime == 10 && r->cpu.realtime_period == 20 &&
	           r->cpu.has_idle && r->cpu.idle == 1 && strcmp(r->cpu.cpus, "0-1") == 0,
	       "resources.cpu incl. burst, idle, realtime");
	TAP_OK(r->pids.has_limit && r->pids.limit == -1, "resources.pids");
	TAP_OK(r->block_io.weight == 500 && r->block_io.leaf_weight == 300 &&
	           r->block_io.nweight_device == 1 && r->block_io.weight_device[0].has_weight &&
	           !r->block_io.weight_device[0].has_leaf_weight &&
	           r->block_io.throttle_write_iops[0].minor == 16 &&
	           r->block_io.throttle_read_iops[0].rate == 3,
	       "resources.blockIO");
	TAP_OK(r->nhugepage_limits == 2 && strcmp(r->hugepage_limits[1].page_size, "1GB") == 0,
	       "resources.hugepageLimits");
	TAP_OK(r->network.has_class_id && r->network.class_id == 1048577 &&
	           r->network.npriorities == 1 && r->network.priorities[0].priority == 5,
	       "resources.network");
	TAP_OK(r->nrdma == 1 && strcmp(r->rdma[0].device, "mlx5_1") == 0 &&
	           r->rdma[0].has_hca_handles && r->rdma[0].hca_handles == 3 &&
	           r->rdma[0].has_hca_objects && r->rdma[0].hca_objects == 10000,
	       "resources.rdma: typed, %s", r->nrdma ? r->rdma[0].device : "none");
	TAP_OK(r->nunified == 1 && strcmp(r->unified[0].value, "max") == 0, "resources.unified");
	TAP_OK(l->seccomp.present && l->seccomp.has_default_errno_ret &&
	           l->seccomp.default_errno_ret == 38 && l->seccomp.narchitectures == 2 &&
	           l->seccomp.nflags == 2 && strcmp(l->seccomp.listener_metadata, "meta") == 0 &&
	           l->seccomp.nsyscalls == 3 && l->seccomp.syscalls[0].nnames == 2 &&
	           l->seccomp.syscalls[1].has_errno_ret &&
	           l->seccomp.syscalls[1].args[0].value_two == 9 &&
	           strcmp(l->seccomp.syscalls[1].args[0].op, "SCMP_CMP_MASKED_EQ") == 0,
	       "seccomp: whole object; an unknown syscall name is accepted");
	TAP_OK(l->nsysctl == 1 && l->nmasked_paths == 1 && l->nreadonly_paths == 2 &&
	           strcmp(l->mount_label, "ml") == 0,
	       "sysctl, maskedPaths, readonlyPaths, mountLabel");
	TAP_OK(l->intel_rdt.present && strcmp(l->intel_rdt.clos_id, "c1") == 0 &&
	           l->intel_rdt.nschemata == 1 && l->intel_rdt.enable_monitoring,
	       "intelRdt");
	TAP_OK(l->memory_policy.present && l->memory_policy.mode == 3 &&
	           l->memory_policy.flags == (1u << 15) &&
	           strcmp(l->memory_policy.nodes, "0-1,3") == 0,
	       "memoryPolicy");
	TAP_OK(l->personality.present && strcmp(l->personality.domain, "LINUX32") == 0,
	       "personality");
	glass_spec_free(s);
}

static void test_absent(void)
{
	struct glass_err *err = NULL;
	struct glass_spec *s =
	    parse_str(DOC("\"process\":{\"cwd\":\"/\",\"args\":[\"a\"],\"user\":{\"uid\":0,"
	                  "\"gid\":0}},\"linux\":null,\"hostname\":null"),
	              &err);

	TAP_OK(s && !s->has_linux && !s->process.has_oom_score_adj && !s->process.user.has_umask &&
	           !s->process.has_caps && !s->process.scheduler.present && s->hostname == NULL &&
	           s->nmounts == 0,
	       "absent and null fields stay unset");
	glass_spec_free(s);
	glass_err_free(&err);
}

static void test_malformed(void)
{
	static const struct {
		const char *text, *where;
	} cases[] = {
	    {"{\n  \"ociVersion\": \"1.0.0\",\n  \"root\": {\"path\": \"r\"},,\n}", "line 3"},
	    {"{\"ociVersion\":\"1.0.0\"", "line 1"},
	    {"", "line 1, column 1"},
	    {"{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}} trailing", "column 44"},
	    {"{\n\"a\": tru\n}", "line 2"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct glass_err *err = NULL;
		struct glass_spec *s = parse_str(cases[i].text, &err);
		TAP_OK(s == NULL && err && strstr(err->op, "malformed JSON") &&
		           strstr(err->op, cases[i].where),
		       "malformed JSON %zu reported at %s: %s", i, cases[i].where,
		       err ? err->op : "(accepted)");
		glass_spec_free(s);
		glass_err_free(&err);
	}
}

static void test_overflow(void)
{
	struct glass_err *err = NULL;
	struct glass_spec *s =
	    parse_str(DOC("\"annotations\":{\"a\":\"1e99 \\\" 99999999999999999999999\"},\n"
	                  "\"linux\":{\"resources\":{\"memory\":{\"limit\":"
	                  "99999999999999999999999}}}"),
	              &err);

	TAP_OK(s == NULL && err && err->errnum == 0 && strstr(err->op, "line 2, column 41"),
	       "an integer beyond 64 bits is an error, not clamped: %s", err ? err->op : "");
	glass_err_free(&err);
	s = parse_str(PROC("\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":"
	                   "18446744073709551615,\"hard\":18446744073709551615}]"),
	              &err);
	TAP_OK(s && s->process.rlimits[0].soft == UINT64_MAX, "UINT64_MAX itself is accepted");
	glass_spec_free(s);
	glass_err_free(&err);
}

static void test_load_missing(void)
{
	struct glass_err *err = NULL;
	struct glass_spec *s = glass_spec_load("/nonexistent/bundle/config.json", &err);

	TAP_OK(s == NULL && err && err->errnum == ENOENT &&
	           strstr(err->op, "/nonexistent/bundle") && err->hint && strstr(err->hint, "spec"),
	       "a missing config.json names the path and hints at `spec`");
	glass_err_free(&err);
}

static void test_process_json(void)
{
	static const char ok[] = "{\"cwd\":\"/tmp\",\"args\":[\"ls\",\"-l\"],\"env\":[\"X=1\"],"
	                         "\"user\":{\"uid\":5,\"gid\":6},\"terminal\":false,"
	                         "\"capabilities\":{\"bounding\":[\"CAP_KILL\"]}}";
	static const char bad[] = "{\"cwd\":\"/\",\"args\":[\"ls\"],\"rlimits\":[{\"type\":"
	                          "\"RLIMIT_X\",\"soft\":1,\"hard\":1}]}";
	struct glass_process p;
	struct glass_err *err = NULL;

	TAP_OK(glass_spec_parse_process(ok, strlen(ok), &p, &err) == 0 && p.present &&
	           p.nargs == 2 && p.user.uid == 5 && strcmp(p.cwd, "/tmp") == 0 &&
	           p.caps.nbounding == 1 && p.caps.bounding[0] == 5,
	       "a process.json parses alone");
	glass_process_clear(&p);
	TAP_OK(p.args == NULL && p.nargs == 0, "glass_process_clear resets the struct");
	TAP_OK(glass_spec_parse_process(bad, strlen(bad), &p, &err) == -1 && err &&
	           strcmp(err->field, "rlimits[0].type") == 0,
	       "a bad process.json names the path: %s", err ? err->op : "");
	glass_err_free(&err);
	TAP_OK(glass_spec_parse_process("{", 1, &p, &err) == -1 && err &&
	           strstr(err->op, "process.json: malformed JSON"),
	       "a malformed process.json is an error");
	glass_err_free(&err);
}

/* exec's --user and --additional-gids: ids of 0..2^31-1 only (-1 would
 * leave the process root). */
static void test_user_arg(void)
{
	static const struct {
		const char *arg;
		int rc;
		uint32_t uid, gid;
		bool has_gid;
	} cases[] = {
	    {"1000", 0, 1000, 0, false},
	    {"0:5", 0, 0, 5, true},
	    {"2147483647", 0, 2147483647, 0, false},
	    {"2147483648", -1, 0, 0, false},
	    {"4294967295", -1, 0, 0, false},
	    {"-1", -1, 0, 0, false},
	    {"1000:4294967295", -1, 0, 0, false},
	    {"1000:-1", -1, 0, 0, false},
	    {"", -1, 0, 0, false},
	    {"1000:", -1, 0, 0, false},
	    {"x", -1, 0, 0, false},
	    {"1:2:3", -1, 0, 0, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct glass_err *err = NULL;
		uint32_t uid = 0, gid = 0;
		bool has_gid = false;
		int rc =
		    glass_spec_parse_user_arg(cases[i].arg, "--user", &uid, &gid, &has_gid, &err);
		TAP_OK(rc == cases[i].rc && (rc < 0 ? err && strcmp(err->field, "--user") == 0
		                                    : uid == cases[i].uid && gid == cases[i].gid &&
		                                          has_gid == cases[i].has_gid),
		       "--user %s: %s", cases[i].arg, rc < 0 ? "refused" : "accepted");
		glass_err_free(&err);
	}
	uint32_t g = 0;
	struct glass_err *err = NULL;
	TAP_OK(glass_spec_parse_id_arg("4294967295", "--additional-gids", &g, &err) < 0 && err,
	       "--additional-gids 4294967295 refused");
	glass_err_free(&err);
	TAP_OK(glass_spec_parse_id_arg("100000", "--additional-gids", &g, &err) == 0 && g == 100000,
	       "--additional-gids 100000 accepted");
}

/* runc and crun skip a capability name they do not know, with a warning:
 * a config from a newer kernel's world still runs. */
static void test_unknown_caps(void)
{
	struct glass_err *err = NULL;
	struct glass_spec *s = glass_spec_parse(
	    PROC("\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_FLY\"],"
	         "\"ambient\":[\"kill\"]}"),
	    strlen(PROC("\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_FLY\"],"
	                "\"ambient\":[\"kill\"]}")),
	    &err);
	TAP_OK(s && s->process.caps.nbounding == 1 && s->process.caps.bounding[0] == 5 &&
	           s->process.caps.has_ambient && s->process.caps.nambient == 0,
	       "unknown capability names are skipped, the known ones kept");
	TAP_OK(s && s->process.caps.unknown &&
	           strcmp(s->process.caps.unknown,
	                  "bounding[1] \"CAP_FLY\", ambient[0] \"kill\"") == 0,
	       "the skipped names are kept for the warning, with their fields");
	glass_spec_free(s);
	glass_err_free(&err);
}

static void test_names(void)
{
	int i, bad = 0;

	for (i = 0; i <= 40; i++)
		if (glass_cap_name(i) == NULL || glass_cap_from_name(glass_cap_name(i)) != i)
			bad++;
	TAP_OK(bad == 0 && glass_cap_name(41) == NULL && glass_cap_name(-1) == NULL &&
	           glass_cap_from_name("CAP_NOPE") == -1 && glass_cap_from_name(NULL) == -1,
	       "capability names round-trip 0..40");
	TAP_OK(glass_cap_from_name("CAP_SYS_ADMIN") == 21 &&
	           strcmp(glass_cap_name(40), "CAP_CHECKPOINT_RESTORE") == 0 &&
	           glass_cap_from_name("CAP_AUDIT_READ") == 37,
	       "capability numbers match capabilities(7)");
	TAP_OK(glass_rlimit_from_name("RLIMIT_NOFILE") == RLIMIT_NOFILE &&
	           glass_rlimit_from_name("RLIMIT_RTTIME") == RLIMIT_RTTIME &&
	           glass_rlimit_from_name("RLIMIT_MSGQUEUE") == RLIMIT_MSGQUEUE &&
	           strcmp(glass_rlimit_name(RLIMIT_AS), "RLIMIT_AS") == 0 &&
	           glass_rlimit_name(16) == NULL && glass_rlimit_from_name("RLIMIT_FOO") == -1,
	       "rlimit names match <sys/resource.h>");
	TAP_OK(strcmp(glass_ns_name(GLASS_NS_NET), "network") == 0 &&
	           strcmp(glass_ns_proc_name(GLASS_NS_MOUNT), "mnt") == 0 &&
	           glass_ns_clone_flag(GLASS_NS_USER) == CLONE_NEWUSER &&
	           glass_ns_clone_flag(GLASS_NS_TIME) == 0x80 &&
	           glass_ns_name(GLASS_NS_COUNT) == NULL,
	       "namespace names, /proc names and clone flags");
}

/* ---- `spec` and `features` output, and the JSON schemas ---- */

/* Runs tests/unit/spec-schema-check.py SCHEMA FILE and copies its output
 * as TAP comments: 0 valid, 1 invalid, 77 no validator (python3-jsonschema
 * missing). */
static int schema_check(const char *schema, const char *text)
{
	char tmpl[] = "/tmp/glass-test-spec-XXXXXX";
	char cmd[4 * PATH_MAX], line[1024];
	const char *src = getenv("GLASS_SRC");
	char script[PATH_MAX + 64];
	FILE *f;
	int fd, st;

	if (src == NULL || !*src)
		return 77;
	snprintf(script, sizeof(script), "%s/tests/unit/spec-schema-check.py", src);
	if (access(script, R_OK) != 0)
		return 77;
	fd = mkstemp(tmpl);
	if (fd < 0)
		return 77;
	st = write_all(fd, text, strlen(text));
	close(fd);
	if (st < 0) {
		unlink(tmpl);
		return 77;
	}
	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s/runtime-spec/schema/%s' '%s' 2>&1", script,
	         specs_dir, schema, tmpl);
	f = popen(cmd, "r");
	if (f == NULL) {
		unlink(tmpl);
		return 77;
	}
	while (fgets(line, sizeof(line), f))
		printf("#   %s", line);
	st = pclose(f);
	unlink(tmpl);
	if (!WIFEXITED(st) || WEXITSTATUS(st) == 127)
		return 77;
	return WEXITSTATUS(st);
}

static void check_schema(const char *schema, const char *text, const char *what)
{
	int r = schema_check(schema, text);

	if (r == 77)
		TAP_SKIP("python3-jsonschema or GLASS_SRC not available", "%s valid against %s",
		         what, schema);
	else
		TAP_OK(r == 0, "%s valid against %s", what, schema);
}

static void test_default(bool have_specs)
{
	struct glass_err *err = NULL;
	char *j = glass_spec_default_json(false);
	char *jr = glass_spec_default_json(true);
	struct glass_spec *s = parse_str(j, &err);
	struct glass_spec *sr;
	bool has_cgroup = false, sys_bind = false, pts_gid = false;
	size_t i;

	TAP_OK(s != NULL, "the default spec parses back%s%s", err ? ": " : "", err ? err->op : "");
	glass_err_free(&err);
	if (s) {
		const struct glass_process *p = &s->process;
		TAP_OK(p->terminal && p->nargs == 1 && strcmp(p->args[0], "sh") == 0 &&
		           p->no_new_privileges && strcmp(p->cwd, "/") == 0 &&
		           p->caps.nbounding == 3 && p->caps.bounding[1] == 5 /* KILL */ &&
		           p->nrlimits == 1 && p->rlimits[0].hard == 1024 &&
		           p->rlimits[0].resource == RLIMIT_NOFILE,
		       "default process: sh on a terminal, 3 caps, NOFILE 1024, no_new_privs");
		TAP_OK(strcmp(s->root_path, "rootfs") == 0 && s->root_readonly &&
		           strcmp(s->hostname, "glass") == 0 && s->nmounts == 7 &&
		           strcmp(s->mounts[6].destination, "/sys/fs/cgroup") == 0,
		       "default root, hostname and the 7 mounts of runc spec");
		TAP_OK(s->linux_.ns[GLASS_NS_PID].present && s->linux_.ns[GLASS_NS_NET].present &&
		           s->linux_.ns[GLASS_NS_IPC].present &&
		           s->linux_.ns[GLASS_NS_UTS].present &&
		           s->linux_.ns[GLASS_NS_MOUNT].present &&
		           s->linux_.ns[GLASS_NS_CGROUP].present &&
		           !s->linux_.ns[GLASS_NS_USER].present && s->linux_.nmasked_paths >= 10 &&
		           s->linux_.nreadonly_paths == 5 && s->linux_.resources.ndevices == 1,
		       "default namespaces, masked and read-only paths, deny-all devices");
		TAP_OK(strstr(j, "\\/") == NULL && j[strlen(j) - 1] == '\n',
		       "default spec: paths unescaped, ends with a newline");
	}
	sr = parse_str(jr, &err);
	TAP_OK(sr != NULL, "the rootless default spec parses back%s%s", err ? ": " : "",
	       err ? err->op : "");
	glass_err_free(&err);
	if (sr) {
		for (i = 0; i < sr->nmounts; i++) {
			struct glass_mount *m = &sr->mounts[i];
			size_t k;
			if (strcmp(m->type, "cgroup") == 0)
				has_cgroup = true;
			if (strcmp(m->destination, "/sys") == 0 && m->noptions &&
			    strcmp(m->options[0], "rbind") == 0)
				sys_bind = true;
			for (k = 0; k < m->noptions; k++)
				if (strncmp(m->options[k], "gid=", 4) == 0)
					pts_gid = true;
		}
		TAP_OK(sr->linux_.ns[GLASS_NS_USER].present &&
		           !sr->linux_.ns[GLASS_NS_NET].present && sr->linux_.nuid_mappings == 1 &&
		           sr->linux_.uid_mappings[0].host_id == geteuid() &&
		           sr->linux_.uid_mappings[0].size == 1 &&
		           sr->linux_.gid_mappings[0].host_id == getegid() &&
		           !sr->linux_.resources.present,
		       "rootless: user namespace mapping euid/egid, no network namespace, no "
		       "resources");
		TAP_OK(sys_bind && !has_cgroup && !pts_gid,
		       "rootless: /sys bind-mounted, no cgroup mount, no gid= option");
	}
	if (have_specs) {
		check_schema("config-schema.json", j, "default spec");
		check_schema("config-schema.json", jr, "rootless default spec");
	} else {
		TAP_SKIP("runtime-spec not found", "default spec valid against the schema");
	}
	glass_spec_free(s);
	glass_spec_free(sr);
	free(j);
	free(jr);
}

static void test_features(bool have_specs)
{
	struct glass_features_host host = {false, false};
	char *j = glass_spec_features_json(&host);
	struct json_object *doc = NULL, *l, *v;
	bool ok;

	TAP_OK(j != NULL && (doc = json_tokener_parse(j)) != NULL, "features is JSON");
	if (doc == NULL) {
		free(j);
		return;
	}
	ok = json_object_object_get_ex(doc, "ociVersionMin", &v) &&
	     strcmp(json_object_get_string(v), "1.0.0") == 0 &&
	     json_object_object_get_ex(doc, "ociVersionMax", &v) &&
	     strcmp(json_object_get_string(v), "1.3.0") == 0;
	TAP_OK(ok, "features: ociVersionMin 1.0.0, ociVersionMax 1.3.0");
	ok = json_object_object_get_ex(doc, "hooks", &v) && json_object_array_length(v) == 6 &&
	     json_object_object_get_ex(doc, "mountOptions", &v) &&
	     json_object_array_length(v) > 50 &&
	     json_object_object_get_ex(doc, "potentiallyUnsafeConfigAnnotations", &v);
	TAP_OK(ok, "features: hooks, mountOptions, potentiallyUnsafeConfigAnnotations");
	ok = json_object_object_get_ex(doc, "linux", &l) &&
	     json_object_object_get_ex(l, "namespaces", &v) && json_object_array_length(v) == 8 &&
	     json_object_object_get_ex(l, "capabilities", &v) && json_object_array_length(v) == 41;
	TAP_OK(ok, "features: 8 namespaces, 41 capabilities");
	ok = json_object_object_get_ex(l, "seccomp", &v) &&
	     json_object_object_get_ex(v, "archs", &v) && strstr(j, "SCMP_ARCH_X86_64") &&
	     strstr(j, "\"knownFlags\"") && strstr(j, "\"supportedFlags\"") &&
	     strstr(j, "SCMP_ACT_NOTIFY") && strstr(j, "SCMP_CMP_MASKED_EQ") &&
	     strstr(j, "\"mountExtensions\"") && strstr(j, "\"intelRdt\"") &&
	     strstr(j, "\"systemdUser\"");
	TAP_OK(ok, "features: seccomp archs/actions/operators/flags, cgroup, mountExtensions");
	ok = json_object_object_get_ex(l, "apparmor", &v) &&
	     json_object_object_get_ex(v, "enabled", &v) &&
	     json_object_get_boolean(v) == glass_lsm_apparmor_enabled() &&
	     json_object_object_get_ex(l, "selinux", &v) &&
	     json_object_object_get_ex(v, "enabled", &v) &&
	     json_object_get_boolean(v) == glass_lsm_selinux_enabled();
	TAP_OK(ok, "features: apparmor/selinux.enabled match the host (%s)",
	       glass_lsm_apparmor_enabled() ? "AppArmor on" : "no AppArmor");
	ok = json_object_object_get_ex(l, "memoryPolicy", &v) &&
	     json_object_object_get_ex(v, "modes", &v) && json_object_array_length(v) == 7 &&
	     strstr(j, "MPOL_F_NUMA_BALANCING") && strstr(j, "org.glass.lsm.ignore");
	TAP_OK(ok, "features: memoryPolicy modes/flags, the LSM-ignore annotation is flagged");
	if (have_specs)
		check_schema("features-schema.json", j, "features");
	else
		TAP_SKIP("runtime-spec not found", "features valid against the schema");
	json_object_put(doc);
	free(j);
}

int main(void)
{
	bool have_specs = find_specs();

	if (have_specs) {
		char p[sizeof(specs_dir) + 64];
		snprintf(p, sizeof(p), "%s/runtime-spec/schema/test/config", specs_dir);
		have_specs = access(p, F_OK) == 0;
	}
	if (have_specs)
		test_examples();
	else
		TAP_SKIP("runtime-spec examples not found (set GLASS_SPECS)",
		         "runtime-spec example documents");
	test_bad_cases();
	test_full();
	test_absent();
	test_malformed();
	test_overflow();
	test_load_missing();
	test_process_json();
	test_user_arg();
	test_names();
	test_unknown_caps();
	test_default(have_specs);
	test_features(have_specs);
	return tap_done();
}

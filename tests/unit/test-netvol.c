/* Unit test of run's network and volume flags (src/engine/vol-spec.c,
 * netvol-flags.c): what docker accepts is parsed into the same mount or
 * port, what it refuses is refused with the flag named. */
#include "../../src/engine/netvol.h"
#include "tap.h"
#include "util.h"

#include <string.h>

static int parse(struct engine_netvol *nv, const char *flag, const char *val)
{
	char *argv[] = {(char *)flag, (char *)val, NULL};
	int i = 0, argc = val ? 2 : 1;
	struct glass_err *err = NULL;
	int r = engine_netvol_parse_flag(argc, argv, &i, nv, &err);
	glass_err_free(&err);
	return r;
}

static bool v_ok(const char *v, const char *type, const char *src, const char *dst, bool ro)
{
	struct engine_mount m;
	struct glass_err *err = NULL;
	if (engine_mount_parse_v(v, &m, &err) < 0) {
		glass_err_free(&err);
		return false;
	}
	bool same = strcmp(m.type, type) == 0 && strcmp(m.source, src) == 0 &&
	            strcmp(m.target, dst) == 0 && m.readonly == ro;
	engine_mount_clear(&m);
	return same;
}

static char *error_of(int (*fn)(const char *, struct engine_mount *, struct glass_err **),
                      const char *v)
{
	struct engine_mount m;
	struct glass_err *err = NULL;
	if (fn(v, &m, &err) == 0) {
		engine_mount_clear(&m);
		return xstrdup("(accepted)");
	}
	char *s = glass_err_format(err);
	glass_err_free(&err);
	return s;
}

static void test_volume_flag(void)
{
	TAP_OK(v_ok("data:/d", "volume", "data", "/d", false), "-v NAME:/d is a named volume");
	TAP_OK(v_ok("/h:/d:ro", "bind", "/h", "/d", true), "-v /h:/d:ro is a read-only bind");
	TAP_OK(v_ok("/h:/d:rw,z", "bind", "/h", "/d", false), "-v /h:/d:rw,z is accepted");
	TAP_OK(v_ok("/d", "volume", "", "/d", false), "-v /d is an anonymous volume");
	char *e = error_of(engine_mount_parse_v, "./rel:/d");
	TAP_OK(strstr(e, "invalid characters for a local volume name") != NULL,
	       "a relative host path is refused: %s", e);
	free(e);
	e = error_of(engine_mount_parse_v, "data:d");
	TAP_OK(strstr(e, "must be an absolute path") != NULL, "a relative target: %s", e);
	free(e);
	e = error_of(engine_mount_parse_v, "/h:/d:rx");
	TAP_OK(strstr(e, "invalid mode \"rx\"") != NULL, "an unknown mode: %s", e);
	free(e);
	e = error_of(engine_mount_parse_v, "a:/b:ro:x");
	TAP_OK(strstr(e, "invalid volume specification") != NULL, "four fields: %s", e);
	free(e);
}

static void test_mount_flag(void)
{
	struct engine_mount m;
	struct glass_err *err = NULL;
	TAP_OK(engine_mount_parse_mount("type=bind,src=/h,dst=/d,readonly", &m, &err) == 0 &&
	           strcmp(m.type, "bind") == 0 && m.readonly && m.must_exist,
	       "--mount type=bind,...,readonly: a bind whose source must exist");
	engine_mount_clear(&m);
	TAP_OK(engine_mount_parse_mount("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770", &m,
	                                &err) == 0 &&
	           strcmp(m.tmpfs_opts, "size=1m,mode=1770") == 0,
	       "--mount type=tmpfs takes tmpfs-size and tmpfs-mode");
	engine_mount_clear(&m);
	TAP_OK(engine_mount_parse_mount("target=/v", &m, &err) == 0 && m.anonymous,
	       "--mount without type or source is an anonymous volume");
	engine_mount_clear(&m);
	char *e = error_of(engine_mount_parse_mount, "type=bind,source=/h,target=/d,color=red");
	TAP_OK(strstr(e, "unexpected key \"color\"") != NULL, "an unknown key: %s", e);
	free(e);
	e = error_of(engine_mount_parse_mount, "type=bind,source=h,target=/d");
	TAP_OK(strstr(e, "absolute source") != NULL, "a relative bind source: %s", e);
	free(e);
	TAP_OK(engine_mount_parse_tmpfs("/run:size=64m,mode=1777", &m, &err) == 0 &&
	           strcmp(m.target, "/run") == 0 && strcmp(m.tmpfs_opts, "size=64m,mode=1777") == 0,
	       "--tmpfs /run:size=64m,mode=1777");
	engine_mount_clear(&m);
	glass_err_free(&err);
}

static void test_ports(void)
{
	struct engine_port p;
	struct glass_err *err = NULL;
	TAP_OK(engine_port_parse("127.0.0.1:8080:80/udp", &p, &err) == 0 &&
	           strcmp(p.host_ip, "127.0.0.1") == 0 && p.host_port == 8080 && p.ctr_port == 80 &&
	           strcmp(p.proto, "udp") == 0,
	       "-p IP:H:C/udp");
	TAP_OK(engine_port_parse("8080:80", &p, &err) == 0 && p.host_ip[0] == '\0' &&
	           strcmp(p.proto, "tcp") == 0,
	       "-p H:C is tcp on every address");
	/* docker's: no HOSTPORT (or 0) asks for one picked at start */
	TAP_OK(engine_port_parse("80", &p, &err) == 0 && p.host_port == 0 && p.ctr_port == 80,
	       "-p C: a host port picked at start");
	TAP_OK(engine_port_parse("127.0.0.1::53/udp", &p, &err) == 0 && p.host_port == 0 &&
	           strcmp(p.host_ip, "127.0.0.1") == 0 && strcmp(p.proto, "udp") == 0,
	       "-p IP::C/udp: a host port picked at start on IP");
	const char *bad[] = {"65536:80",      "-1:80",        "8080:70000", "x:80",
	                     "1.2.3:8080:80", "8080:80/sctp", "::1:8080:80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TAP_OK(engine_port_parse(bad[i], &p, &err) < 0 && err &&
		           strcmp(err->field, "--publish") == 0,
		       "-p %s is refused, naming --publish", bad[i]);
		glass_err_free(&err);
	}
}

static void test_flags(void)
{
	struct engine_netvol nv = {0};
	TAP_OK(parse(&nv, "--net=web", NULL) == 1 && nv.mode == ENGINE_NET_CNI &&
	           nv.nnetworks == 1 && strcmp(nv.networks[0], "web") == 0,
	       "--net=web joins a CNI network");
	TAP_OK(parse(&nv, "--network", "bridge") == 1 && strcmp(nv.networks[1], "glass") == 0,
	       "--network bridge is the default network glass");
	TAP_OK(parse(&nv, "--network", "none") == -1, "none cannot join CNI networks");
	TAP_OK(parse(&nv, "-v", "/a:/x") == 1 && parse(&nv, "--tmpfs", "/x") == -1,
	       "a duplicate mount point is refused");
	TAP_OK(parse(&nv, "--add-host", "nocolon") == -1, "--add-host needs HOST:IP");
	TAP_OK(parse(&nv, "-p", NULL) == -1, "a flag without its value is refused");
	TAP_OK(parse(&nv, "--rm", NULL) == 0, "other flags are left to run");
	engine_netvol_free(&nv);
	struct engine_netvol c = {0};
	TAP_OK(parse(&c, "--network", "container:web1") == 1 && c.mode == ENGINE_NET_CONTAINER &&
	           strcmp(c.container, "web1") == 0,
	       "--network container:NAME");
	engine_netvol_free(&c);
}

int main(void)
{
	test_volume_flag();
	test_mount_flag();
	test_ports();
	test_flags();
	return tap_done();
}

/* vol-spec: run's -v, --mount, --tmpfs and -p values, read as docker
 * reads them:
 *   -v /ctr                          an anonymous volume
 *   -v NAME:/ctr[:ro|rw][,z|Z]       a named volume (created on first use)
 *   -v /host:/ctr[:ro|rw][,z|Z]      a bind mount (the host directory is
 *                                    created when missing, as docker -v)
 *   --mount type=bind|volume|tmpfs,source=S,target=T[,readonly]
 *                                    (a bind's missing source is an error)
 *   --tmpfs /ctr[:size=64m,mode=1777]
 *   -p [IP:][HOSTPORT:]CTRPORT[/tcp|udp]   (no HOSTPORT, or 0: picked at start)
 * z and Z ask for an SELinux relabel; glass runs no SELinux policy, so,
 * like docker on such a host, they change nothing. */
#include "netvol.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool engine_valid_object_name(const char *n)
{
	if (!n || !*n || strlen(n) > 128 || !isalnum((unsigned char)n[0]))
		return false;
	for (const char *p = n; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

void engine_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static int check_target(const char *flag, const char *t, struct glass_err **err)
{
	if (!t || t[0] != '/')
		return glass_err_field(err, EINVAL, flag,
		                       "invalid mount target \"%s\": must be an absolute path",
		                       t ? t : "");
	if (strcmp(t, "/") == 0)
		return glass_err_field(err, EINVAL, flag, "invalid mount target \"/\"");
	return 0;
}

static int v_options(const char *opts, struct engine_mount *m, struct glass_err **err)
{
	cleanup_free char *o = xstrdup(opts);
	char *save = NULL;
	for (char *t = strtok_r(o, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "ro") == 0)
			m->readonly = true;
		else if (strcmp(t, "rw") == 0)
			m->readonly = false;
		else if (strcmp(t, "z") != 0 && strcmp(t, "Z") != 0)
			return glass_err_field(err, EINVAL, "--volume",
			                       "invalid mode \"%s\" (ro, rw, z, Z)", t);
	}
	return 0;
}

static int set_source(const char *flag, const char *src, struct engine_mount *m,
                      struct glass_err **err)
{
	if (src[0] == '/') {
		m->type = xstrdup("bind");
	} else if (engine_valid_object_name(src)) {
		m->type = xstrdup("volume");
	} else {
		return glass_err_field(
		    err, EINVAL, flag,
		    "\"%s\" includes invalid characters for a local volume name, "
		    "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed; a host directory "
		    "needs an absolute path",
		    src);
	}
	m->source = xstrdup(src);
	return 0;
}

int engine_mount_parse_v(const char *v, struct engine_mount *m, struct glass_err **err)
{
	cleanup_free char *s = xstrdup(v);
	char *parts[4] = {NULL};
	size_t n = 0;
	char *save = NULL;
	memset(m, 0, sizeof(*m));
	for (char *t = strtok_r(s, ":", &save); t && n < 4; t = strtok_r(NULL, ":", &save))
		parts[n++] = t;
	if (n == 0 || n > 3 || (n == 3 && strtok_r(NULL, ":", &save)))
		return glass_err_field(err, EINVAL, "--volume",
		                       "invalid volume specification \"%s\"", v);
	if (n == 1) { /* -v /ctr: an anonymous volume */
		if (check_target("--volume", parts[0], err) < 0)
			return -1;
		m->type = xstrdup("volume");
		m->source = xstrdup("");
		m->target = xstrdup(parts[0]);
		m->anonymous = true;
		return 0;
	}
	if (check_target("--volume", parts[1], err) < 0 ||
	    set_source("--volume", parts[0], m, err) < 0 ||
	    (n == 3 && v_options(parts[2], m, err) < 0)) {
		engine_mount_clear(m);
		return -1;
	}
	m->target = xstrdup(parts[1]);
	return 0;
}

static bool flag_true(const char *val)
{
	return !val || strcmp(val, "true") == 0 || strcmp(val, "1") == 0;
}

/* One key=value of --mount; 0 when known. */
static int mount_key(const char *k, const char *val, struct engine_mount *m, struct strbuf *tmpfs)
{
	if (strcmp(k, "type") == 0 && val)
		free(m->type), m->type = xstrdup(val);
	else if ((strcmp(k, "source") == 0 || strcmp(k, "src") == 0) && val)
		free(m->source), m->source = xstrdup(val);
	else if ((strcmp(k, "target") == 0 || strcmp(k, "destination") == 0 ||
	          strcmp(k, "dst") == 0) &&
	         val)
		free(m->target), m->target = xstrdup(val);
	else if (strcmp(k, "readonly") == 0 || strcmp(k, "ro") == 0)
		m->readonly = flag_true(val);
	else if (strcmp(k, "tmpfs-size") == 0 && val)
		strbuf_printf(tmpfs, "%ssize=%s", tmpfs->len ? "," : "", val);
	else if (strcmp(k, "tmpfs-mode") == 0 && val)
		strbuf_printf(tmpfs, "%smode=%s", tmpfs->len ? "," : "", val);
	else
		return -1;
	return 0;
}

int engine_mount_parse_mount(const char *v, struct engine_mount *m, struct glass_err **err)
{
	cleanup_free char *s = xstrdup(v);
	struct strbuf tmpfs = {0};
	char *save = NULL;
	memset(m, 0, sizeof(*m));
	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		if (eq)
			*eq = '\0';
		if (mount_key(t, eq ? eq + 1 : NULL, m, &tmpfs) < 0) {
			strbuf_release(&tmpfs);
			engine_mount_clear(m);
			return glass_err_field(err, EINVAL, "--mount",
			                       "unexpected key \"%s\" in \"%s\"", t, v);
		}
	}
	m->tmpfs_opts = tmpfs.len ? strbuf_steal(&tmpfs) : NULL;
	strbuf_release(&tmpfs);
	const char *type = m->type ? m->type : "volume";
	int rc = check_target("--mount", m->target, err);
	if (rc == 0 && strcmp(type, "bind") != 0 && strcmp(type, "volume") != 0 &&
	    strcmp(type, "tmpfs") != 0)
		rc = glass_err_field(err, EINVAL, "--mount", "unknown mount type \"%s\"", type);
	if (rc == 0 && strcmp(type, "bind") == 0 && (!m->source || m->source[0] != '/'))
		rc = glass_err_field(err, EINVAL, "--mount",
		                     "a bind mount needs an absolute source, got \"%s\"",
		                     m->source ? m->source : "");
	if (rc == 0 && strcmp(type, "volume") == 0 && m->source && *m->source &&
	    !engine_valid_object_name(m->source))
		rc = glass_err_field(err, EINVAL, "--mount", "invalid volume name \"%s\"",
		                     m->source);
	if (rc < 0) {
		engine_mount_clear(m);
		return -1;
	}
	if (!m->type)
		m->type = xstrdup(type);
	if (strcmp(type, "volume") == 0 && (!m->source || !*m->source)) {
		free(m->source);
		m->source = xstrdup("");
		m->anonymous = true;
	}
	m->must_exist = strcmp(type, "bind") == 0;
	return 0;
}

int engine_mount_parse_tmpfs(const char *v, struct engine_mount *m, struct glass_err **err)
{
	const char *colon = strchr(v, ':');
	memset(m, 0, sizeof(*m));
	m->target = colon ? xstrndup(v, (size_t)(colon - v)) : xstrdup(v);
	if (check_target("--tmpfs", m->target, err) < 0) {
		engine_mount_clear(m);
		return -1;
	}
	m->type = xstrdup("tmpfs");
	m->tmpfs_opts = colon && colon[1] ? xstrdup(colon + 1) : NULL;
	return 0;
}

int engine_port_parse(const char *v, struct engine_port *p, struct glass_err **err)
{
	char buf[128], *slash, *parts[3];
	size_t n = 0;
	memset(p, 0, sizeof(*p));
	snprintf(p->proto, sizeof(p->proto), "tcp");
	if (strlen(v) >= sizeof(buf))
		return glass_err_field(err, EINVAL, "--publish", "invalid port \"%s\"", v);
	snprintf(buf, sizeof(buf), "%s", v);
	if (strchr(buf, ':') && strchr(strchr(buf, ':') + 1, ':') &&
	    strchr(strchr(strchr(buf, ':') + 1, ':') + 1, ':'))
		return glass_err_field(
		    err, EINVAL, "--publish",
		    "invalid port \"%s\" (IPv6 host addresses are not supported)", v);
	if ((slash = strchr(buf, '/'))) {
		*slash = '\0';
		if (strcmp(slash + 1, "tcp") != 0 && strcmp(slash + 1, "udp") != 0)
			return glass_err_field(err, EINVAL, "--publish",
			                       "invalid protocol \"%s\" in \"%s\" (tcp or udp)",
			                       slash + 1, v);
		snprintf(p->proto, sizeof(p->proto), "%s", slash + 1);
	}
	for (char *s = buf, *c; n < 3; s = c + 1) {
		parts[n++] = s;
		if (!(c = strchr(s, ':')))
			break;
		*c = '\0';
	}
	char *end1 = (char *)"", *end2;
	/* docker's: an empty or absent HOSTPORT is one picked at start */
	long h = n >= 2 && *parts[n - 2] ? strtol(parts[n - 2], &end1, 10) : 0;
	long c = strtol(parts[n - 1], &end2, 10);
	struct in_addr a;
	if (*end1 || *end2 || h < 0 || h > 65535 || c < 1 || c > 65535 ||
	    (n == 3 && (inet_pton(AF_INET, parts[0], &a) != 1 || strlen(parts[0]) >= 64)))
		return glass_err_field(
		    err, EINVAL, "--publish",
		    "invalid port specification \"%s\" ([IPv4:][HOSTPORT:]CTRPORT)", v);
	if (n == 3)
		snprintf(p->host_ip, sizeof(p->host_ip), "%s", parts[0]);
	p->host_port = (int)h;
	p->ctr_port = (int)c;
	return 0;
}

/* net-ports: host ports picked for -P and `-p CTRPORT`.
 *
 * portmap only writes DNAT rules; nothing listens on the host port, so
 * nothing would stop two containers from being given the same one.  The
 * kernel already keeps a free-port allocator, the one a bind(2) to port 0
 * uses: its pick comes from net.ipv4.ip_local_port_range, the range
 * docker's allocator draws from too.  The socket is closed again before
 * ADD; ports picked for one container are kept apart from each other, and
 * ports a running container's rules hold are skipped (the record's). */
#include "netvol.h"
#include "util.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Whether the bindings of one record ({"80/tcp": [{"HostPort"}]}) hold
 * host port `want` of protocol `proto`. */
static bool binds(struct json_object *ports, const char *want, const char *proto)
{
	struct json_object *hp;
	json_object_object_foreach(ports, key, list)
	{
		const char *slash = strchr(key, '/');
		if (!slash || strcmp(slash + 1, proto) != 0)
			continue;
		for (size_t i = 0; i < json_object_array_length(list); i++)
			if (json_object_object_get_ex(json_object_array_get_idx(list, i),
			                              "HostPort", &hp) &&
			    strcmp(json_object_get_string(hp), want) == 0)
				return true;
	}
	return false;
}

/* Whether some attachment record (another container's) binds host port
 * `port`/`proto`. */
static bool held(int port, const char *proto)
{
	char **keys = engine_net_record_keys(), want[16];
	bool used = false;
	snprintf(want, sizeof(want), "%d", port);
	for (char **k = keys; *k && !used; k++) {
		struct json_object *rec = engine_net_record(*k), *ports;
		used = rec && json_object_object_get_ex(rec, "ports", &ports) &&
		       binds(ports, want, proto);
		json_object_put(rec);
	}
	engine_strv_free(keys);
	return used;
}

static int pick(const struct engine_port *p, struct glass_err **err)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int type = strcmp(p->proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
	if (p->host_ip[0] && inet_pton(AF_INET, p->host_ip, &a.sin_addr) != 1)
		return glass_err_field(err, EINVAL, "--publish", "bad host address %s", p->host_ip);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return glass_err_new(err, errno, "socket(AF_INET)");
	int rc = bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	                 getsockname(fd, (struct sockaddr *)&a, &len) < 0
	             ? -1
	             : ntohs(a.sin_port);
	int e = errno;
	close(fd);
	if (rc < 0)
		return glass_err_new(err, e, "bind(%s:0/%s): a free host port for %d",
		                     p->host_ip[0] ? p->host_ip : "0.0.0.0", p->proto, p->ctr_port);
	return rc;
}

int engine_ports_pick(struct engine_netvol *nv, struct glass_err **err)
{
	for (size_t i = 0; i < nv->nports; i++) {
		struct engine_port *p = &nv->ports[i];
		for (int tries = 0; p->host_port == 0; tries++) {
			int port = pick(p, err);
			if (port < 0)
				return -1;
			bool twice = false;
			for (size_t j = 0; j < i; j++)
				twice |= nv->ports[j].host_port == port &&
				         strcmp(nv->ports[j].proto, p->proto) == 0;
			if (!twice && !held(port, p->proto))
				p->host_port = port;
			else if (tries > 100)
				return glass_err_new(err, EADDRINUSE, "no free host port for %d/%s",
				                     p->ctr_port, p->proto);
		}
	}
	return 0;
}

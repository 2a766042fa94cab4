/* net-hosts: name resolution between containers through /etc/hosts, and
 * /etc/resolv.conf from the host's.
 *
 * Each attached container has RUN/net/NAME.hosts, bind-mounted at
 * /etc/hosts: localhost, its own addresses under its hostname and name,
 * every peer on a network it shares (name and --network-alias), and
 * --add-host lines.  When a peer comes or goes the engine rewrites the
 * files of everyone sharing a network with it.  They are rewritten in
 * place (truncate and write), never renamed over: a bind mount holds the
 * inode, and a new file at the path would not be seen inside. */
#include "netvol.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The attachment of `rec` to network `net` that has an address, or NULL. */
static struct json_object *on_network(struct json_object *rec, const char *net)
{
	struct json_object *nets, *n, *v;
	if (!json_object_object_get_ex(rec, "networks", &nets))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(nets); i++) {
		n = json_object_array_get_idx(nets, i);
		if (json_object_object_get_ex(n, "name", &v) &&
		    strcmp(json_object_get_string(v), net) == 0 &&
		    json_object_object_get_ex(n, "ip", NULL))
			return n;
	}
	return NULL;
}

static void names_line(struct strbuf *b, const char *ip, struct json_object *rec)
{
	struct json_object *v, *aliases;
	strbuf_printf(b, "%s", ip);
	if (json_object_object_get_ex(rec, "hostname", &v))
		strbuf_printf(b, "\t%s", json_object_get_string(v));
	if (json_object_object_get_ex(rec, "name", &v) &&
	    strcmp(json_object_get_string(v),
	           json_object_get_string(json_object_object_get(rec, "hostname"))) != 0)
		strbuf_printf(b, " %s", json_object_get_string(v));
	if (json_object_object_get_ex(rec, "aliases", &aliases))
		for (size_t i = 0; i < json_object_array_length(aliases); i++)
			strbuf_printf(
			    b, " %s",
			    json_object_get_string(json_object_array_get_idx(aliases, i)));
	strbuf_printf(b, "\n");
}

static void attachment_lines(struct strbuf *b, struct json_object *att, struct json_object *rec)
{
	struct json_object *v;
	if (json_object_object_get_ex(att, "ip", &v))
		names_line(b, json_object_get_string(v), rec);
	if (json_object_object_get_ex(att, "ip6", &v)) /* a --ipv6 network */
		names_line(b, json_object_get_string(v), rec);
}

/* The peers of `rec` on network `net`: every other record on it. */
static void peers_lines(struct strbuf *b, const char *self, const char *net)
{
	char **users = engine_net_users(net);
	for (char **u = users; u && *u; u++) {
		if (strcmp(*u, self) == 0)
			continue;
		struct json_object *peer = engine_net_record(*u), *att;
		if (peer && (att = on_network(peer, net)))
			attachment_lines(b, att, peer);
		json_object_put(peer);
	}
	engine_strv_free(users);
}

static void extra_lines(struct strbuf *b, struct json_object *rec)
{
	struct json_object *hosts;
	if (!json_object_object_get_ex(rec, "extraHosts", &hosts))
		return;
	for (size_t i = 0; i < json_object_array_length(hosts); i++) {
		const char *h = json_object_get_string(json_object_array_get_idx(hosts, i));
		const char *colon = strchr(h, ':');
		if (colon)
			strbuf_printf(b, "%s\t%.*s\n", colon + 1, (int)(colon - h), h);
	}
}

int engine_hosts_write(const char *name, struct glass_err **err)
{
	struct json_object *rec = engine_net_record(name), *nets, *n, *v;
	struct strbuf b = {0};
	if (!rec)
		return 0;
	strbuf_printf(&b, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	json_object_object_get_ex(rec, "networks", &nets);
	for (size_t i = 0; i < json_object_array_length(nets); i++)
		attachment_lines(&b, json_object_array_get_idx(nets, i), rec);
	if (json_object_array_length(nets) <= 1) /* only lo: the hostname resolves locally */
		names_line(&b, "127.0.1.1", rec);
	for (size_t i = 0; i < json_object_array_length(nets); i++) {
		n = json_object_array_get_idx(nets, i);
		if (json_object_object_get_ex(n, "ip", &v))
			peers_lines(&b, name,
			            json_object_get_string(json_object_object_get(n, "name")));
	}
	extra_lines(&b, rec);
	json_object_put(rec);
	cleanup_free char *path = engine_run_path("net/%s.hosts", name);
	cleanup_free char *text = strbuf_steal(&b);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return glass_err_new(err, e, "write(\"%s\")", path);
	}
	close(fd);
	engine_net_notify(&(struct engine_net_event){
	    .what = "hosts", .container = name, .path = path, .output = text});
	return 0;
}

void engine_hosts_refresh_peers(const char *name)
{
	char **keys = engine_net_record_keys();
	for (char **k = keys; *k; k++)
		if (strcmp(*k, name) != 0)
			engine_hosts_write(*k, NULL);
	engine_strv_free(keys);
}

static bool loopback_server(const char *line)
{
	char addr[64];
	if (sscanf(line, "nameserver %63s", addr) != 1)
		return false;
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

/* The host's resolv.conf minus its loopback servers (they would be the
 * container's own loopback); --dns and --dns-search replace the servers
 * and the search list.  With no server left, docker's fallback: Google's
 * public resolvers. */
int engine_resolv_write(const char *path, const struct engine_netvol *nv, struct glass_err **err)
{
	size_t len;
	cleanup_free char *host = read_file_at(AT_FDCWD, "/etc/resolv.conf", &len);
	struct strbuf b = {0};
	int servers = 0;
	char *save = NULL;
	for (char *l = host ? strtok_r(host, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		bool ns = strncmp(l, "nameserver", 10) == 0, search = strncmp(l, "search", 6) == 0;
		if ((ns && (nv->ndns || loopback_server(l))) || (search && nv->ndns_search))
			continue;
		servers += ns;
		strbuf_printf(&b, "%s\n", l);
	}
	for (size_t i = 0; i < nv->ndns; i++, servers++)
		strbuf_printf(&b, "nameserver %s\n", nv->dns[i]);
	if (nv->ndns_search) {
		strbuf_printf(&b, "search");
		for (size_t i = 0; i < nv->ndns_search; i++)
			strbuf_printf(&b, " %s", nv->dns_search[i]);
		strbuf_printf(&b, "\n");
	}
	if (servers == 0)
		strbuf_printf(&b, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	cleanup_free char *text = strbuf_steal(&b);
	if (write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0644) < 0)
		return glass_err_new(err, errno, "write(\"%s\")", path);
	return 0;
}

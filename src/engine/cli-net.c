/* cli-net: `glass network create|ls|inspect|rm|prune`, thin front-ends over
 * net-store.c (the .conflist files) and net-attach.c (the attachments). */
#include "common.h"
#include "ctr.h"
#include "netvol.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static const char use[] =
    "glass network create [--subnet CIDR]... [--gateway IP]... [--ipv6] [--internal] [--label K=V] "
    "NAME | "
    "ls [-q] | inspect NAME... | rm NAME... | prune | connect NAME CONTAINER | "
    "disconnect NAME CONTAINER";

/* connect / disconnect NAME CONTAINER */
static int net_connect(int argc, char **argv, bool connect)
{
	struct glass_err *err = NULL;
	if (argc != 3)
		return engine_usage(use, "network %s: need NAME and CONTAINER",
		                    connect ? "connect" : "disconnect");
	/* a name or an id prefix, as docker's; remembered for the next runs */
	if (ctr_net_connect(argv[1], argv[2], connect, NULL, &err) < 0)
		return engine_fail(&err);
	return 0;
}

static int net_create(int argc, char **argv)
{
	struct engine_net_create o = {0};
	char **labels = xcalloc((size_t)argc + 1, sizeof(char *));
	size_t nl = 0;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		bool val = i + 1 < argc;
		/* one --subnet and --gateway per family, as docker's */
		if (strcmp(a, "--subnet") == 0 && val && strchr(argv[i + 1], ':'))
			o.subnet6 = argv[++i];
		else if (strcmp(a, "--subnet") == 0 && val)
			o.subnet = argv[++i];
		else if (strcmp(a, "--gateway") == 0 && val && strchr(argv[i + 1], ':'))
			o.gateway6 = argv[++i];
		else if (strcmp(a, "--gateway") == 0 && val)
			o.gateway = argv[++i];
		else if (strcmp(a, "--ipv6") == 0)
			o.ipv6 = true;
		else if (strcmp(a, "--internal") == 0)
			o.internal = true;
		else if (strcmp(a, "--label") == 0 && val)
			labels[nl++] = argv[++i];
		else if ((strcmp(a, "-d") == 0 || strcmp(a, "--driver") == 0) && val &&
		         strcmp(argv[i + 1], "bridge") == 0)
			i++;
		else {
			free(labels);
			return engine_usage(use, "network create: unknown option %s", a);
		}
	}
	o.labels = labels;
	if (argc - i != 1) {
		free(labels);
		return engine_usage(use, "network create: need one NAME");
	}
	struct glass_err *err = NULL;
	int rc = engine_net_create(argv[i], &o, NULL, &err);
	free(labels);
	if (rc < 0)
		return engine_fail(&err);
	printf("%s\n", argv[i]);
	return 0;
}

static int net_ls(int argc, char **argv)
{
	bool quiet = argc > 1 && (strcmp(argv[1], "-q") == 0 || strcmp(argv[1], "--quiet") == 0);
	if (argc > (quiet ? 2 : 1))
		return engine_usage(use, "network ls: unknown option %s", argv[argc - 1]);
	engine_net_sweep();
	char **names = engine_net_list();
	if (!quiet)
		printf("%-20s %-8s %-18s %-9s %s\n", "NAME", "DRIVER", "SUBNET", "INTERNAL",
		       "CONTAINERS");
	for (char **n = names; *n; n++) {
		struct json_object *c = NULL, *in;
		if (quiet) {
			printf("%s\n", *n);
			continue;
		}
		if (engine_net_load(*n, &c, NULL) < 0)
			continue;
		const char *subnet = engine_net_subnet(c, NULL);
		bool internal = json_object_object_get_ex(c, "glass.internal", &in) &&
		                json_object_get_boolean(in);
		char **users = engine_net_users(*n);
		size_t nu = 0;
		while (users[nu])
			nu++;
		printf("%-20s %-8s %-18s %-9s %zu\n", *n, "bridge", subnet ? subnet : "-",
		       internal ? "true" : "false", nu);
		engine_strv_free(users);
		json_object_put(c);
	}
	engine_strv_free(names);
	return 0;
}

/* docker's IPAM.Config: every range of the network's first IPAM, both
 * families. */
static struct json_object *ipam_json(struct json_object *list)
{
	struct json_object *ipam = json_object_new_object(), *cfg = json_object_new_array();
	struct json_object *plugins, *ranges = NULL, *v;
	json_object_object_add(ipam, "Driver", json_object_new_string("host-local"));
	json_object_object_get_ex(list, "plugins", &plugins);
	for (size_t i = 0; !ranges && i < json_object_array_length(plugins); i++)
		ranges = ctr_json_at(json_object_array_get_idx(plugins, i), "ipam.ranges");
	for (size_t i = 0; ranges && i < json_object_array_length(ranges); i++) {
		struct json_object *r =
		    json_object_array_get_idx(json_object_array_get_idx(ranges, i), 0);
		struct json_object *one = json_object_new_object();
		if (json_object_object_get_ex(r, "subnet", &v))
			json_object_object_add(one, "Subnet", json_object_get(v));
		if (json_object_object_get_ex(r, "gateway", &v))
			json_object_object_add(one, "Gateway", json_object_get(v));
		json_object_array_add(cfg, one);
	}
	json_object_object_add(ipam, "Config", cfg);
	return ipam;
}

static int net_inspect(int argc, char **argv)
{
	struct json_object *arr = json_object_new_array();
	struct glass_err *err = NULL;
	int rc = 0;
	if (argc < 2)
		return engine_usage(use, "network inspect: need NAME");
	for (int i = 1; i < argc; i++) {
		struct json_object *c = NULL, *conts = json_object_new_object();
		if (engine_net_load(argv[i], &c, &err) < 0) {
			json_object_put(conts);
			rc = engine_fail(&err);
			continue;
		}
		struct json_object *eps = engine_net_endpoints(argv[i]);
		json_object_object_foreach(eps, id, ep) json_object_object_add(
		    conts, id, json_object_get(json_object_object_get(ep, "result")));
		json_object_put(eps);
		struct json_object *o = json_object_new_object();
		cleanup_free char *file = engine_state_path("networks/%s.conflist", argv[i]);
		json_object_object_add(o, "Name", json_object_new_string(argv[i]));
		json_object_object_add(o, "ConfigFile", json_object_new_string(file));
		json_object_object_add(o, "Driver", json_object_new_string("bridge"));
		json_object_object_add(o, "EnableIPv6",
		                       json_object_new_boolean(json_object_get_boolean(
		                           json_object_object_get(c, "glass.ipv6"))));
		json_object_object_add(o, "Internal",
		                       json_object_new_boolean(json_object_get_boolean(
		                           json_object_object_get(c, "glass.internal"))));
		json_object_object_add(o, "IPAM", ipam_json(c));
		json_object_object_add(o, "Config", c);
		json_object_object_add(o, "Containers", conts);
		json_object_array_add(arr, o);
	}
	printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
	                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	return rc;
}

static int net_rm(int argc, char **argv)
{
	struct glass_err *err = NULL;
	int rc = 0;
	if (argc < 2)
		return engine_usage(use, "network rm: need NAME");
	engine_net_sweep();
	for (int i = 1; i < argc; i++) {
		if (engine_net_remove(argv[i], &err) < 0)
			rc = engine_fail(&err);
		else
			printf("%s\n", argv[i]);
	}
	return rc;
}

static int net_prune(int argc, char **argv)
{
	struct glass_err *err = NULL;
	char **removed = NULL;
	if (argc > 1)
		return engine_usage(use, "network prune: unknown option %s", argv[1]);
	int rc = engine_net_prune(NULL, NULL, &removed, &err);
	for (char **n = removed; *n; n++)
		printf("%s\n", *n);
	engine_strv_free(removed);
	return rc < 0 ? engine_fail(&err) : 0;
}

int cmd_network(int argc, char **argv)
{
	if (argc < 2)
		return engine_usage(use, "network: need a subcommand");
	const char *sub = argv[1];
	if (strcmp(sub, "create") == 0)
		return net_create(argc - 1, argv + 1);
	if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
		return net_ls(argc - 1, argv + 1);
	if (strcmp(sub, "inspect") == 0)
		return net_inspect(argc - 1, argv + 1);
	if (strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0)
		return net_rm(argc - 1, argv + 1);
	if (strcmp(sub, "prune") == 0)
		return net_prune(argc - 1, argv + 1);
	if (strcmp(sub, "connect") == 0 || strcmp(sub, "disconnect") == 0)
		return net_connect(argc - 1, argv + 1, sub[0] == 'c');
	return engine_usage(use, "network: unknown subcommand %s", sub);
}

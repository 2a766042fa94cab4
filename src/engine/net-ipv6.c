/* net-ipv6: the IPv6 half of a dual-stack network (`network create
 * --ipv6`).  host-local takes one range set per address family
 * ("ranges": [[v4], [v6]]), so each container gets an address of each;
 * the bridge plugin gives the bridge the v6 gateway, a default route when
 * the network is not --internal, and masquerades with ip6tables.
 *
 * Without a --subnet of its own the network gets a unique local /64 (RFC
 * 4193: fd00::/8, then a 40-bit global ID), the ID taken from the digest
 * of the network's name, so two networks differ and one keeps its prefix
 * when made again.  A kernel without IPv6 (no /proc/sys/net/ipv6, or
 * disable_ipv6 in this namespace) is refused by name: the bridge plugin
 * would fail later, in a container's ADD, with a less telling error. */
#include "digest.h"
#include "netvol.h"
#include "util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static int check_kernel(struct glass_err **err)
{
	size_t len;
	cleanup_free char *off =
	    read_file_at(AT_FDCWD, "/proc/sys/net/ipv6/conf/default/disable_ipv6", &len);
	if (!off)
		return glass_err_field(err, EAFNOSUPPORT, "--ipv6",
		                       "this kernel has no IPv6 (/proc/sys/net/ipv6 is missing)");
	if (off[0] == '1')
		return glass_err_field(err, EAFNOSUPPORT, "--ipv6",
		                       "IPv6 is disabled in this network namespace "
		                       "(net.ipv6.conf.default.disable_ipv6=1)");
	return 0;
}

/* Checks an IPv6 CIDR (prefix 48 to 120, no host bits) and its gateway;
 * the gateway is the first address when not given. */
static int check_subnet6(const char *subnet, const char *gateway, char gw[64],
                         struct glass_err **err)
{
	char addr[64];
	unsigned prefix;
	struct in6_addr a, g;
	if (strlen(subnet) >= sizeof(addr) ||
	    sscanf(subnet, "%63[0-9a-fA-F:]/%u", addr, &prefix) != 2 ||
	    inet_pton(AF_INET6, addr, &a) != 1 || prefix < 48 || prefix > 120)
		return glass_err_field(err, EINVAL, "--subnet",
		                       "\"%s\" is not an IPv6 CIDR with a prefix of 48 to 120",
		                       subnet);
	for (unsigned bit = prefix; bit < 128; bit++)
		if (a.s6_addr[bit / 8] & (0x80 >> (bit % 8)))
			return glass_err_field(
			    err, EINVAL, "--subnet",
			    "\"%s\" has host bits set (the network address is expected)", subnet);
	if (!gateway) {
		g = a;
		g.s6_addr[15] |= 1;
		inet_ntop(AF_INET6, &g, gw, 64);
		return 0;
	}
	bool in = inet_pton(AF_INET6, gateway, &g) == 1;
	for (unsigned bit = 0; in && bit < prefix; bit++)
		in = ((a.s6_addr[bit / 8] ^ g.s6_addr[bit / 8]) & (0x80 >> (bit % 8))) == 0;
	if (!in)
		return glass_err_field(err, EINVAL, "--gateway", "\"%s\" is not an address in %s",
		                       gateway, subnet);
	snprintf(gw, 64, "%s", gateway);
	return 0;
}

int engine_net_ipv6_range(const char *name, const struct engine_net_create *o,
                          struct json_object **range, struct glass_err **err)
{
	char subnet[64], gw[64];
	*range = NULL;
	if (!o->ipv6) {
		if (o->subnet6)
			return glass_err_field(err, EINVAL, "--subnet",
			                       "%s is an IPv6 subnet: give --ipv6 as well",
			                       o->subnet6);
		return 0;
	}
	if (check_kernel(err) < 0)
		return -1;
	if (o->subnet6) {
		snprintf(subnet, sizeof(subnet), "%s", o->subnet6);
	} else {
		char d[GLASS_DIGEST_LEN];
		glass_digest_buf(name, strlen(name), d);
		const char *h = glass_digest_hex(d);
		snprintf(subnet, sizeof(subnet), "fd%.2s:%.4s:%.4s::/64", h, h + 2, h + 6);
	}
	if (check_subnet6(subnet, o->gateway6, gw, err) < 0)
		return -1;
	*range = json_object_new_object();
	json_object_object_add(*range, "subnet", json_object_new_string(subnet));
	json_object_object_add(*range, "gateway", json_object_new_string(gw));
	return 0;
}

/* netdev: see netdev.h. */
#include "netdev.h"
#include "sys.h"
#include "util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NETDEV_MAX_ADDRS 32
#define NETDEV_MAX_LINKS 256

struct saved_addr {
	unsigned char family;
	unsigned char prefixlen;
	unsigned char addr[16];
};

struct addr_dump {
	int ifindex;
	size_t n;
	struct saved_addr a[NETDEV_MAX_ADDRS];
};

struct link_dump {
	size_t n;
	int index[NETDEV_MAX_LINKS];
	char name[NETDEV_MAX_LINKS][IFNAMSIZ];
};

struct nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
};

static int nl_open(struct nl *nl, struct glass_err **err)
{
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl->sock == NULL)
		return glass_err_new(err, errno, "socket(AF_NETLINK, NETLINK_ROUTE)");
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return glass_err_new(err, e, "bind(netlink)");
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	return 0;
}

static void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* Sends one request and reads the answer until its ACK or DONE; runs `cb`
 * on data messages.  Returns 0 or -1 with errno (the kernel's error). */
static long nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return -1;
		ret = mnl_cb_run(buf, (size_t)n, nl->seq, nl->portid, cb, data);
		if (ret < 0)
			return -1;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

/* Starts an RTM_*LINK request for `ifindex` (0: all links) in buf. */
static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex,
                                 struct ifinfomsg **ifi)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	*ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(**ifi));
	(*ifi)->ifi_family = AF_UNSPEC;
	(*ifi)->ifi_index = ifindex;
	return nlh;
}

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);
	if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_dump *d = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	const struct nlattr *a;
	unsigned flags;
	size_t len;

	if ((int)ifa->ifa_index != d->ifindex || d->n >= NETDEV_MAX_ADDRS)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	/* Only what was meant to last: permanent addresses of global scope
	 * (the spec's rule, after RFC 3549), not link-local or DHCP leases. */
	if (!(flags & IFA_F_PERMANENT) || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return MNL_CB_OK;
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a == NULL)
		return MNL_CB_OK;
	len = mnl_attr_get_payload_len(a);
	if (len > sizeof(d->a[0].addr))
		return MNL_CB_OK;
	d->a[d->n].family = ifa->ifa_family;
	d->a[d->n].prefixlen = ifa->ifa_prefixlen;
	memcpy(d->a[d->n].addr, mnl_attr_get_payload(a), len);
	d->n++;
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_dump *d = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	if (d->n >= NETDEV_MAX_LINKS)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, tb);
	if (tb[IFLA_IFNAME] == NULL)
		return MNL_CB_OK;
	d->index[d->n] = ifi->ifi_index;
	snprintf(d->name[d->n], IFNAMSIZ, "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	d->n++;
	return MNL_CB_OK;
}

static int dump_links(struct nl *nl, struct link_dump *d, const char *field, struct glass_err **err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, NLM_F_DUMP, 0, &ifi);
	d->n = 0;
	if (GLASS_SYS(err, "netlink", field, nl_talk(nl, nlh, link_cb, d),
	              "RTM_GETLINK, NLM_F_DUMP") < 0)
		return -1;
	return 0;
}

static int dump_addrs(struct nl *nl, int ifindex, struct addr_dump *d, const char *field,
                      struct glass_err **err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	d->ifindex = ifindex;
	d->n = 0;
	if (GLASS_SYS(err, "netlink", field, nl_talk(nl, nlh, addr_cb, d),
	              "RTM_GETADDR, NLM_F_DUMP (index %d)", ifindex) < 0)
		return -1;
	return 0;
}

static int move_link(struct nl *nl, int ifindex, int nsfd, const char *name, const char *field,
                     struct glass_err **err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_ACK, ifindex, &ifi);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (GLASS_SYS(err, "netlink", field, nl_talk(nl, nlh, NULL, NULL),
	              "RTM_NEWLINK {index=%d, IFLA_NET_NS_FD=%d, IFLA_IFNAME=\"%s\"}", ifindex,
	              nsfd, name) < 0) {
		if (errno == EEXIST)
			glass_err_hint(err,
			               "a device named \"%s\" already exists in the container's "
			               "network namespace; use a template like \"eth%%d\" to let "
			               "the kernel pick a free name",
			               name);
		return -1;
	}
	return 0;
}

static int add_addr(struct nl *nl, int ifindex, const struct saved_addr *a, const char *field,
                    struct glass_err **err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], shown[INET6_ADDRSTRLEN];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	size_t len = a->family == AF_INET ? 4 : 16;
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = a->family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_flags = IFA_F_PERMANENT;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, len, a->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, len, a->addr);
	inet_ntop(a->family, a->addr, shown, sizeof(shown));
	if (GLASS_SYS(err, "netlink", field, nl_talk(nl, nlh, NULL, NULL),
	              "RTM_NEWADDR {index=%d, %s/%u}", ifindex, shown, a->prefixlen) < 0)
		return -1;
	return 0;
}

static int link_up(struct nl *nl, int ifindex, const char *field, struct glass_err **err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_ACK, ifindex, &ifi);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (GLASS_SYS(err, "netlink", field, nl_talk(nl, nlh, NULL, NULL),
	              "RTM_NEWLINK {index=%d, IFF_UP}", ifindex) < 0)
		return -1;
	return 0;
}

/* Opens a netlink socket that lives in the network namespace `nsfd`: a
 * socket stays bound to the namespace it was created in, so the caller
 * enters the namespace just long enough to create it and comes back. */
static int nl_open_in(struct nl *nl, int nsfd, const char *field, struct glass_err **err)
{
	cleanup_close int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int ret;
	if (self < 0)
		return glass_err_new(err, errno, "open(/proc/self/ns/net)");
	if (glass_sys_setns(nsfd, CLONE_NEWNET, "container net ns", field, err) < 0)
		return -1;
	ret = nl_open(nl, err);
	if (glass_sys_setns(self, CLONE_NEWNET, "runtime net ns", field, ret < 0 ? NULL : err) < 0)
		return -1;
	return ret;
}

static bool had_link(const struct link_dump *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->name[i], name) == 0)
			return true;
	return false;
}

static int move_one(struct nl *host, int nsfd, const struct glass_net_device *dev,
                    const char *field, struct glass_err **err)
{
	const char *name = dev->name && *dev->name ? dev->name : dev->host_name;
	struct nl inner = {0};
	struct link_dump before, after;
	struct addr_dump addrs;
	int ifindex = (int)if_nametoindex(dev->host_name);
	int newindex = 0;
	int ret = -1;

	if (ifindex == 0)
		return glass_err_field(err, ENODEV, field,
		                       "%s: no network device \"%s\" on the host", field,
		                       dev->host_name);
	if (dump_addrs(host, ifindex, &addrs, field, err) < 0)
		return -1;
	if (nl_open_in(&inner, nsfd, field, err) < 0)
		return -1;
	if (dump_links(&inner, &before, field, err) < 0 ||
	    move_link(host, ifindex, nsfd, name, field, err) < 0 ||
	    dump_links(&inner, &after, field, err) < 0)
		goto out;
	/* The moved link is the one that was not there before (its index may
	 * change, and a "%d" template's final name is the kernel's choice). */
	for (size_t i = 0; i < after.n && newindex == 0; i++)
		if (!had_link(&before, after.name[i]))
			newindex = after.index[i];
	if (newindex == 0) {
		glass_err_field(err, ENODEV, field,
		                "%s: moved \"%s\" but cannot find it in the "
		                "container's network namespace",
		                field, dev->host_name);
		goto out;
	}
	for (size_t i = 0; i < addrs.n; i++)
		if (add_addr(&inner, newindex, &addrs.a[i], field, err) < 0)
			goto out;
	ret = link_up(&inner, newindex, field, err);
out:
	nl_close(&inner);
	return ret;
}

int glass_netdev_move_all(const struct glass_spec *spec, pid_t pid, struct glass_err **err)
{
	const struct glass_linux *l = &spec->linux_;
	cleanup_close int nsfd = -1;
	struct stat self_st, ns_st;
	struct nl host = {0};
	char path[64];
	int ret = 0;

	if (l->nnet_devices == 0)
		return 0;
	glass_trace_phase("network");
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return glass_err_new(err, errno, "open(%s)", path);
	if (stat("/proc/self/ns/net", &self_st) == 0 && fstat(nsfd, &ns_st) == 0 &&
	    self_st.st_ino == ns_st.st_ino && self_st.st_dev == ns_st.st_dev)
		return glass_err_field(err, 0, "linux.netDevices",
		                       "linux.netDevices: the container shares the host's network "
		                       "namespace, so there is nowhere to move a device to: add a "
		                       "\"network\" entry to linux.namespaces");
	if (nl_open(&host, err) < 0)
		return -1;
	for (size_t i = 0; i < l->nnet_devices && ret == 0; i++) {
		char field[160];
		snprintf(field, sizeof(field), "linux.netDevices.%s", l->net_devices[i].host_name);
		ret = move_one(&host, nsfd, &l->net_devices[i], field, err);
	}
	nl_close(&host);
	return ret;
}

int glass_netdev_loopback_up(struct glass_err **err)
{
	struct ifreq ifr = {0};
	cleanup_close int fd = -1;

	fd = GLASS_SYS(err, "socket", "linux.namespaces[type=network]",
	               socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "%s",
	               "AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, 0");
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (GLASS_SYS(err, "ioctl", "linux.namespaces[type=network]", ioctl(fd, SIOCGIFFLAGS, &ifr),
	              "%d, SIOCGIFFLAGS, {\"lo\"}", fd) < 0)
		return -1;
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	return GLASS_SYS(err, "ioctl", "linux.namespaces[type=network]",
	                 ioctl(fd, SIOCSIFFLAGS, &ifr), "%d, SIOCSIFFLAGS, {\"lo\", IFF_UP}",
	                 fd) < 0
	           ? -1
	           : 0;
}

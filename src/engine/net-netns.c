/* net-netns: a network namespace that lives without a process, as
 * `ip netns add` makes one.  A namespace lasts while something refers to
 * it; a bind mount of its nsfs file (/proc/self/ns/net after unshare) is
 * such a reference, so the CNI plugins (which enter it by path, through
 * CNI_NETNS) and then the runtime (through the config's
 * linux.namespaces[].path) can use it before the container's process
 * exists.  Unmounting the file drops the reference; the kernel destroys
 * the namespace, and the veth ends inside it, once the container's
 * processes are gone too. */
#include "netvol.h"
#include "sys.h"
#include "util.h"

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

int engine_netns_create(const char *path, struct glass_err **err)
{
	cleanup_free char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (mkdir_p(dir, 0700) < 0)
		return glass_err_new(err, errno, "mkdir(\"%s\")", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return glass_err_new(err, errno, "create(\"%s\")", path);
	close(fd);
	/* The engine itself steps into a new namespace for the bind mount and
	 * back: the mount lands in the engine's mount namespace, and the
	 * thread's netns is restored before anything else runs.  unshare(2)
	 * moves only the calling thread, and /proc/self is the thread group's
	 * leader: in a threaded engine (glass serve, a thread per request)
	 * /proc/self/ns/net is the server's own namespace, so the thread's
	 * file, /proc/thread-self, names the new one. */
	cleanup_close int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		unlink(path);
		return glass_err_new(err, errno, "open(\"/proc/thread-self/ns/net\")");
	}
	if (glass_sys_unshare(CLONE_NEWNET, "--network", err) < 0) {
		unlink(path);
		return glass_err_ctx(err, "network namespace %s", path);
	}
	int rc = glass_sys_mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL, "--network",
	                         err);
	if (glass_sys_setns(self, CLONE_NEWNET, "the engine's netns", "--network", NULL) < 0) {
		/* cannot happen with the rights that made the namespace; staying
		 * in the container's netns would put later plugins there */
		fprintf(stderr, "glass: cannot return to the engine's network namespace\n");
		abort();
	}
	if (rc < 0) {
		unlink(path);
		return glass_err_ctx(err, "network namespace %s", path);
	}
	engine_net_notify(&(struct engine_net_event){.what = "netns-add", .path = path});
	return 0;
}

int engine_netns_remove(const char *path, struct glass_err **err)
{
	struct glass_err *e = NULL;
	/* EINVAL: not a mount point (a namespace whose creation failed) */
	if (glass_sys_umount2(path, MNT_DETACH, "--network", &e) < 0 && errno != EINVAL &&
	    errno != ENOENT) {
		if (err)
			glass_err_move(err, &e);
		glass_err_free(&e);
		return -1;
	}
	glass_err_free(&e);
	if (unlink(path) < 0 && errno != ENOENT)
		return glass_err_new(err, errno, "unlink(\"%s\")", path);
	engine_net_notify(&(struct engine_net_event){.what = "netns-del", .path = path});
	return 0;
}

static int talk(struct mnl_socket *nl, struct nlmsghdr *nlh, char *buf, unsigned portid)
{
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	ssize_t n = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_BUFFER_SIZE);
	if (n < 0)
		return -1;
	return mnl_cb_run(buf, (size_t)n, 1, portid, NULL, NULL) < 0 ? -1 : 0;
}

/* `network rm` deletes the network's bridge: the bridge plugin makes it on
 * the first ADD and, since other containers may share it, never removes
 * it on DEL.  One RTM_DELLINK by name; a bridge already gone is fine. */
int engine_link_delete(const char *ifname, struct glass_err **err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		if (nl)
			mnl_socket_close(nl);
		return glass_err_new(err, e, "netlink socket");
	}
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	unsigned portid = mnl_socket_get_portid(nl);
	int rc = GLASS_SYS(err, "netlink", "network rm", talk(nl, nlh, buf, portid),
	                   "RTM_DELLINK {ifname=%s}", ifname);
	mnl_socket_close(nl);
	if (rc < 0 && errno == ENODEV) {
		glass_err_free(err);
		return 0;
	}
	return rc < 0 ? -1 : 0;
}

/* netdev: linux.netDevices, moving host network interfaces into the
 * container's network namespace.
 *
 * The kernel moves a link between namespaces with RTM_NEWLINK carrying
 * IFLA_NET_NS_FD (and IFLA_IFNAME to rename it on the way).  A move flushes
 * the link's addresses, so the permanent, global-scope addresses are read
 * first and added again inside the new namespace, where the link is then
 * set up.  Everything is netlink, through libmnl, and traced.
 */
#ifndef GLASS_NETDEV_H
#define GLASS_NETDEV_H

#include "err.h"
#include "spec.h"

#include <sys/types.h>

/* Moves every linux.netDevices entry from the caller's network namespace
 * into the network namespace of `pid` (the container's init, already
 * cloned), renames it, restores its permanent global addresses and sets
 * it up.  Fails, naming the field, when a device is missing, when the name
 * is taken inside the container (unless it is a "%d" template), or when
 * the container shares the host's network namespace. */
int glass_netdev_move_all(const struct glass_spec *spec, pid_t pid, struct glass_err **err);

/* Sets the loopback interface of the caller's (new) network namespace up,
 * as runc and crun do: a new namespace's lo starts down, and programs that
 * talk to 127.0.0.1 expect it. */
int glass_netdev_loopback_up(struct glass_err **err);

#endif

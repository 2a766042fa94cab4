/* idmap: the uid and gid maps of a new user namespace.
 *
 * A new user namespace starts with no mappings: its processes run as the
 * overflow uid 65534 and may do nothing that needs an id.  A process in
 * the parent namespace with CAP_SETUID (CAP_SETGID) over it gives it
 * its maps by writing /proc/PID/uid_map and gid_map, once each, lines of
 * "inside outside count".  An unprivileged writer may map only its own
 * euid (and must first write "deny" to /proc/PID/setgroups before the
 * gid map); anything wider goes through the setuid helpers newuidmap and
 * newgidmap, which check /etc/subuid and /etc/subgid.
 */
#ifndef GLASS_IDMAP_H
#define GLASS_IDMAP_H

#include "err.h"
#include "spec.h"

#include <stdbool.h>
#include <sys/types.h>

/* Writes the uid and gid maps of process `pid` from linux.uidMappings /
 * gidMappings.  As root: direct writes.  Otherwise: direct writes (with
 * setgroups "deny") when the map is the caller's own id only, else
 * newuidmap/newgidmap. */
int glass_idmap_write(pid_t pid, const struct glass_spec *spec, struct glass_err **err);

/* Maps a container uid/gid to the host through the given mappings;
 * returns `id` unchanged when n == 0 and (uid_t)-1 when unmapped. */
uid_t glass_idmap_to_host(const struct glass_idmap *maps, size_t n, uint32_t id);

#endif

/* doctor: what this host's kernel can do for containers, found by trying.
 *
 * Each check makes a real probe of the running kernel (a statfs, a read
 * of the file the feature lives in, an unshare() or a mount in a child
 * that exits at once, a seccomp() call the kernel refuses only after
 * recognising its flag) and records what it ran, what came back, and,
 * where something is missing, which lesson of the lab cannot show it and
 * how to get it.  Nothing of the host is changed: the children's
 * namespaces and mounts die with them, and the overlay's directories are
 * removed.  `glass doctor` prints the report; the lab shows it on its
 * landing panel and greys out what the host cannot show.
 *
 * Fork is used (the namespace probes must not touch the caller), so call
 * this from a single-threaded process.
 */
#ifndef GLASS_DOCTOR_H
#define GLASS_DOCTOR_H

/* The report as JSON (malloc'd): {"kernel": ..., "checks": [{"id", "title",
 * "status": "ok"|"partial"|"missing", "test", "result", "lessons",
 * "missing", "fix"}]}.  "missing" and "fix" are there when status is not
 * "ok". */
char *glass_doctor_report_json(void);

/* Where the CNI plugins are looked for, as the engine runs them:
 * GLASS_CNI_PATH (':'-separated), or /usr/lib/cni:/opt/cni/bin. */
const char *glass_cni_path(void);

/* The same report as text for a terminal (malloc'd). */
char *glass_doctor_report_text(const char *json, int color);

#endif

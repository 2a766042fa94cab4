/* audit: what protects a container, and what does not, judged from its
 * config.json alone.
 *
 * A container's isolation is a stack of independent layers (namespaces,
 * capabilities, seccomp, no_new_privs, the mounts it is given, the device
 * cgroup, masked kernel files, LSM labels, sysctls).  Each setting that
 * removes or weakens a layer opens a known path out of the container, so
 * the auditor walks the layers in order and reports, for each one, either
 * what protects (severity "ok") or a finding: the config.json field, the
 * risk in one sentence, and the fix.  It never touches the host: no packet
 * is sent, no file outside the config is read.
 */
#ifndef GLASS_AUDIT_H
#define GLASS_AUDIT_H

#include "err.h"
#include "spec.h"

#include <stddef.h>

enum glass_audit_severity {
	GLASS_AUDIT_OK = 0, /* a protection in place */
	GLASS_AUDIT_INFO,
	GLASS_AUDIT_LOW,
	GLASS_AUDIT_MEDIUM,
	GLASS_AUDIT_HIGH,
	GLASS_AUDIT_CRITICAL,
};

struct glass_audit_finding {
	enum glass_audit_severity severity;
	const char *layer; /* "namespaces", "capabilities", "seccomp", ... (static) */
	char *id;          /* stable short name, e.g. "cap-sys-admin" */
	char *field;       /* config.json path, e.g. "process.capabilities.bounding" */
	char *risk;        /* what an attacker in the container can do (or the protection) */
	char *fix;         /* how to remove the risk; NULL for protections */
};

struct glass_audit_report {
	struct glass_audit_finding *findings;
	size_t n;
	size_t cap;
};

/* Audits a parsed config.  Returns a new report (never NULL). */
struct glass_audit_report *glass_audit_spec(const struct glass_spec *spec);

/* The highest severity among the findings (GLASS_AUDIT_OK when none). */
enum glass_audit_severity glass_audit_max(const struct glass_audit_report *r);

/* How many findings have at least severity `min`. */
size_t glass_audit_count(const struct glass_audit_report *r, enum glass_audit_severity min);

/* "ok", "info", "low", "medium", "high", "critical"; and back (-1 when
 * unknown, case-insensitive). */
const char *glass_audit_severity_name(enum glass_audit_severity s);
int glass_audit_severity_from_name(const char *name);

/* The report as text (layer by layer; `color` adds ANSI colors) or as one
 * JSON document {"config","summary":{...},"findings":[...]}.  Malloc'd. */
char *glass_audit_report_text(const struct glass_audit_report *r, const char *config, int color);
char *glass_audit_report_json(const struct glass_audit_report *r, const char *config);

void glass_audit_free(struct glass_audit_report *r);

#endif

/* Unit tests of the auditor: the default config has no high finding, each
 * risky variant produces its finding (id, severity, field), and the JSON
 * and text renderings carry the same findings. */
#include "audit.h"
#include "spec.h"
#include "tap.h"
#include "util.h"

#include <json-c/json.h>
#include <string.h>

/* Applies `edit` (a function on the parsed JSON) to the default config and
 * audits the result. */
static struct glass_audit_report *audit_edit(void (*edit)(json_object *))
{
	struct glass_err *err = NULL;
	cleanup_free char *def = glass_spec_default_json(false);
	json_object *doc = json_tokener_parse(def);
	struct glass_spec *spec;
	struct glass_audit_report *r;
	const char *text;
	if (edit)
		edit(doc);
	text = json_object_to_json_string(doc);
	spec = glass_spec_parse(text, strlen(text), &err);
	json_object_put(doc);
	if (!spec) {
		cleanup_free char *m = glass_err_format(err);
		printf("# parse: %s\n", m);
		glass_err_free(&err);
		return NULL;
	}
	r = glass_audit_spec(spec);
	glass_spec_free(spec);
	return r;
}

static const struct glass_audit_finding *find(const struct glass_audit_report *r, const char *id)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (!strcmp(r->findings[i].id, id))
			return &r->findings[i];
	return NULL;
}

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;
	json_object_object_get_ex(o, k, &v);
	return v;
}

static void add_sys_admin(json_object *doc)
{
	json_object_array_add(get(get(get(doc, "process"), "capabilities"), "bounding"),
	                      json_object_new_string("CAP_SYS_ADMIN"));
}
static void no_nnp(json_object *doc)
{
	json_object_object_add(get(doc, "process"), "noNewPrivileges", json_object_new_boolean(0));
}
static void host_net(json_object *doc)
{
	json_object *ns = get(get(doc, "linux"), "namespaces");
	json_object *keep = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(ns); i++) {
		json_object *n = json_object_array_get_idx(ns, i);
		if (strcmp(json_object_get_string(get(n, "type")), "network"))
			json_object_array_add(keep, json_object_get(n));
	}
	json_object_object_add(get(doc, "linux"), "namespaces", keep);
}
static void docker_sock(json_object *doc)
{
	json_object *m = json_object_new_object();
	json_object *opts = json_object_new_array();
	json_object_array_add(opts, json_object_new_string("bind"));
	json_object_object_add(m, "destination", json_object_new_string("/var/run/docker.sock"));
	json_object_object_add(m, "type", json_object_new_string("bind"));
	json_object_object_add(m, "source", json_object_new_string("/var/run/docker.sock"));
	json_object_object_add(m, "options", opts);
	json_object_array_add(get(doc, "mounts"), m);
}
static void writable_root(json_object *doc)
{
	json_object_object_add(get(doc, "root"), "readonly", json_object_new_boolean(0));
}

int main(void)
{
	struct glass_audit_report *r = audit_edit(NULL);
	const struct glass_audit_finding *f;
	cleanup_free char *json = NULL;
	cleanup_free char *text = NULL;
	json_object *doc;

	TAP_OK(r != NULL, "default config audited");
	if (!r)
		return tap_done();
	TAP_OK(glass_audit_max(r) < GLASS_AUDIT_HIGH, "default config: highest severity %s",
	       glass_audit_severity_name(glass_audit_max(r)));
	f = find(r, "no-user-namespace");
	TAP_OK(f && f->severity == GLASS_AUDIT_INFO, "default config: no user namespace is info");
	TAP_OK(find(r, "no-new-privs") && find(r, "no-new-privs")->severity == GLASS_AUDIT_OK,
	       "default config: no_new_privs reported as a protection");
	json = glass_audit_report_json(r, "c.json");
	doc = json_tokener_parse(json);
	TAP_OK(doc && json_object_array_length(get(doc, "findings")) == r->n,
	       "JSON form has all %zu entries", r->n);
	TAP_OK(doc && !strcmp(json_object_get_string(get(get(doc, "summary"), "high")), "0"),
	       "JSON summary: 0 high");
	json_object_put(doc);
	text = glass_audit_report_text(r, "c.json", 0);
	TAP_OK(strstr(text, "summary: 0 critical, 0 high") && strstr(text, "fix:"),
	       "text form: summary and fixes");
	glass_audit_free(r);

	r = audit_edit(add_sys_admin);
	f = find(r, "cap-sys-admin");
	TAP_OK(f && f->severity == GLASS_AUDIT_HIGH &&
	           !strcmp(f->field, "process.capabilities.bounding") && f->fix,
	       "CAP_SYS_ADMIN: high on process.capabilities.bounding");
	f = find(r, "no-seccomp");
	TAP_OK(f && f->severity == GLASS_AUDIT_HIGH, "no seccomp with CAP_SYS_ADMIN: high");
	glass_audit_free(r);

	r = audit_edit(no_nnp);
	f = find(r, "root-without-no-new-privs");
	TAP_OK(f && f->severity == GLASS_AUDIT_MEDIUM, "noNewPrivileges false as root: medium");
	glass_audit_free(r);

	r = audit_edit(host_net);
	f = find(r, "cloud-metadata-reachable");
	TAP_OK(f && f->severity == GLASS_AUDIT_HIGH && strstr(f->risk, "169.254.169.254"),
	       "host network: metadata reachable (high)");
	TAP_OK(find(r, "host-network-namespace") != NULL, "host network: namespace finding");
	glass_audit_free(r);

	r = audit_edit(docker_sock);
	f = find(r, "runtime-socket");
	TAP_OK(f && f->severity == GLASS_AUDIT_CRITICAL && strstr(f->field, "mounts["),
	       "docker.sock mounted: critical on mounts[N].source");
	glass_audit_free(r);

	r = audit_edit(writable_root);
	f = find(r, "writable-rootfs");
	TAP_OK(f && !strcmp(f->field, "root.readonly"), "writable rootfs flagged on root.readonly");
	glass_audit_free(r);

	TAP_OK(glass_audit_severity_from_name("HIGH") == GLASS_AUDIT_HIGH &&
	           glass_audit_severity_from_name("nope") == -1,
	       "severity names round-trip");
	return tap_done();
}

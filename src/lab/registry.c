/* lab registry: the one table of experiments.
 *
 * Each experiment is a module: a worker in src/lab/exp-ID.c that defines
 * `lab_module_ID` (its kinds, how their requests are checked, what the
 * worker runs) and a page part in src/lab/web/exp-ID.{html,js,css}.  The
 * server routes API kinds through this table, fills the page's tabs and
 * panels from it, and `glass lab --docs` prints the table docs/lab.md
 * carries (a test compares the two).  Adding an experiment is one line
 * here plus its own files.
 */
#include "lab.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

const struct lab_module *const lab_modules[] = {
    &lab_module_namespaces, &lab_module_walkthrough, &lab_module_cgroups,  &lab_module_overlay,
    &lab_module_image,      &lab_module_chain,       &lab_module_security, &lab_module_network,
};
const size_t lab_nmodules = sizeof(lab_modules) / sizeof(lab_modules[0]);

const struct lab_kind *lab_kind_find(const char *name, const struct lab_module **mod)
{
	for (size_t i = 0; name && i < lab_nmodules; i++)
		for (size_t k = 0; k < lab_modules[i]->nkinds; k++)
			if (strcmp(lab_modules[i]->kinds[k].name, name) == 0) {
				if (mod)
					*mod = lab_modules[i];
				return &lab_modules[i]->kinds[k];
			}
	return NULL;
}

const struct lab_module *lab_module_find(const char *id)
{
	for (size_t i = 0; id && i < lab_nmodules; i++)
		if (strcmp(lab_modules[i]->id, id) == 0)
			return lab_modules[i];
	return NULL;
}

const struct lab_asset *lab_asset_find(const char *path)
{
	for (size_t i = 0; i < lab_nassets; i++)
		if (strcmp(lab_assets[i].path, path) == 0)
			return &lab_assets[i];
	return NULL;
}

/* ---- request checking ---- */

static const char *type_name(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a fraction";
	case json_type_int:
		return "a number";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	default:
		return "something else";
	}
}

bool lab_req_bool(json_object *req, const char *key, bool dflt, bool *out, char *why)
{
	json_object *v;
	*out = dflt;
	if (!req || !json_object_object_get_ex(req, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(why, LAB_WHY_SIZE, "%s: expected true or false, got %s", key,
		         type_name(v));
		return false;
	}
	*out = json_object_get_boolean(v);
	return true;
}

bool lab_req_int(json_object *req, const char *key, long long lo, long long hi, long long dflt,
                 long long *out, char *why)
{
	json_object *v;
	*out = dflt;
	if (!req || !json_object_object_get_ex(req, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(why, LAB_WHY_SIZE, "%s: expected a whole number from %lld to %lld, got %s",
		         key, lo, hi, type_name(v));
		return false;
	}
	long long x = json_object_get_int64(v);
	if (x < lo || x > hi) {
		snprintf(why, LAB_WHY_SIZE, "%s: %lld is outside %lld..%lld", key, x, lo, hi);
		return false;
	}
	*out = x;
	return true;
}

bool lab_req_enum(json_object *req, const char *key, const char *const *choices, const char *dflt,
                  const char **out, char *why)
{
	json_object *v;
	*out = dflt;
	if (!req || !json_object_object_get_ex(req, key, &v))
		return true;
	const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	for (size_t i = 0; s && choices[i]; i++)
		if (strcmp(s, choices[i]) == 0) {
			*out = choices[i];
			return true;
		}
	struct strbuf b = STRBUF_INIT;
	for (size_t i = 0; choices[i]; i++)
		strbuf_printf(&b, "%s\"%s\"", i ? ", " : "", choices[i]);
	cleanup_free char *list = strbuf_steal(&b);
	snprintf(why, LAB_WHY_SIZE, "%s: expected one of %s%s%s", key, list, s ? "" : ", got ",
	         s ? "" : type_name(v));
	return false;
}

bool lab_req_only(json_object *req, const char *const *keys, char *why)
{
	if (!req)
		return true;
	json_object_object_foreach(req, k, v)
	{
		(void)v;
		bool known = false;
		for (size_t i = 0; keys[i] && !known; i++)
			known = strcmp(k, keys[i]) == 0;
		if (!known) {
			snprintf(why, LAB_WHY_SIZE, "%.60s: not a field of this request", k);
			return false;
		}
	}
	return true;
}

/* ---- docs ---- */

void glass_lab_print_docs(void)
{
	printf("| tab | API kinds | worker | page |\n|---|---|---|---|\n");
	for (size_t i = 0; i < lab_nmodules; i++) {
		const struct lab_module *m = lab_modules[i];
		printf("| %s | ", m->title);
		for (size_t k = 0; k < m->nkinds; k++)
			printf("%s`%s`", k ? ", " : "", m->kinds[k].name);
		printf(" | `%s` | `src/lab/web/exp-%s.{html,js,css}` |\n", m->source, m->id);
	}
	printf("\n");
	for (size_t i = 0; i < lab_nmodules; i++)
		printf("- **%s**: %s\n", lab_modules[i]->title, lab_modules[i]->summary);
}

char *lab_req_op(json_object *req, const char *const *ops, char *why)
{
	static const char *const keys[] = {"op", NULL};
	const char *op = NULL;
	if (!lab_req_only(req, keys, why) || !lab_req_enum(req, "op", ops, NULL, &op, why))
		return NULL;
	if (!op) {
		struct strbuf b = STRBUF_INIT;
		for (size_t i = 0; ops[i]; i++)
			strbuf_printf(&b, "%s%s", i ? ", " : "", ops[i]);
		snprintf(why, LAB_WHY_SIZE, "op: expected one of %s", b.buf);
		strbuf_release(&b);
		return NULL;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "op", json_object_new_string(op));
	return lab_json_steal(o);
}

/* cli-ps: `glass ps` and `glass inspect`.
 *
 * ps prints docker's table, one JSON object a line (--format json), or
 * a template in Go's notation with the fields docker's ps knows
 * ({{.ID}} {{.Names}} {{.Image}} {{.Command}} {{.Status}} {{.State}}
 * {{.CreatedAt}} {{.RunningFor}} {{.Labels}} {{.Label "k"}} {{.Ports}}),
 * "table " in front adding a header.  Filters as docker's: id, name,
 * status, label=K[=V], exited=N, ancestor=IMAGE. */
#include "cli.h"
#include "spec.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static const char ps_use[] =
    "glass ps [-a] [-q] [--no-trunc] [--filter K=V] [--format table|json|TEMPLATE]";
static const char inspect_use[] = "glass inspect [--format TEMPLATE] CONTAINER...";

int cli_fail(struct glass_err **err, int status)
{
	engine_fail(err);
	return status;
}

/* The value of one template field, malloc'd; NULL when unknown. */
static char *field(const struct ctr *c, struct json_object *sum, const char *name, bool trunc)
{
	const char *s;
	if (strcmp(name, "ID") == 0)
		return trunc ? xstrndup(c->id, 12) : xstrdup(c->id);
	if (strcmp(name, "Names") == 0)
		return xstrdup(c->name);
	if (strcmp(name, "Image") == 0 || strcmp(name, "Command") == 0 ||
	    strcmp(name, "Status") == 0 || strcmp(name, "State") == 0) {
		s = json_object_get_string(json_object_object_get(sum, name));
		if (strcmp(name, "Command") == 0 && trunc && strlen(s) > 20)
			return xasprintf("\"%.19s…\"", s);
		return strcmp(name, "Command") == 0 ? xasprintf("\"%s\"", s) : xstrdup(s);
	}
	if (strcmp(name, "CreatedAt") == 0)
		return xstrdup(ctr_rec_str(c, "Created"));
	if (strcmp(name, "RunningFor") == 0) {
		cleanup_free char *h = ctr_human_since(ctr_rec_str(c, "Created"));
		return xasprintf("%s ago", h);
	}
	if (strcmp(name, "Ports") == 0)
		return ctr_net_ports_text(c);
	if (strcmp(name, "Labels") == 0) {
		struct strbuf b = STRBUF_INIT;
		json_object_object_foreach(ctr_rec(c, "Config.Labels"), k, v)
		{
			strbuf_printf(&b, "%s%s=%s", b.len ? "," : "", k,
			              json_object_get_string(v));
		}
		return strbuf_steal(&b);
	}
	if (strncmp(name, "Label \"", 7) == 0) {
		cleanup_free char *key = xstrndup(name + 7, strcspn(name + 7, "\""));
		struct json_object *v = json_object_object_get(ctr_rec(c, "Config.Labels"), key);
		return xstrdup(v ? json_object_get_string(v) : "");
	}
	return NULL;
}

/* What one {{ ... }} of a template becomes: `a` is the action's text
 * (n bytes, its spaces trimmed); the result is appended to `out`. */
typedef void (*template_action)(const char *a, size_t n, struct strbuf *out, void *ctx);

/* Walks a template in Go's notation: the text between actions is copied,
 * each action is handed to `act`; an unclosed "{{" is text.  Malloc'd. */
static char *template_walk(const char *tmpl, template_action act, void *ctx)
{
	struct strbuf b = STRBUF_INIT;
	for (const char *p = tmpl; *p;) {
		const char *open = strstr(p, "{{"), *close = open ? strstr(open, "}}") : NULL;
		if (!close) {
			strbuf_append(&b, p, strlen(p));
			break;
		}
		strbuf_append(&b, p, (size_t)(open - p));
		const char *a = open + 2 + strspn(open + 2, " ");
		size_t n = (size_t)(close - a);
		while (n > 0 && a[n - 1] == ' ')
			n--;
		act(a, n, &b, ctx);
		p = close + 2;
	}
	return strbuf_steal(&b);
}

/* The length of the action's first word, after `skip` bytes. */
static size_t first_word(const char *a, size_t n, size_t skip)
{
	size_t w = skip;
	while (w < n && a[w] != ' ')
		w++;
	return w - skip;
}

struct ps_row {
	const struct ctr *c;
	struct json_object *sum;
	bool trunc;
};

static void ps_field(const char *a, size_t n, struct strbuf *out, void *ctx)
{
	const struct ps_row *r = ctx;
	size_t dot = n > 0 && *a == '.';
	cleanup_free char *name = xstrndup(a + dot, n - dot);
	cleanup_free char *v = field(r->c, r->sum, name, r->trunc);
	if (v)
		strbuf_append(out, v, strlen(v));
	else if (strcmp(name, "json .") == 0 || strcmp(name, "json") == 0) {
		const char *j = json_object_to_json_string_ext(r->sum, JSON_C_TO_STRING_PLAIN);
		strbuf_append(out, j, strlen(j));
	}
}

/* Expands {{.X}} in `tmpl`; \t and \n as docker's. */
static char *expand(const struct ctr *c, const char *tmpl, bool trunc)
{
	cleanup_json struct json_object *sum = ctr_summary(c);
	struct ps_row r = {c, sum, trunc};
	return template_walk(tmpl, ps_field, &r);
}

static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && (r[1] == 't' || r[1] == 'n')) {
			*w++ = r[1] == 't' ? '\t' : '\n';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static const char table_fmt[] = "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t"
                                "{{.Ports}}\t{{.Names}}";

/* Pads tab-separated columns as Go's tabwriter does (min width, 3 spaces). */
static void print_table(char **rows, size_t n)
{
	size_t w[16] = {0};
	for (size_t i = 0; i < n; i++)
		for (size_t col = 0, len = 0, k = 0;; k++) {
			if (rows[i][k] == '\t' || !rows[i][k]) {
				if (col < 16 && len > w[col])
					w[col] = len;
				col++;
				len = 0;
				if (!rows[i][k])
					break;
			} else if ((rows[i][k] & 0xc0) != 0x80) {
				len++;
			}
		}
	for (size_t i = 0; i < n; i++) {
		size_t col = 0;
		for (char *cell = rows[i], *tab; cell; col++) {
			tab = strchr(cell, '\t');
			int len = tab ? (int)(tab - cell) : (int)strlen(cell);
			size_t chars = 0;
			for (int k = 0; k < len; k++)
				chars += (cell[k] & 0xc0) != 0x80;
			printf("%.*s", len, cell);
			if (tab)
				printf("%*s", (int)(w[col < 16 ? col : 15] - chars + 3), "");
			cell = tab ? tab + 1 : NULL;
		}
		putchar('\n');
	}
}

/* A column's header: {{.X}} as docker names it. */
static void header_name(const char *a, size_t n, struct strbuf *out, void *ctx)
{
	static const char *const names[][2] = {
	    {"ID", "CONTAINER ID"},    {"Image", "IMAGE"},   {"Command", "COMMAND"},
	    {"RunningFor", "CREATED"}, {"Status", "STATUS"}, {"Ports", "PORTS"},
	    {"Names", "NAMES"},        {"State", "STATE"},   {"CreatedAt", "CREATED AT"},
	    {"Labels", "LABELS"}};
	size_t dots = 0;
	while (dots < n && a[dots] == '.')
		dots++;
	a += dots;
	n = first_word(a, n - dots, 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i][0]) == n && strncmp(a, names[i][0], n) == 0) {
			strbuf_append(out, names[i][1], strlen(names[i][1]));
			return;
		}
	strbuf_append(out, a, n);
}

/* The header of a "table" template. */
static char *header(const char *tmpl)
{
	return template_walk(tmpl, header_name, NULL);
}

struct ps_args {
	bool all, quiet, trunc;
	const char *format;
	char **filters;
	size_t nfilters;
};

static bool wanted(const struct ps_args *a, const struct ctr *c)
{
	if (!a->all && a->nfilters == 0 && c->st.status != CTR_RUNNING &&
	    c->st.status != CTR_PAUSED && c->st.status != CTR_RESTARTING)
		return false;
	for (size_t f = 0; f < a->nfilters; f++)
		if (!ctr_filter_match(c, a->filters[f]))
			return false;
	return true;
}

static void print_list(const struct ps_args *a, struct ctr **list, size_t n)
{
	bool json = a->format && strcmp(a->format, "json") == 0;
	bool table = !a->format || strncmp(a->format, "table", 5) == 0;
	cleanup_free char *tmpl = xstrdup(!a->format || strcmp(a->format, "table") == 0 ? table_fmt
	                                  : table ? a->format + 5 + strspn(a->format + 5, " ")
	                                          : a->format);
	unescape(tmpl);
	char **rows = xcalloc(n + 2, sizeof(char *));
	size_t k = 0;
	if (table && !a->quiet)
		rows[k++] = header(tmpl);
	for (size_t i = 0; i < n; i++) {
		if (!wanted(a, list[i]))
			continue;
		if (a->quiet) {
			printf("%.*s\n", a->trunc ? 12 : CTR_ID_LEN, list[i]->id);
		} else if (json) {
			cleanup_json struct json_object *s = ctr_summary(list[i]);
			printf("%s\n",
			       json_object_to_json_string_ext(
			           s, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		} else {
			rows[k++] = expand(list[i], tmpl, a->trunc);
		}
	}
	if (table)
		print_table(rows, k);
	else
		for (size_t i = 0; i < k; i++)
			printf("%s\n", rows[i]);
	for (size_t i = 0; i < k; i++)
		free(rows[i]);
	free(rows);
}

int cmd_ps(int argc, char **argv)
{
	struct ps_args a = {.trunc = true, .filters = xcalloc((size_t)argc, sizeof(char *))};
	struct glass_err *err = NULL;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "-a") == 0 || strcmp(s, "--all") == 0)
			a.all = true;
		else if (strcmp(s, "-q") == 0 || strcmp(s, "--quiet") == 0)
			a.quiet = true;
		else if (strcmp(s, "-aq") == 0 || strcmp(s, "-qa") == 0)
			a.all = a.quiet = true;
		else if (strcmp(s, "--no-trunc") == 0)
			a.trunc = false;
		else if ((strcmp(s, "-f") == 0 || strcmp(s, "--filter") == 0) && i + 1 < argc)
			a.filters[a.nfilters++] = argv[++i];
		else if (strncmp(s, "--filter=", 9) == 0)
			a.filters[a.nfilters++] = argv[i] + 9;
		else if (strcmp(s, "--format") == 0 && i + 1 < argc)
			a.format = argv[++i];
		else if (strncmp(s, "--format=", 9) == 0)
			a.format = s + 9;
		else {
			free(a.filters);
			return engine_usage(ps_use, "ps: unknown option %s", s);
		}
	}
	struct ctr **list = NULL;
	size_t n = 0;
	int rc = 0;
	if (ctr_list_all(&list, &n, &err) < 0)
		rc = cli_fail(&err, 1);
	else
		print_list(&a, list, n);
	ctr_list_free(list, n);
	free(a.filters);
	return rc;
}

int cmd_inspect(int argc, char **argv)
{
	const char *format = NULL;
	int i = 1, rc = 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--format") == 0) &&
		    i + 1 < argc)
			format = argv[++i];
		else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc)
			i++; /* containers only here */
		else
			return engine_usage(inspect_use, "inspect: unknown option %s", argv[i]);
	}
	if (i >= argc)
		return engine_usage(inspect_use, "inspect: no container given");
	struct json_object *all = json_object_new_array();
	for (; i < argc; i++) {
		struct glass_err *err = NULL;
		struct json_object *o = NULL;
		if (ctr_inspect(argv[i], &o, &err) < 0) {
			rc = cli_fail(&err, 1);
			continue;
		}
		if (format)
			cli_print_template(o, format);
		json_object_array_add(all, o);
	}
	if (!format)
		printf("%s\n", json_object_to_json_string_ext(
		                   all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		                            JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(all);
	return rc;
}

/* {{.A.B}} or {{json .A}} of an inspect object. */
static void inspect_value(const char *a, size_t n, struct strbuf *out, void *ctx)
{
	struct json_object *o = ctx;
	bool json = n >= 5 && strncmp(a, "json ", 5) == 0;
	if (json) {
		a += 5;
		n -= 5;
		while (n > 0 && *a == ' ') {
			a++;
			n--;
		}
	}
	size_t dot = n > 0 && *a == '.';
	cleanup_free char *path = xstrndup(a + dot, first_word(a, n, dot));
	struct json_object *v = *path ? ctr_json_at(o, path) : o;
	const char *text = "<no value>";
	if (json || json_object_is_type(v, json_type_object) ||
	    json_object_is_type(v, json_type_array))
		text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
		                                             JSON_C_TO_STRING_NOSLASHESCAPE);
	else if (v)
		text = json_object_get_string(v);
	strbuf_append(out, text, strlen(text));
}

/* inspect --format: {{.State.Status}}, {{json .Config}}, {{.Name}} ... */
void cli_print_template(struct json_object *o, const char *tmpl)
{
	cleanup_free char *t = xstrdup(tmpl);
	unescape(t);
	cleanup_free char *s = template_walk(t, inspect_value, o);
	puts(s);
}

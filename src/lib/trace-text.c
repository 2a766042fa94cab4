/* trace-text: the narration a person reads (`--trace`), see trace.h.
 *
 * Two levels.  GLASS_TRACE_ALL prints every call, one line each, as strace
 * would.  GLASS_TRACE_STEPS (the default) prints the steps that change what
 * the process is -- namespaces, identity, root, limits, filter, exec -- and
 * leaves out the bookkeeping around them (opening the directory a mount
 * goes on, making the mount point, setting a device node's mode): a call of
 * the bookkeeping list shows only when it fails for a reason other than
 * "not there yet" (ENOENT, EEXIST, which the code asked to find out).
 * A run of the same step with the same config field is folded into one
 * line: "PR_CAPBSET_DROP ×38 (CAP_CHOWN … CAP_CHECKPOINT_RESTORE)",
 * "mount ×10 cgroup v1 hierarchies under /sys/fs/cgroup".  A failure is
 * never folded.
 *
 * Every event, shown or not, also feeds the summary printed at the end:
 * the time spent in each phase and what the container ended up with. */
#include "trace-internal.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum glass_trace_level level = GLASS_TRACE_STEPS;
static int color_mode = -1; /* 1 always, 0 never, -1 auto */
static int color_fd = -1;
static bool color_on;

void glass_trace_set_style(enum glass_trace_level lvl, int color)
{
	level = lvl;
	color_mode = color;
	color_fd = -1;
}

static bool use_color(int fd)
{
	if (fd != color_fd) {
		const char *term = getenv("TERM");
		color_fd = fd;
		if (color_mode >= 0)
			color_on = color_mode == 1;
		else
			color_on =
			    isatty(fd) && !getenv("NO_COLOR") && term && strcmp(term, "dumb") != 0;
	}
	return color_on;
}

/* One color per phase, so the eye finds where each part of the work is. */
static const char *phase_color(const char *phase)
{
	static const struct {
		const char *phase, *sgr;
	} colors[] = {
	    {"validate", "2"},    {"setup", "2"},     {"state", "34"},   {"security", "35"},
	    {"namespaces", "36"}, {"idmap", "36"},    {"network", "36"}, {"cgroup", "33"},
	    {"rootfs", "32"},     {"identity", "95"}, {"process", "94"}, {"hooks", "37"},
	    {"created", "1"},     {"start", "1"},     {"exec", "1;32"},  {"wait", "1"},
	};
	for (size_t i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
		if (strcmp(colors[i].phase, phase) == 0)
			return colors[i].sgr;
	return "0";
}

/* "glass: [phase     ] " with the phase's color on a terminal. */
static void put_head(struct strbuf *b, int fd, const char *phase)
{
	if (use_color(fd))
		strbuf_printf(b, "glass: \033[%sm[%-10s]\033[0m ", phase_color(phase), phase);
	else
		strbuf_printf(b, "glass: [%-10s] ", phase);
}

static void put_field(struct strbuf *b, const char *field)
{
	if (field[0])
		strbuf_printf(b, "   <- %s", field);
}

static void put_error(struct strbuf *b, int fd, int errnum)
{
	const char *name = strerrorname_np(errnum);
	strbuf_printf(b, "%s= -1 %s (%s)%s", use_color(fd) ? "\033[31m" : "", name ? name : "?",
	              strerror(errnum), use_color(fd) ? "\033[0m" : "");
}

static bool is_exec(const char *call)
{
	return strncmp(call, "execve", 6) == 0;
}

/* One event as one line: what --trace=all prints for every event. */
static void render_line(int fd, const struct glass_trace_event *ev)
{
	struct strbuf b = STRBUF_INIT;
	put_head(&b, fd, ev->phase);
	switch (ev->kind) {
	case GLASS_TRACE_NOTE:
		strbuf_printf(&b, "%s%s%s", ev->call, ev->args[0] ? ": " : "", ev->args);
		break;
	case GLASS_TRACE_END:
		strbuf_printf(&b, "%5d %s(%s) ", ev->pid, ev->call, ev->args);
		if (ev->errnum)
			put_error(&b, fd, ev->errnum);
		else
			strbuf_printf(&b, "= %lld", (long long)ev->result);
		strbuf_printf(&b, " <%.3f ms>", (double)ev->dur_ns / 1e6);
		break;
	default:
		/* A successful execve never ends in this process: it shows as
		 * it starts (a failure prints its END line too). */
		strbuf_printf(&b, "%5d %s(%s) = ? (replaces the process)", ev->pid, ev->call,
		              ev->args);
		break;
	}
	put_field(&b, ev->field);
	strbuf_printf(&b, "\n");
	if (write(fd, b.buf, b.len) < 0) {
		/* the trace is best effort: a closed sink must not fail the call */
	}
	strbuf_release(&b);
}

/* ---- the arguments, split the way C reads them */

#define MAX_ARGS 8
#define ARG_LEN  256

/* Splits "a, \"b, c\", {d, e}" at the top-level commas; returns the count. */
static int split_args(const char *s, char out[][ARG_LEN], int max)
{
	int n = 0, depth = 0;
	bool quoted = false;
	size_t at = 0;
	char prev = '\0';
	for (; *s && n < max; prev = *s, s++) {
		if (*s == '"' && prev != '\\')
			quoted = !quoted;
		else if (!quoted && strchr("([{", *s))
			depth++;
		else if (!quoted && strchr(")]}", *s) && depth > 0)
			depth--;
		if (!quoted && depth == 0 && *s == ',') {
			out[n++][at] = '\0';
			at = 0;
			while (s[1] == ' ')
				s++;
			continue;
		}
		if (at + 1 < ARG_LEN)
			out[n][at++] = *s;
	}
	if (n < max)
		out[n++][at] = '\0';
	return n;
}

/* "\"text\"" -> "text" (in place); a path shown as "/proc/self/fd/6" (/dev)
 * -> "/dev": the file the descriptor stands for. */
static char *unquote(char *a)
{
	char *open = strstr(a, "\" (");
	size_t len;
	if (open && a[strlen(a) - 1] == ')') {
		a[strlen(a) - 1] = '\0';
		return open + 3;
	}
	len = strlen(a);
	if (len >= 2 && a[0] == '"' && a[len - 1] == '"') {
		a[len - 1] = '\0';
		return a + 1;
	}
	return a;
}

/* ---- folding */

static bool bookkeeping(const char *call)
{
	static const char *const calls[] = {
	    "openat",   "openat2",  "open",         "mkdirat",  "mknodat",   "symlinkat",
	    "unlinkat", "fchmodat", "fchownat",     "fchown",   "chmod",     "chown",
	    "chdir",    "fchdir",   "fcntl",        "rmdir",    "mkfifoat",  "dup3",
	    "socket",   "connect",  "sendmsg",      "unlockpt", "ptsname",   "syncfs",
	    "flock",    "fsync",    "memfd_create", "rm -r",    "fsetxattr", "close_range",
	};
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (strcmp(calls[i], call) == 0)
			return true;
	return false;
}

/* Whether the STEPS level shows `ev`. */
static bool is_step(const struct glass_trace_event *ev)
{
	if (ev->kind == GLASS_TRACE_NOTE)
		return true;
	if (ev->kind == GLASS_TRACE_BEGIN)
		return is_exec(ev->call);
	if (ev->kind != GLASS_TRACE_END)
		return false;
	if (bookkeeping(ev->call))
		return ev->errnum != 0 && ev->errnum != ENOENT && ev->errnum != EEXIST;
	return true;
}

/* Calls whose runs fold into one line. */
static bool foldable(const char *call)
{
	return strcmp(call, "mount") == 0 || strcmp(call, "prctl") == 0 ||
	       strcmp(call, "write") == 0 || strcmp(call, "umount2") == 0 ||
	       strcmp(call, "setns") == 0 || strcmp(call, "bpf") == 0;
}

#define MAX_KINDS 8

struct fold {
	int n; /* events held, 0 when none */
	char key[320];
	char field[128]; /* with a trailing [N] dropped (except mounts[N]) */
	struct glass_trace_event first, last;
	uint64_t dur_ns;
	/* write: the paths written as one glob, "" when they do not line up */
	char glob[ARG_LEN];
	/* mount: what kinds of mount, how many of each, and under which dir */
	char kinds[MAX_KINDS][48];
	int nkind[MAX_KINDS];
	int nkinds;
	char under[ARG_LEN];
};

static struct fold fold;

/* config.json field of a fold: "linux.maskedPaths[3]" -> "linux.maskedPaths";
 * mounts[N] stay apart, each is a mount the config asked for. */
static void norm_field(const char *field, char *out, size_t size)
{
	char *br;
	snprintf(out, size, "%s", field);
	br = strrchr(out, '[');
	if (br && strncmp(out, "mounts[", 7) != 0 && br[strlen(br) - 1] == ']')
		*br = '\0';
}

static void fold_key(const struct glass_trace_event *ev, char *key, size_t size)
{
	char a[MAX_ARGS][ARG_LEN], f[128];
	const char *sub = "";
	int n = split_args(ev->args, a, MAX_ARGS);
	norm_field(ev->field, f, sizeof(f));
	if (strcmp(ev->call, "prctl") == 0 || strcmp(ev->call, "setns") == 0) {
		sub = strcmp(ev->call, "prctl") == 0 ? a[0] : (n > 1 ? a[1] : "");
	} else if (strcmp(ev->call, "write") == 0) {
		const char *p = unquote(a[0]);
		const char *base = strrchr(p, '/');
		sub = base ? base : p;
	}
	snprintf(key, size, "%d|%.24s|%.32s|%.128s|%.100s", ev->pid, ev->phase, ev->call, f, sub);
}

/* The mount's kind as the folded line names it. */
static const char *mount_kind(char a[][ARG_LEN], int n)
{
	const char *type = n > 2 ? a[2] : "";
	const char *flags = n > 3 ? a[3] : "";
	if (strstr(flags, "MS_REMOUNT"))
		return strstr(flags, "MS_RDONLY") ? "read-only remounts" : "remounts";
	if (strstr(flags, "MS_BIND"))
		return "binds";
	if (strcmp(type, "\"cgroup\"") == 0)
		return "cgroup v1 hierarchies";
	if (strcmp(type, "NULL") == 0)
		return "propagation changes";
	return NULL;
}

/* `dir` becomes the longest common directory of itself and `path`. */
static void common_dir(char *dir, const char *path)
{
	size_t i = 0, cut = 0;
	while (dir[i] && dir[i] == path[i]) {
		i++;
		if (dir[i] == '/' || (dir[i] == '\0' && (path[i] == '/' || path[i] == '\0')))
			cut = i;
	}
	dir[cut] = '\0';
}

/* The paths as one glob: "/sys/fs/cgroup/cpu/x" and "/sys/fs/cgroup/pids/x"
 * -> "/sys/fs/cgroup/STAR/x" (STAR: "*"); "" when they differ in depth. */
static void glob_merge(char *glob, size_t size, const char *path)
{
	char out[ARG_LEN] = "";
	const char *g = glob, *p = path;
	size_t at = 0;
	while (*g || *p) {
		size_t gl = strcspn(g, "/"), pl = strcspn(p, "/");
		if (!*g || !*p) {
			glob[0] = '\0';
			return;
		}
		if (gl == pl && strncmp(g, p, gl) == 0)
			at += (size_t)snprintf(out + at, sizeof(out) - at, "%.*s", (int)gl, g);
		else
			at += (size_t)snprintf(out + at, sizeof(out) - at, "*");
		g += gl;
		p += pl;
		if (*g != *p) {
			glob[0] = '\0';
			return;
		}
		if (*g) {
			at += (size_t)snprintf(out + at, sizeof(out) - at, "/");
			g++;
			p++;
		}
		if (at >= sizeof(out)) {
			glob[0] = '\0';
			return;
		}
	}
	snprintf(glob, size, "%s", out);
}

static void fold_add_detail(const struct glass_trace_event *ev)
{
	char a[MAX_ARGS][ARG_LEN];
	int n = split_args(ev->args, a, MAX_ARGS);
	const char *kind, *target;
	if (strcmp(ev->call, "write") == 0) {
		const char *p = unquote(a[0]);
		if (fold.n == 1)
			snprintf(fold.glob, sizeof(fold.glob), "%s", p);
		else if (fold.glob[0])
			glob_merge(fold.glob, sizeof(fold.glob), p);
		return;
	}
	if (strcmp(ev->call, "mount") != 0 || n < 4)
		return;
	kind = mount_kind(a, n);
	if (!kind)
		kind = unquote(a[2]);
	target = unquote(a[1]);
	if (fold.n == 1)
		snprintf(fold.under, sizeof(fold.under), "%s", target);
	else
		common_dir(fold.under, target);
	for (int i = 0; i < fold.nkinds; i++)
		if (strcmp(fold.kinds[i], kind) == 0) {
			fold.nkind[i]++;
			return;
		}
	if (fold.nkinds < MAX_KINDS) {
		snprintf(fold.kinds[fold.nkinds], sizeof(fold.kinds[0]), "%s", kind);
		fold.nkind[fold.nkinds++] = 1;
	}
}

/* The part of the arguments that changes along a run. */
static const char *fold_item(const struct glass_trace_event *ev, char *buf, size_t size)
{
	char a[MAX_ARGS][ARG_LEN];
	int n = split_args(ev->args, a, MAX_ARGS);
	if (strcmp(ev->call, "prctl") == 0)
		snprintf(buf, size, "%s", n > 1 ? a[n - 1] : "");
	else if (strcmp(ev->call, "write") == 0)
		snprintf(buf, size, "%s", n > 1 ? a[1] : "");
	else
		snprintf(buf, size, "%.*s", (int)(size - 1), ev->args);
	return buf;
}

static void render_fold(int fd)
{
	struct strbuf b = STRBUF_INIT;
	char first[ARG_LEN], last[ARG_LEN], a[MAX_ARGS][ARG_LEN];
	put_head(&b, fd, fold.first.phase);
	strbuf_printf(&b, "%5d ", fold.first.pid);
	if (strcmp(fold.first.call, "mount") == 0) {
		const char *under =
		    fold.under[0] && strcmp(fold.under, "/") != 0 ? fold.under : NULL;
		if (fold.nkinds == 1) {
			strbuf_printf(&b, "mount ×%d %s%s%s", fold.n, fold.kinds[0],
			              under ? " under " : "", under ? under : "");
		} else {
			strbuf_printf(&b, "mount ×%d%s%s:", fold.n, under ? " under " : "",
			              under ? under : "");
			for (int i = 0; i < fold.nkinds; i++)
				strbuf_printf(&b, "%s %d %s", i ? "," : "", fold.nkind[i],
				              fold.kinds[i]);
		}
	} else {
		fold_item(&fold.first, first, sizeof(first));
		fold_item(&fold.last, last, sizeof(last));
		if (strcmp(fold.first.call, "prctl") == 0) {
			split_args(fold.first.args, a, MAX_ARGS);
			strbuf_printf(&b, "%s ×%d", a[0], fold.n);
		} else if (strcmp(fold.first.call, "write") == 0 && fold.glob[0]) {
			strbuf_printf(&b, "write ×%d \"%s\"", fold.n, fold.glob);
		} else {
			strbuf_printf(&b, "%s ×%d", fold.first.call, fold.n);
		}
		if (strcmp(first, last) == 0)
			strbuf_printf(&b, " (%s)", first);
		else
			strbuf_printf(&b, " (%s%s%s)", first, fold.n == 2 ? ", " : " … ", last);
	}
	strbuf_printf(&b, " = 0 <%.3f ms>", (double)fold.dur_ns / 1e6);
	put_field(&b, fold.field);
	strbuf_printf(&b, "\n");
	if (write(fd, b.buf, b.len) < 0) {
		/* best effort, as render_line */
	}
	strbuf_release(&b);
}

void glass_trace_text_flush(int fd)
{
	if (fold.n == 1)
		render_line(fd, &fold.first);
	else if (fold.n > 1)
		render_fold(fd);
	fold.n = 0;
}

static void fold_event(int fd, const struct glass_trace_event *ev)
{
	char key[sizeof(fold.key)];
	if (ev->kind != GLASS_TRACE_END || ev->errnum || !foldable(ev->call)) {
		glass_trace_text_flush(fd);
		render_line(fd, ev);
		return;
	}
	fold_key(ev, key, sizeof(key));
	if (fold.n > 0 && strcmp(key, fold.key) == 0) {
		fold.n++;
		fold.last = *ev;
		fold.dur_ns += ev->dur_ns;
		fold_add_detail(ev);
		return;
	}
	glass_trace_text_flush(fd);
	memset(&fold, 0, sizeof(fold));
	snprintf(fold.key, sizeof(fold.key), "%s", key);
	norm_field(ev->field, fold.field, sizeof(fold.field));
	fold.n = 1;
	fold.first = fold.last = *ev;
	fold.dur_ns = ev->dur_ns;
	fold_add_detail(ev);
}

/* ---- the summary */

#define MAX_PHASES 24

static struct {
	bool container; /* a clone or setns was seen: there is something to sum up */
	uint64_t last_ts;
	char last_phase[24];
	char phase[MAX_PHASES][24];
	uint64_t phase_ns[MAX_PHASES];
	int nphases;
	char new_ns[160], joined_ns[160];
	char uid_map[160], gid_map[160];
	char caps[512];
	int bounding_dropped;
	char seccomp[160];
	bool no_new_privs;
	char root[300], root_how[32];
	bool root_ro;
	char uid[24], gid[24];
	char process[300];
	char hostname[80];
} sum;

static void add_phase_time(const struct glass_trace_event *ev)
{
	int i;
	if (sum.last_ts && ev->ts_ns > sum.last_ts && sum.last_phase[0]) {
		for (i = 0; i < sum.nphases; i++)
			if (strcmp(sum.phase[i], sum.last_phase) == 0)
				break;
		if (i == sum.nphases && i < MAX_PHASES)
			snprintf(sum.phase[sum.nphases++], sizeof(sum.phase[0]), "%s",
			         sum.last_phase);
		if (i < MAX_PHASES)
			sum.phase_ns[i] += ev->ts_ns - sum.last_ts;
	}
	if (ev->ts_ns > sum.last_ts || !sum.last_ts)
		sum.last_ts = ev->ts_ns;
	snprintf(sum.last_phase, sizeof(sum.last_phase), "%s", ev->phase);
}

/* Appends the CLONE_NEW* names of `flags` to `list` as "mnt, uts". */
static void add_ns_names(char *list, size_t size, const char *flags)
{
	static const struct {
		const char *flag, *name;
	} ns[] = {
	    {"CLONE_NEWNS", "mnt"},        {"CLONE_NEWUTS", "uts"},   {"CLONE_NEWIPC", "ipc"},
	    {"CLONE_NEWPID", "pid"},       {"CLONE_NEWNET", "net"},   {"CLONE_NEWUSER", "user"},
	    {"CLONE_NEWCGROUP", "cgroup"}, {"CLONE_NEWTIME", "time"},
	};
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		const char *at = strstr(flags, ns[i].flag);
		size_t len = strlen(ns[i].flag);
		if (!at || (at[len] && at[len] != '|') || strstr(list, ns[i].name))
			continue;
		size_t used = strlen(list);
		snprintf(list + used, size - used, "%s%s", used ? ", " : "", ns[i].name);
	}
}

/* The container's command line from an execve's argv ("[\"a\", \"b\"]").
 * Through the exec stub (execveat of "glass-exec FD - PATH ARGV...") the
 * command is what follows the stub's own three arguments and PATH. */
static void note_process(const char *args)
{
	const char *open = strchr(args, '[');
	char inner[512], words[16][ARG_LEN];
	int n, skip;
	if (!open)
		return;
	snprintf(inner, sizeof(inner), "%.*s", (int)strcspn(open + 1, "]"), open + 1);
	n = split_args(inner, words, 16);
	skip = n > 4 && strcmp(words[0], "\"glass-exec\"") == 0 ? 4 : 0;
	sum.process[0] = '\0';
	for (int i = skip; i < n; i++) {
		size_t at = strlen(sum.process);
		snprintf(sum.process + at, sizeof(sum.process) - at, "%s%s", at ? " " : "",
		         unquote(words[i]));
	}
}

static void note_fact(const struct glass_trace_event *ev)
{
	char a[MAX_ARGS][ARG_LEN];
	int n;
	if (ev->kind == GLASS_TRACE_NOTE) {
		if (strcmp(ev->call, "rootfs") == 0 && !sum.root[0]) {
			snprintf(sum.root, sizeof(sum.root), "%.299s", ev->args);
			sum.root_ro = strstr(ev->args, "(read-only)") != NULL;
		}
		return;
	}
	if (!(ev->kind == GLASS_TRACE_END && ev->errnum == 0) &&
	    !(ev->kind == GLASS_TRACE_BEGIN && is_exec(ev->call)))
		return;
	if (ev->kind == GLASS_TRACE_END && is_exec(ev->call))
		return;
	n = split_args(ev->args, a, MAX_ARGS);
	if (strcmp(ev->call, "clone") == 0 || strcmp(ev->call, "clone3") == 0 ||
	    strcmp(ev->call, "unshare") == 0) {
		if (strstr(ev->args, "CLONE_NEW"))
			sum.container = true;
		add_ns_names(sum.new_ns, sizeof(sum.new_ns), ev->args);
	} else if (strcmp(ev->call, "setns") == 0 && n > 1) {
		sum.container = true;
		add_ns_names(sum.joined_ns, sizeof(sum.joined_ns), a[1]);
	} else if (strcmp(ev->call, "write") == 0 && n > 1) {
		const char *p = unquote(a[0]);
		size_t pl = strlen(p);
		if (pl >= 7 && strcmp(p + pl - 7, "uid_map") == 0)
			snprintf(sum.uid_map, sizeof(sum.uid_map), "%s", unquote(a[1]));
		else if (pl >= 7 && strcmp(p + pl - 7, "gid_map") == 0)
			snprintf(sum.gid_map, sizeof(sum.gid_map), "%s", unquote(a[1]));
	} else if (strcmp(ev->call, "newuidmap") == 0) {
		snprintf(sum.uid_map, sizeof(sum.uid_map), "%.120s (newuidmap)", ev->args);
	} else if (strcmp(ev->call, "newgidmap") == 0) {
		snprintf(sum.gid_map, sizeof(sum.gid_map), "%.120s (newgidmap)", ev->args);
	} else if (strcmp(ev->call, "capset") == 0) {
		const char *e = strstr(ev->args, "effective=");
		snprintf(sum.caps, sizeof(sum.caps), "%.*s", e ? (int)strcspn(e + 10, ",}") : 0,
		         e ? e + 10 : "");
	} else if (strcmp(ev->call, "prctl") == 0) {
		if (strncmp(ev->args, "PR_CAPBSET_DROP", 15) == 0)
			sum.bounding_dropped++;
		else if (strcmp(ev->args, "PR_SET_NO_NEW_PRIVS, 1") == 0)
			sum.no_new_privs = true;
	} else if (strcmp(ev->call, "seccomp") == 0) {
		snprintf(sum.seccomp, sizeof(sum.seccomp), "%.159s", ev->args);
	} else if (strcmp(ev->call, "pivot_root") == 0 || strcmp(ev->call, "chroot") == 0) {
		snprintf(sum.root_how, sizeof(sum.root_how), "%s", ev->call);
	} else if (strcmp(ev->call, "setresuid") == 0) {
		snprintf(sum.uid, sizeof(sum.uid), "%.20s", a[0]);
	} else if (strcmp(ev->call, "setresgid") == 0) {
		snprintf(sum.gid, sizeof(sum.gid), "%.20s", a[0]);
	} else if (strcmp(ev->call, "sethostname") == 0) {
		snprintf(sum.hostname, sizeof(sum.hostname), "%s", unquote(a[0]));
	} else if (is_exec(ev->call)) {
		note_process(ev->args);
	}
}

void glass_trace_text_event(int fd, const struct glass_trace_event *ev)
{
	add_phase_time(ev);
	note_fact(ev);
	if (level == GLASS_TRACE_ALL) {
		if (ev->kind != GLASS_TRACE_BEGIN || is_exec(ev->call))
			render_line(fd, ev);
		return;
	}
	if (is_step(ev))
		fold_event(fd, ev);
}

static void sum_line(int fd, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sum_line(int fd, const char *what, const char *fmt, ...)
{
	struct strbuf b = STRBUF_INIT;
	char *text;
	va_list ap;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	if (use_color(fd))
		strbuf_printf(&b, "glass: \033[1m%-13s\033[0m %s\n", what, text);
	else
		strbuf_printf(&b, "glass: %-13s %s\n", what, text);
	if (write(fd, b.buf, b.len) < 0) {
		/* best effort */
	}
	strbuf_release(&b);
	free(text);
}

static void print_summary(int fd)
{
	struct strbuf t = STRBUF_INIT;
	uint64_t total = 0;
	char host_ns[160] = "";
	static const char *const all = "CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWPID|"
	                               "CLONE_NEWNET|CLONE_NEWUSER|CLONE_NEWCGROUP|CLONE_NEWTIME";
	char everything[160] = "";

	if (dprintf(fd, "glass: ── summary %s\n", "──────────────────────────────────────") < 0)
		return;
	for (int i = 0; i < sum.nphases; i++) {
		strbuf_printf(&t, "%s%s %.1f ms", i ? ", " : "", sum.phase[i],
		              (double)sum.phase_ns[i] / 1e6);
		total += sum.phase_ns[i];
	}
	sum_line(fd, "time", "%s (%.1f ms in all)", t.len ? t.buf : "-", (double)total / 1e6);
	strbuf_release(&t);

	add_ns_names(everything, sizeof(everything), all);
	for (char *name = everything; *name;) {
		size_t len = strcspn(name, ",");
		char one[16];
		snprintf(one, sizeof(one), "%.*s", (int)len, name);
		if (!strstr(sum.new_ns, one) && !strstr(sum.joined_ns, one)) {
			size_t used = strlen(host_ns);
			snprintf(host_ns + used, sizeof(host_ns) - used, "%s%s", used ? ", " : "",
			         one);
		}
		name += len;
		while (*name == ',' || *name == ' ')
			name++;
	}
	sum_line(fd, "namespaces", "new: %s%s%s; the host's: %s",
	         sum.new_ns[0] ? sum.new_ns : "none", sum.joined_ns[0] ? "; joined: " : "",
	         sum.joined_ns, host_ns[0] ? host_ns : "none");
	if (sum.uid_map[0] || sum.gid_map[0])
		sum_line(fd, "uid map", "%s (container host count)%s%s",
		         sum.uid_map[0] ? sum.uid_map : "-", sum.gid_map[0] ? "; gid map " : "",
		         sum.gid_map);
	else
		sum_line(fd, "uid map",
		         "none: no user namespace, so uid 0 inside is the host's uid 0 "
		         "(what holds it back: the capabilities, seccomp, the mounts)");
	sum_line(fd, "capabilities", "%s%s; bounding set: %d dropped",
	         sum.caps[0] ? sum.caps : "as inherited", sum.caps[0] ? " (effective)" : "",
	         sum.bounding_dropped);
	sum_line(fd, "seccomp", "%s; no_new_privs %s",
	         sum.seccomp[0] ? sum.seccomp : "none (no filter installed)",
	         sum.no_new_privs ? "on" : "off");
	if (sum.root[0] || sum.root_how[0])
		sum_line(fd, "root", "%s%s%s", sum.root[0] ? sum.root : "(unchanged)",
		         sum.root_how[0] ? " via " : "", sum.root_how);
	if (sum.process[0])
		sum_line(fd, "process", "%s, as uid %s gid %s%s%s", sum.process,
		         sum.uid[0] ? sum.uid : "(the caller's)",
		         sum.gid[0] ? sum.gid : "(the caller's)",
		         sum.hostname[0] ? ", hostname " : "", sum.hostname);
}

void glass_trace_text_finish(int fd)
{
	glass_trace_text_flush(fd);
	if (sum.container)
		print_summary(fd);
	memset(&sum, 0, sizeof(sum));
}

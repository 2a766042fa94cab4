/* state: see state.h. */
#include "state.h"
#include "spec.h"
#include "cgroup.h"
#include "util.h"

#include <dirent.h>
#include <limits.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *glass_state_dir(const char *root, const char *id)
{
	return xasprintf("%s/%s", root, id);
}

int glass_state_check_id(const char *id, struct glass_err **err)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0)
		return glass_err_new(err, 0, "container id cannot be empty");
	if (n > NAME_MAX)
		return glass_err_new(err, 0,
		                     "invalid container ID format: %.32s... is %zu bytes long; at "
		                     "most %d (NAME_MAX: the id names the state directory and the "
		                     "cgroup)",
		                     id, n, NAME_MAX);
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return glass_err_new(err, 0, "invalid container ID format: %s", id);
	for (const char *p = id; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '-' || c == '.'))
			return glass_err_new(err, 0, "invalid container ID format: %s", id);
	}
	return 0;
}

static int missing(struct glass_err **err, const char *id)
{
	return glass_err_new(err, 0, "container \"%s\" does not exist", id);
}

bool glass_state_is_missing(const struct glass_err *err)
{
	return err && err->op && err->errnum == 0 && strncmp(err->op, "container \"", 11) == 0 &&
	       strstr(err->op, "\" does not exist") != NULL;
}

static int lock_dir_fd(int fd, bool shared, const char *dir, struct glass_err **err)
{
	int r;
	do
		r = flock(fd, shared ? LOCK_SH : LOCK_EX);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return glass_err_new(err, errno, "flock(%s, %s)", dir,
		                     shared ? "LOCK_SH" : "LOCK_EX");
	return 0;
}

int glass_state_create_dir(const char *root, const char *id, int *lock_fd, struct glass_err **err)
{
	cleanup_free char *dir = glass_state_dir(root, id);
	int fd;
	if (mkdir_p(root, 0711) < 0)
		return glass_err_new(err, errno, "mkdir(%s)", root);
	if (mkdir(dir, 0711) < 0) {
		if (errno == EEXIST)
			return glass_err_new(err, 0, "container with id exists: %s", id);
		return glass_err_new(err, errno, "mkdir(%s)", dir);
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		glass_err_new(err, errno, "open(%s)", dir);
		rmdir(dir);
		return -1;
	}
	if (lock_dir_fd(fd, false, dir, err) < 0) {
		close(fd);
		rmdir(dir);
		return -1;
	}
	*lock_fd = fd;
	return 0;
}

int glass_state_lock(const char *root, const char *id, bool shared, int *lock_fd,
                     struct glass_err **err)
{
	cleanup_free char *dir = NULL;
	int fd;
	if (glass_state_check_id(id, err) < 0)
		return -1;
	dir = glass_state_dir(root, id);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return missing(err, id);
		return glass_err_new(err, errno, "open(%s)", dir);
	}
	if (lock_dir_fd(fd, shared, dir, err) < 0) {
		close(fd);
		return -1;
	}
	/* The directory may have been removed while we waited for the lock. */
	struct stat sb;
	if (fstat(fd, &sb) < 0 || sb.st_nlink == 0) {
		close(fd);
		return missing(err, id);
	}
	*lock_fd = fd;
	return 0;
}

static void add_str(json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

int glass_state_save(const char *root, const struct glass_state *st, struct glass_err **err)
{
	cleanup_free char *dir = glass_state_dir(root, st->id);
	json_object *o = json_object_new_object();
	const char *text;
	int r;

	add_str(o, "id", st->id);
	add_str(o, "bundle", st->bundle);
	add_str(o, "rootfs", st->rootfs);
	json_object_object_add(o, "pid", json_object_new_int(st->pid));
	json_object_object_add(o, "start_time", json_object_new_uint64(st->start_time));
	add_str(o, "created", st->created);
	add_str(o, "cgroup_path", st->cgroup_path);
	json_object_object_add(o, "systemd_cgroup", json_object_new_boolean(st->systemd_cgroup));
	add_str(o, "owner", st->owner);
	if (st->annotations)
		json_object_object_add(o, "annotations", json_object_get(st->annotations));
	if (st->cgroup_made) {
		json_object *a = json_object_new_array();
		for (char **p = st->cgroup_made; *p; p++)
			json_object_array_add(a, json_object_new_string(*p));
		json_object_object_add(o, "cgroup_made", a);
	}
	if (st->creating)
		json_object_object_add(o, "creating", json_object_new_boolean(true));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	                                             JSON_C_TO_STRING_NOSLASHESCAPE);
	{
		cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = dfd < 0 ? -1
		            : write_file_volatile_at(dfd, "state.json", text, strlen(text), 0600);
		if (r == 0 && st->pid > 0) {
			char pid[64];
			int n =
			    snprintf(pid, sizeof(pid), "%d %llu\n", (int)st->pid, st->start_time);
			r = write_file_volatile_at(dfd, "init.pid", pid, (size_t)n, 0600);
		}
	}
	json_object_put(o);
	if (r < 0)
		return glass_err_new(err, errno, "write %s/state.json", dir);
	return 0;
}

static char *dup_member(json_object *o, const char *k)
{
	json_object *v;
	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return xstrdup(json_object_get_string(v));
}

int glass_state_load(const char *root, const char *id, struct glass_state **out,
                     struct glass_err **err)
{
	cleanup_free char *path = NULL;
	cleanup_free char *text = NULL;
	size_t len = 0;

	if (glass_state_check_id(id, err) < 0)
		return -1;
	path = xasprintf("%s/%s/state.json", root, id);
	text = read_file_at(AT_FDCWD, path, &len);
	if (text == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return missing(err, id);
		return glass_err_new(err, errno, "read(%s)", path);
	}
	return glass_state_parse(text, len, path, id, out, err);
}

static void parse_made(json_object *v, struct glass_state *st)
{
	size_t n = json_object_array_length(v);
	st->cgroup_made = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0, k = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		if (json_object_is_type(e, json_type_string))
			st->cgroup_made[k++] = xstrdup(json_object_get_string(e));
	}
}

int glass_state_parse(const char *text, size_t len, const char *path, const char *id,
                      struct glass_state **out, struct glass_err **err)
{
	struct glass_state *st;
	json_object *o, *v;
	json_tokener *tok = json_tokener_new();
	o = json_tokener_parse_ex(tok, text, (int)(len > INT_MAX ? INT_MAX : len));
	json_tokener_free(tok);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return glass_err_new(err, 0, "%s: corrupt (%zu bytes, not a JSON object)", path,
		                     len);
	}
	st = xcalloc(1, sizeof(*st));
	st->id = dup_member(o, "id");
	if (st->id == NULL)
		st->id = xstrdup(id);
	st->bundle = dup_member(o, "bundle");
	st->rootfs = dup_member(o, "rootfs");
	st->created = dup_member(o, "created");
	st->cgroup_path = dup_member(o, "cgroup_path");
	st->owner = dup_member(o, "owner");
	if (json_object_object_get_ex(o, "pid", &v))
		st->pid = (pid_t)json_object_get_int(v);
	if (json_object_object_get_ex(o, "start_time", &v))
		st->start_time = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "systemd_cgroup", &v))
		st->systemd_cgroup = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "annotations", &v) &&
	    json_object_is_type(v, json_type_object))
		st->annotations = json_object_get(v);
	if (json_object_object_get_ex(o, "creating", &v))
		st->creating = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "cgroup_made", &v) &&
	    json_object_is_type(v, json_type_array))
		parse_made(v, st);
	json_object_put(o);
	*out = st;
	return 0;
}

bool glass_state_is_corrupt(const struct glass_err *err)
{
	return err && err->op && err->errnum == 0 && strstr(err->op, "state.json: corrupt");
}

int glass_state_recover(const char *root, const char *id, struct glass_state **out,
                        struct glass_err **err)
{
	struct glass_err *why = NULL;
	struct glass_state *st = NULL;
	if (glass_state_load(root, id, &st, &why) == 0) {
		*out = st; /* repaired meanwhile */
		return 0;
	}
	if (!glass_state_is_corrupt(why))
		return glass_err_move(err, &why);
	cleanup_free char *pidf = xasprintf("%s/%s/init.pid", root, id);
	cleanup_free char *text = read_file_at(AT_FDCWD, pidf, NULL);
	st = xcalloc(1, sizeof(*st));
	st->id = xstrdup(id);
	st->corrupt = glass_err_format(why);
	glass_err_free(&why);
	int pid = 0;
	unsigned long long start = 0;
	if (text && sscanf(text, "%d %llu", &pid, &start) == 2 && pid > 0) {
		st->pid = (pid_t)pid;
		st->start_time = start;
	}
	*out = st;
	return 0;
}

int glass_state_load_any(const char *root, const char *id, struct glass_state **out,
                         struct glass_err **err)
{
	struct glass_err *e = NULL;
	if (glass_state_load(root, id, out, &e) == 0)
		return 0;
	if (glass_state_is_corrupt(e)) {
		glass_err_free(&e);
		return glass_state_recover(root, id, out, err);
	}
	cleanup_free char *dir = glass_state_dir(root, id);
	struct stat sb;
	if (!glass_state_is_missing(e) || stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return glass_err_move(err, &e);
	glass_err_free(&e);
	struct glass_state *st = xcalloc(1, sizeof(*st));
	st->id = xstrdup(id);
	st->creating = true;
	*out = st;
	return 0;
}

void glass_state_free(struct glass_state *st)
{
	if (st == NULL)
		return;
	glass_strv_free(st->cgroup_made);
	free(st->corrupt);
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup_path);
	free(st->owner);
	json_object_put(st->annotations);
	free(st);
}

int glass_state_remove(const char *root, const char *id, struct glass_err **err)
{
	cleanup_close int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0 || glass_rm_rf_at(rfd, id) < 0)
		return glass_err_new(err, errno, "remove %s/%s", root, id);
	return 0;
}

int glass_state_proc_stat(pid_t pid, unsigned long long *start_time, char *state_letter)
{
	char path[64];
	cleanup_free char *text = NULL;
	char *p;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = read_file_at(AT_FDCWD, path, NULL);
	if (text == NULL)
		return -1;
	/* "pid (comm) S ppid ...": comm may hold spaces and parentheses, so
	 * the fields start after the last ')'. */
	p = strrchr(text, ')');
	if (p == NULL || p[1] != ' ')
		return -1;
	p += 2;
	if (state_letter)
		*state_letter = *p;
	/* Field 3 is the state; start time is field 22. */
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p == NULL)
		return -1;
	if (start_time)
		*start_time = strtoull(p, NULL, 10);
	return 0;
}

enum glass_status glass_state_status(const char *root, const struct glass_state *st)
{
	unsigned long long start = 0;
	char letter = 0;
	cleanup_free char *fifo = NULL;

	if (st->creating)
		return GLASS_STATUS_CREATING;
	if (st->pid <= 0 || glass_state_proc_stat(st->pid, &start, &letter) < 0)
		return GLASS_STATUS_STOPPED;
	if (letter == 'Z' || letter == 'X' || (st->start_time && start != st->start_time))
		return GLASS_STATUS_STOPPED;
	fifo = xasprintf("%s/%s/exec.fifo", root, st->id);
	if (access(fifo, F_OK) == 0)
		return GLASS_STATUS_CREATED;
	if (st->cgroup_path) {
		struct glass_cgroup *cg = NULL;
		bool frozen = false;
		if (glass_cgroup_open(st->cgroup_path, &cg, NULL) == 0) {
			frozen = glass_cgroup_is_frozen(cg);
			glass_cgroup_free(cg);
		}
		if (frozen)
			return GLASS_STATUS_PAUSED;
	}
	return GLASS_STATUS_RUNNING;
}

const char *glass_status_name(enum glass_status s)
{
	switch (s) {
	case GLASS_STATUS_CREATING:
		return "creating";
	case GLASS_STATUS_CREATED:
		return "created";
	case GLASS_STATUS_RUNNING:
		return "running";
	case GLASS_STATUS_PAUSED:
		return "paused";
	case GLASS_STATUS_STOPPED:
		return "stopped";
	default:
		return "unknown";
	}
}

char *glass_state_oci_json(const struct glass_state *st, enum glass_status status, bool pretty)
{
	json_object *o = json_object_new_object();
	char *out;
	json_object_object_add(o, "ociVersion", json_object_new_string(GLASS_OCI_VERSION));
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "status", json_object_new_string(glass_status_name(status)));
	if (status != GLASS_STATUS_STOPPED && st->pid > 0)
		json_object_object_add(o, "pid", json_object_new_int(st->pid));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle ? st->bundle : ""));
	json_object_object_add(o, "annotations",
	                       st->annotations ? json_object_get(st->annotations)
	                                       : json_object_new_object());
	out = xstrdup(json_object_to_json_string_ext(
	    o, (pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) |
	           JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **glass_state_list(const char *root, size_t *n, struct glass_err **err)
{
	DIR *d = opendir(root);
	struct dirent *e;
	char **v = xcalloc(1, sizeof(char *));
	size_t count = 0;
	*n = 0;
	if (d == NULL) {
		if (errno == ENOENT)
			return v;
		free(v);
		glass_err_new(err, errno, "opendir(%s)", root);
		return NULL;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || glass_state_check_id(e->d_name, NULL) < 0)
			continue;
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		v = xrealloc(v, (count + 2) * sizeof(char *));
		v[count++] = xstrdup(e->d_name);
		v[count] = NULL;
	}
	closedir(d);
	qsort(v, count, sizeof(char *), cmp_str);
	*n = count;
	return v;
}

void glass_strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

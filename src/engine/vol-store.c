/* vol-store: named volumes, as docker's "local" driver keeps them: a
 * directory ROOT/volumes/NAME/_data bind-mounted into containers, beside
 * meta.json (name, creation time, labels, whether anonymous).  A
 * container's claim is a file ROOT/volumes/NAME/users/CONTAINER; it stands
 * while the container's snapshot (ROOT/containers/CONTAINER) exists, so a
 * container removed by any means stops holding its volumes. */
#include "netvol.h"
#include "util.h"

#include <dirent.h>
#include <ftw.h>
#include <pthread.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static char *vol_dir(const char *name)
{
	return engine_state_path("volumes/%s", name);
}

static struct json_object *read_meta(const char *name)
{
	cleanup_free char *p = engine_state_path("volumes/%s/meta.json", name);
	size_t len;
	cleanup_free char *t = read_file_at(AT_FDCWD, p, &len);
	return t ? json_tokener_parse(t) : NULL;
}

int engine_vol_create(const char *name, char **labels, bool anonymous, bool *created,
                      struct glass_err **err)
{
	if (!engine_valid_object_name(name))
		return glass_err_field(err, EINVAL, "name",
		                       "invalid volume name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] "
		                       "are allowed",
		                       name);
	cleanup_free char *dir = vol_dir(name);
	cleanup_free char *data = xasprintf("%s/_data", dir);
	cleanup_free char *meta = xasprintf("%s/meta.json", dir);
	if (created)
		*created = false;
	if (access(meta, F_OK) == 0)
		return 0;
	if (mkdir_p(data, 0755) < 0)
		return glass_err_new(err, errno, "mkdir(\"%s\")", data);
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	struct json_object *m = json_object_new_object(), *l = json_object_new_object();
	json_object_object_add(m, "Name", json_object_new_string(name));
	json_object_object_add(m, "CreatedAt", json_object_new_string(when));
	json_object_object_add(m, "Anonymous", json_object_new_boolean(anonymous));
	for (char **p = labels; p && *p; p++) {
		const char *eq = strchr(*p, '=');
		cleanup_free char *k = eq ? xstrndup(*p, (size_t)(eq - *p)) : xstrdup(*p);
		json_object_object_add(l, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	json_object_object_add(m, "Labels", l);
	const char *t = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY |
	                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = write_file_atomic_at(AT_FDCWD, meta, t, strlen(t), 0644);
	json_object_put(m);
	if (rc < 0) {
		int e = errno;
		glass_rm_rf_at(AT_FDCWD, dir);
		return glass_err_new(err, e, "write(\"%s\")", meta);
	}
	if (created)
		*created = true;
	return 0;
}

static char **dir_names(const char *dir, bool (*keep)(const char *, const char *), const char *arg)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || (keep && !keep(de->d_name, arg)))
			continue;
		v = xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = xstrdup(de->d_name);
		v[n] = NULL;
	}
	if (d)
		closedir(d);
	return v;
}

/* A claim stands while the claiming container exists. */
static bool claim_stands(const char *container, const char *vol)
{
	cleanup_free char *snap = engine_state_path("containers/%s", container);
	if (access(snap, F_OK) == 0)
		return true;
	cleanup_free char *claim = engine_state_path("volumes/%s/users/%s", vol, container);
	unlink(claim);
	return false;
}

char **engine_vol_users(const char *name)
{
	cleanup_free char *dir = engine_state_path("volumes/%s/users", name);
	return dir_names(dir, claim_stands, name);
}

int engine_vol_claim(const char *name, const char *container, bool claim)
{
	cleanup_free char *dir = engine_state_path("volumes/%s/users", name);
	cleanup_free char *p = xasprintf("%s/%s", dir, container);
	if (!claim)
		return unlink(p) < 0 && errno != ENOENT ? -1 : 0;
	if (mkdir_p(dir, 0700) < 0)
		return -1;
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int engine_vol_remove(const char *name, bool force, struct glass_err **err)
{
	cleanup_free char *dir = vol_dir(name);
	cleanup_free char *meta = xasprintf("%s/meta.json", dir);
	if (!engine_valid_object_name(name) || access(meta, F_OK) < 0)
		return glass_err_new(err, ENOENT, "no such volume: %s", name);
	char **users = engine_vol_users(name);
	bool busy = !force && users[0];
	if (busy)
		glass_err_new(err, EBUSY, "remove %s: volume is in use - [%s]", name, users[0]);
	engine_strv_free(users);
	if (busy)
		return -1;
	if (glass_rm_rf_at(AT_FDCWD, dir) < 0)
		return glass_err_new(err, errno, "remove \"%s\"", dir);
	return 0;
}

static bool is_volume(const char *name, const char *base)
{
	cleanup_free char *meta = xasprintf("%s/%s/meta.json", base, name);
	return access(meta, F_OK) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **engine_vol_list(void)
{
	cleanup_free char *dir = engine_state_path("volumes");
	char **v = dir_names(dir, is_volume, dir);
	size_t n = 0;
	while (v[n])
		n++;
	qsort(v, n, sizeof(char *), cmp_str);
	return v;
}

struct json_object *engine_vol_inspect(const char *name, struct glass_err **err)
{
	struct json_object *m = engine_valid_object_name(name) ? read_meta(name) : NULL;
	if (!m) {
		glass_err_new(err, ENOENT, "no such volume: %s", name);
		return NULL;
	}
	cleanup_free char *data = engine_state_path("volumes/%s/_data", name);
	json_object_object_add(m, "Driver", json_object_new_string("local"));
	json_object_object_add(m, "Mountpoint", json_object_new_string(data));
	json_object_object_add(m, "Scope", json_object_new_string("local"));
	char **users = engine_vol_users(name);
	struct json_object *u = json_object_new_array();
	for (char **p = users; *p; p++)
		json_object_array_add(u, json_object_new_string(*p));
	engine_strv_free(users);
	json_object_object_add(m, "UsedBy", u);
	return m;
}

/* The walk's state: nftw(3) takes no user pointer. */
static uint64_t walk_bytes;
static struct {
	dev_t dev;
	ino_t ino;
} * walk_seen;
static size_t walk_nseen;

static int add_bytes(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag != FTW_F)
		return 0;
	if (st->st_nlink > 1) { /* a hard link counts once, as du's */
		for (size_t i = 0; i < walk_nseen; i++)
			if (walk_seen[i].dev == st->st_dev && walk_seen[i].ino == st->st_ino)
				return 0;
		walk_seen = xrealloc(walk_seen, (walk_nseen + 1) * sizeof(*walk_seen));
		walk_seen[walk_nseen].dev = st->st_dev;
		walk_seen[walk_nseen++].ino = st->st_ino;
	}
	walk_bytes += (uint64_t)st->st_size;
	return 0;
}

uint64_t engine_dir_bytes(const char *path)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&mu);
	walk_bytes = 0;
	nftw(path, add_bytes, 32, FTW_PHYS | FTW_MOUNT);
	uint64_t n = walk_bytes;
	free(walk_seen);
	walk_seen = NULL;
	walk_nseen = 0;
	pthread_mutex_unlock(&mu);
	return n;
}

static bool prunable(const char *name, bool all, bool (*keep)(void *, struct json_object *),
                     void *data)
{
	struct json_object *m = engine_vol_inspect(name, NULL), *anon, *users;
	bool unused = m && json_object_object_get_ex(m, "UsedBy", &users) &&
	              json_object_array_length(users) == 0;
	bool is_anon =
	    m && json_object_object_get_ex(m, "Anonymous", &anon) && json_object_get_boolean(anon);
	bool ok = unused && (all || is_anon) && !(keep && keep(data, m));
	json_object_put(m);
	return ok;
}

int engine_vol_prune(bool all, bool (*keep)(void *data, struct json_object *vol), void *data,
                     char ***removed, uint64_t *freed, struct glass_err **err)
{
	struct glass_err *e = NULL;
	int lock = engine_lock(true, err), rc = 0;
	size_t nr = 0;
	if (lock < 0)
		return -1;
	*removed = xcalloc(1, sizeof(char *));
	char **names = engine_vol_list();
	for (char **n = names; *n; n++) {
		if (!prunable(*n, all, keep, data))
			continue;
		cleanup_free char *data_dir = engine_state_path("volumes/%s/_data", *n);
		uint64_t bytes = freed ? engine_dir_bytes(data_dir) : 0;
		if (engine_vol_remove(*n, false, &e) < 0) {
			if (rc == 0)
				glass_err_move(err, &e);
			glass_err_free(&e);
			rc = -1;
			continue;
		}
		if (freed)
			*freed += bytes;
		*removed = xrealloc(*removed, (nr + 2) * sizeof(char *));
		(*removed)[nr++] = xstrdup(*n);
		(*removed)[nr] = NULL;
	}
	engine_strv_free(names);
	close(lock);
	return rc;
}

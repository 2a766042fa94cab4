/* ctr-cache: what a long-lived engine process (glass serve) keeps of each
 * container between two lists, so that `docker ps` does not parse every
 * record and probe every shim through /proc again.
 *
 * Nothing kept is believed without a check that costs less than what it
 * saves:
 *   - a parsed record (record.json), the shim's status (status.json) and
 *     its pid (shim.pid) are reused only while that name holds the very
 *     file they were read from: an fstatat of the name shows the inode
 *     (and size, mtime, ctime) of the file the cache read and keeps open.
 *     Glass never writes these files in place: every writer makes a new
 *     file beside and renames it over the name (replace_file_at), so a
 *     file, once under its name, keeps its bytes.  The inode number alone
 *     would not do if the file were let go (a freed inode number is given
 *     out again, ext4 does it at once, and a rewrite within one coarse
 *     clock tick keeps the mtime): the open fd keeps the old inode alive,
 *     so its number cannot name a new file while the cache compares.  One
 *     fstatat instead of open, read, close and a compare of the bytes.
 *     A file is kept open below half the open-file limit only, and read
 *     each time above it;
 *   - a list's row (its JSON text) is kept with the record it was made
 *     of, dropped when the record is read anew, and used only for the same
 *     state (status, pid, exit code, docker's status text);
 *   - a shim is held by a pidfd, opened once and checked to be a
 *     glass-shim then (the pid's comm after the pidfd pins it): the shim
 *     lives as long as the pidfd does not poll readable, a recycled pid
 *     cannot pass for it.
 *
 * A record is lent, not shared: json-c's reference counts are not atomic,
 * so one json_object must never be touched by two threads.  A list takes
 * the parsed record out of the cache (a second list at the same time
 * parses its own) and hands it back when it frees the list, when nothing
 * refers into it any more (ctr_summary() and the rows copy what they
 * keep).  Without ctr_cache_enable() (the one-shot CLI) nothing is kept. */
#include "client.h"
#include "ctr.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct entry {
	char id[CTR_ID_LEN + 1];
	struct ctr_pin rec_pin;  /* the record.json `rec` was parsed from */
	struct json_object *rec; /* NULL while a list has it */
	struct ctr_pin status_pin;
	struct glass_shim_status ss; /* parsed from status_pin's file */
	struct ctr_pin pid_pin;
	pid_t pid;           /* read from pid_pin's file */
	char *row_key, *row; /* a list's row made of rec_pin's file (ctr_cache_row) */
	pid_t shim;          /* the pid `pidfd` pins, 0 when none */
	int pidfd;
	char *cgroup; /* the cgroup whose freezer state `freezer` reads */
	int freezer;  /* freezer.state (v1) or cgroup.freeze (v2), read with pread */
	bool v2;
	bool seen; /* by the list that runs now (ctr_cache_sweep) */
	struct entry *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
/* by the first two hex digits of the ID (random): a list of n looks up
 * each of its n containers a few times, a single chain made that n^2 */
#define BUCKETS 256
static struct entry *table[BUCKETS];
static size_t made; /* entries made since the last prune */
static bool enabled;

/* Entries made between two prunes: a server that runs containers and
 * never lists them keeps no more than that of removed ones (and their
 * fds). */
#define PRUNE_EVERY 32

/* The lowest fd number the cache does not keep a file under: it holds a
 * few files per container (pins, pidfd, freezer) and must leave the
 * server fds to accept connections and work with. */
static int fd_budget;

void ctr_cache_enable(void)
{
	struct rlimit rl;
	/* not raised: the shims and containers it starts inherit the limit */
	fd_budget = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)INT_MAX
	                ? (int)(rl.rlim_cur / 2)
	                : 512;
	enabled = true;
}

bool ctr_cache_on(void)
{
	return enabled;
}

static void entry_free(struct entry *e);

/* Drops the entries of containers whose directory is gone (removed by
 * another process: the shim's `rm -f` of an --rm container). */
static void prune(void)
{
	for (size_t b = 0; b < BUCKETS; b++)
		for (struct entry **pp = &table[b]; *pp;) {
			struct entry *e = *pp;
			cleanup_free char *dir = ctr_dir_of(e->id);
			if (access(dir, F_OK) == 0 || errno != ENOENT) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			entry_free(e);
		}
	made = 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
}

static struct entry **bucket(const char *id)
{
	return &table[id[0] ? hexval(id[0]) * 16 + hexval(id[1]) : 0];
}

static struct entry *find(const char *id, bool make)
{
	struct entry **head = bucket(id);
	for (struct entry *e = *head; e; e = e->next)
		if (strcmp(e->id, id) == 0)
			return e;
	if (!make)
		return NULL;
	if (++made > PRUNE_EVERY)
		prune();
	struct entry *e = xcalloc(1, sizeof(*e));
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->pidfd = e->freezer = -1;
	e->rec_pin.fd = e->status_pin.fd = e->pid_pin.fd = -1;
	head = bucket(id); /* a prune may have emptied it */
	e->next = *head;
	*head = e;
	return e;
}

static void unpin(struct ctr_pin *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* `now` (a stat of the name) is the file `p` keeps open. */
static bool pinned_as(const struct ctr_pin *p, const struct stat *now)
{
	return p->fd >= 0 && same_stat(&p->st, now);
}

char *ctr_cache_read_pinned(int dfd, const char *name, struct ctr_pin *pin)
{
	pin->fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (pin->fd < 0)
		return NULL;
	if (fstat(pin->fd, &pin->st) < 0 || !S_ISREG(pin->st.st_mode)) {
		unpin(pin);
		errno = EINVAL;
		return NULL;
	}
	/* st_size is the file's (never written in place), a read past it ends it */
	size_t cap = (size_t)pin->st.st_size + 1, len = 0;
	char *text = xmalloc(cap + 1);
	for (;;) {
		ssize_t n = pread(pin->fd, text + len, cap - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			free(text);
			unpin(pin);
			errno = saved;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			cap *= 2;
			text = xrealloc(text, cap + 1);
		}
	}
	text[len] = '\0';
	if (pin->fd >= fd_budget) /* read, but not kept: the server needs its fds */
		unpin(pin);
	return text;
}

static void drop_shim(struct entry *e)
{
	if (e->pidfd >= 0)
		close(e->pidfd);
	e->pidfd = -1;
	e->shim = 0;
}

static void drop_freezer(struct entry *e)
{
	if (e->freezer >= 0)
		close(e->freezer);
	e->freezer = -1;
	free(e->cgroup);
	e->cgroup = NULL;
}

static void drop_row(struct entry *e)
{
	free(e->row_key);
	free(e->row);
	e->row_key = e->row = NULL;
}

static void entry_free(struct entry *e)
{
	drop_shim(e);
	drop_freezer(e);
	unpin(&e->rec_pin);
	drop_row(e);
	unpin(&e->status_pin);
	unpin(&e->pid_pin);
	json_object_put(e->rec);
	free(e);
}

struct json_object *ctr_cache_take_record(const char *id, int dfd, struct ctr_pin *pin)
{
	struct json_object *rec = NULL;
	struct stat now;
	pin->fd = -1;
	if (!enabled || fstatat(dfd, "record.json", &now, AT_SYMLINK_NOFOLLOW) < 0)
		return NULL;
	pthread_mutex_lock(&mu);
	struct entry *e = find(id, false);
	if (e && e->rec && pinned_as(&e->rec_pin, &now)) {
		rec = e->rec;
		e->rec = NULL;
		pin->st = e->rec_pin.st;
	}
	pthread_mutex_unlock(&mu);
	return rec;
}

void ctr_cache_give_record(const char *id, struct json_object *rec, struct ctr_pin *pin)
{
	if (!enabled || !rec) {
		json_object_put(rec);
		unpin(pin);
		return;
	}
	pthread_mutex_lock(&mu);
	struct entry *e = find(id, true);
	if (pin->fd >= 0) { /* read anew: the newest the cache knows */
		unpin(&e->rec_pin);
		drop_row(e);
		json_object_put(e->rec);
		e->rec_pin = *pin;
		e->rec = rec;
		pin->fd = -1;
		rec = NULL;
	} else if (!e->rec && pinned_as(&e->rec_pin, &pin->st)) { /* lent, the file unchanged */
		e->rec = rec;
		rec = NULL;
	}
	pthread_mutex_unlock(&mu);
	json_object_put(rec); /* a file read again meanwhile (by another list) */
}

char *ctr_cache_row(const char *id, const struct stat *st, const char *key)
{
	char *row = NULL;
	if (!enabled)
		return NULL;
	pthread_mutex_lock(&mu);
	struct entry *e = find(id, false);
	if (e && e->row && pinned_as(&e->rec_pin, st) && strcmp(e->row_key, key) == 0)
		row = xstrdup(e->row);
	pthread_mutex_unlock(&mu);
	return row;
}

void ctr_cache_keep_row(const char *id, const struct stat *st, const char *key, const char *text)
{
	if (!enabled)
		return;
	pthread_mutex_lock(&mu);
	struct entry *e = find(id, false);
	/* the row goes with the pin: a record read anew drops it */
	if (e && pinned_as(&e->rec_pin, st)) {
		drop_row(e);
		e->row_key = xstrdup(key);
		e->row = xstrdup(text);
	}
	pthread_mutex_unlock(&mu);
}

/* status.json parsed into e->ss, read again when `now` is another file. */
static int status_of(struct entry *e, int dfd, const struct stat *now)
{
	if (pinned_as(&e->status_pin, now))
		return 0;
	unpin(&e->status_pin);
	cleanup_free char *text = ctr_cache_read_pinned(dfd, "status.json", &e->status_pin);
	if (!text || glass_wire_status_parse(text, &e->ss) < 0) {
		unpin(&e->status_pin);
		return -1;
	}
	return 0;
}

/* shim.pid's pid into e->pid, read again when `now` is another file. */
static int pid_of(struct entry *e, int dfd, const struct stat *now)
{
	if (pinned_as(&e->pid_pin, now))
		return 0;
	unpin(&e->pid_pin);
	cleanup_free char *text = ctr_cache_read_pinned(dfd, "shim.pid", &e->pid_pin);
	if (!text)
		return -1;
	e->pid = (pid_t)atoi(text);
	return 0;
}

int ctr_cache_status(const char *id, int dfd, struct glass_shim_status *ss, pid_t *pid)
{
	struct stat st, sp;
	if (!enabled || fstatat(dfd, "status.json", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	bool has_pid = fstatat(dfd, "shim.pid", &sp, AT_SYMLINK_NOFOLLOW) == 0;
	pthread_mutex_lock(&mu);
	struct entry *e = find(id, true);
	int rc = status_of(e, dfd, &st);
	if (rc == 0 && has_pid)
		rc = pid_of(e, dfd, &sp);
	if (rc == 0) {
		*ss = e->ss;
		*pid = has_pid ? e->pid : 0;
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

/* A new pidfd for `pid` when it is a live glass-shim, -1 when it is not,
 * -2 when that cannot be told (no fd left: EMFILE). */
static int shim_pidfd(pid_t pid)
{
	char path[64], comm[32] = "";
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return errno == ESRCH || errno == EINVAL ? -1 : -2;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	cleanup_free char *c = read_file_at(AT_FDCWD, path, NULL);
	if (c)
		snprintf(comm, sizeof(comm), "%s", c);
	/* polled after the comm was read: still alive then, the comm was the
	 * pinned process's (a zombie's pidfd polls readable too) */
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (strcmp(comm, "glass-shim\n") != 0 || poll(&p, 1, 0) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int ctr_cache_shim_alive(const char *id, pid_t pid)
{
	if (!enabled)
		return -1;
	if (pid <= 0)
		return 0;
	pthread_mutex_lock(&mu);
	struct entry *e = find(id, true);
	if (e->shim != pid)
		drop_shim(e);
	int fd = e->pidfd >= 0 ? e->pidfd : shim_pidfd(pid);
	if (fd == -2) {
		pthread_mutex_unlock(&mu);
		return -1;
	}
	e->pidfd = fd;
	e->shim = fd >= 0 ? pid : 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	bool alive = fd >= 0 && poll(&p, 1, 0) == 0;
	if (!alive) { /* exited: its pidfd is of no more use, nor its cgroup's file */
		drop_shim(e);
		drop_freezer(e);
	}
	pthread_mutex_unlock(&mu);
	return alive;
}

bool ctr_cache_has_record(const char *id)
{
	if (!enabled)
		return false;
	pthread_mutex_lock(&mu);
	struct entry *e = find(id, false);
	bool has = e && e->rec_pin.fd >= 0;
	pthread_mutex_unlock(&mu);
	return has;
}

void ctr_cache_sweep(char *const *ids, size_t n)
{
	if (!enabled)
		return;
	pthread_mutex_lock(&mu);
	for (size_t b = 0; b < BUCKETS; b++)
		for (struct entry *e = table[b]; e; e = e->next)
			e->seen = false;
	for (size_t i = 0; i < n; i++) {
		struct entry *e = find(ids[i], false);
		if (e)
			e->seen = true;
	}
	/* a container that is gone: its entry (and pidfd) with it */
	for (size_t b = 0; b < BUCKETS; b++)
		for (struct entry **pp = &table[b]; *pp;) {
			struct entry *e = *pp;
			if (e->seen) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			entry_free(e);
		}
	pthread_mutex_unlock(&mu);
}

/* The cgroup's freezer file, v1's freezer.state else v2's cgroup.freeze
 * (ctr-store.c's frozen() reads the same two). */
static int open_freezer(struct entry *e, const char *cgroup)
{
	cleanup_free char *v1 = xasprintf("/sys/fs/cgroup/freezer%s/freezer.state", cgroup);
	cleanup_free char *v2 = xasprintf("/sys/fs/cgroup/unified%s/cgroup.freeze", cgroup);
	e->v2 = false;
	e->freezer = open(v1, O_RDONLY | O_CLOEXEC);
	if (e->freezer < 0 && errno != EMFILE && errno != ENFILE) {
		e->v2 = true;
		e->freezer = open(v2, O_RDONLY | O_CLOEXEC);
	}
	if (e->freezer < 0)
		return -1;
	e->cgroup = xstrdup(cgroup);
	return 0;
}

int ctr_cache_frozen(const char *id, const char *cgroup)
{
	char buf[32];
	ssize_t n = -1;
	if (!enabled)
		return -1;
	pthread_mutex_lock(&mu);
	struct entry *e = find(id, true);
	if (e->cgroup && strcmp(e->cgroup, cgroup) != 0)
		drop_freezer(e);
	/* a cgroup file read at offset 0 is generated anew (seq_file), so one
	 * open file serves every look; a removed cgroup's fails (ENODEV) */
	if (e->freezer >= 0 || open_freezer(e, cgroup) == 0)
		n = pread(e->freezer, buf, sizeof(buf) - 1, 0);
	bool v2 = e->v2;
	if (n < 0)
		drop_freezer(e);
	pthread_mutex_unlock(&mu);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (v2)
		return buf[0] == '1';
	return strncmp(buf, "FROZEN", 6) == 0 || strncmp(buf, "FREEZING", 8) == 0;
}

/* lab cleanup: the safety net under every experiment, and under the lab.
 *
 * What an experiment makes is named so it can be found again without
 * asking anyone: its cgroups are /LAB_CGROUP/eN on every hierarchy, its
 * files are under /run/glass-lab-PID/eN, and the SysV objects its worker
 * made are listed, by the id the kernel returned (they are made with
 * IPC_EXCL, so the id is theirs), in eN/ipc.  Cgroups are removed through
 * the library (glass_cgroup_destroy kills what is left, thaws, and removes
 * the tree); a SysV object is removed only while its id still carries the
 * lab's key, so an id the kernel reused for another program is left alone.
 *
 * When the lab itself dies (SIGKILL, a crash), a watcher it forked before
 * its first thread sees the pipe from the lab close and removes the run
 * directory and the cgroup parent; a lab that starts removes what dead
 * labs left (their pid no longer runs a lab).
 */
#include "cgroup.h"
#include "lab.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

void lab_cleanup_cgroup(const char *path)
{
	struct glass_cgroup *cg = NULL;
	struct glass_err *err = NULL;
	if (!path || !path[0] || glass_cgroup_open(path, &cg, &err) < 0) {
		glass_err_free(&err);
		return;
	}
	if (glass_cgroup_destroy(cg, &err) < 0) {
		cleanup_free char *msg = glass_err_format(err);
		fprintf(stderr, "glass lab: %s\n", msg);
		glass_err_free(&err);
	}
	glass_cgroup_free(cg);
}

void lab_cleanup_dir(const char *path)
{
	/* No mount can be under it: the lab's mounts live in the workers'
	 * own mount namespaces. */
	glass_rm_rf_at(AT_FDCWD, path);
}

void lab_cleanup_ipc_file(const char *dir)
{
	cleanup_free char *path = xasprintf("%s/ipc", dir);
	cleanup_free char *s = lab_read_text(path);
	for (char *line = s, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char kind;
		int key, id;
		if (sscanf(line, "%c %d %d", &kind, &key, &id) != 3)
			continue;
		if (kind == 'm') {
			struct shmid_ds ds;
			if (shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_perm.__key == key)
				shmctl(id, IPC_RMID, NULL);
		} else if (kind == 'q') {
			struct msqid_ds ds;
			if (msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_perm.__key == key)
				msgctl(id, IPC_RMID, NULL);
		}
		if (!next)
			break;
	}
}

/* Everything of one lab run: each experiment's SysV objects, the cgroup
 * parent named in RUN_DIR/cgroup, the directory. */
static void cleanup_run_dir(const char *run_dir)
{
	DIR *d = opendir(run_dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (de->d_name[0] == 'e' && de->d_type == DT_DIR) {
				cleanup_free char *sub = xasprintf("%s/%s", run_dir, de->d_name);
				lab_cleanup_ipc_file(sub);
			}
		closedir(d);
	}
	cleanup_free char *cgf = xasprintf("%s/cgroup", run_dir);
	cleanup_free char *cg = lab_read_text(cgf);
	if (cg) {
		cg[strcspn(cg, "\n")] = '\0';
		if (cg[0] == '/')
			lab_cleanup_cgroup(cg);
	}
	lab_cleanup_dir(run_dir);
	/* its scratch on disk: /var/tmp/glass-lab-PID beside /run/glass-lab-PID */
	const char *base = strrchr(run_dir, '/');
	cleanup_free char *disk = xasprintf("/var/tmp%s", base ? base : "/");
	if (base && strncmp(base, "/glass-lab-", 11) == 0)
		lab_cleanup_dir(disk);
}

static bool is_lab(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	size_t len = 0;
	cleanup_free char *cmd = read_file_at(AT_FDCWD, path, &len);
	if (!cmd)
		return false;
	/* argv[1] is "lab" */
	size_t first = strlen(cmd);
	return first + 1 < len && strcmp(cmd + first + 1, "lab") == 0;
}

void lab_cleanup_stale(void)
{
	DIR *d = opendir("/run");
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		int pid;
		char tail;
		if (sscanf(de->d_name, "glass-lab-%d%c", &pid, &tail) != 1 || pid <= 0 ||
		    pid == getpid() || is_lab(pid))
			continue;
		cleanup_free char *dir = xasprintf("/run/%s", de->d_name);
		fprintf(stderr, "glass lab: removing what a lab that died (pid %d) left: %s\n", pid,
		        dir);
		cleanup_run_dir(dir);
	}
	closedir(d);
}

int lab_watcher_start(struct glass_err **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return glass_err_new(err, errno, "pipe2(watcher)");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return glass_err_new(err, errno, "fork(watcher)");
	}
	if (pid > 0) {
		close(p[0]); /* the lab keeps the write end until it dies */
		return 0;
	}
	close(p[1]);
	/* Nothing of the lab's but the pipe: not its listening socket. */
	if (p[0] > 3)
		close_range(3, (unsigned)p[0] - 1, 0);
	close_range((unsigned)p[0] + 1, ~0U, 0);
	prctl(PR_SET_NAME, "glass-lab-watch", 0, 0, 0);
	/* Ctrl-C reaches the whole process group: the lab stops on it and
	 * cleans up itself; the watcher stays for the case it cannot. */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	char c;
	while (read(p[0], &c, 1) != 0 && errno == EINTR)
		;
	struct stat st;
	if (stat(lab_paths.run_dir, &st) == 0) {
		/* The workers got SIGTERM when the lab died and delete their
		 * containers; what they leave after 3 s is removed here. */
		sleep(3);
		cleanup_run_dir(lab_paths.run_dir);
		lab_cleanup_cgroup(lab_paths.cgroup);
	}
	_exit(0);
}

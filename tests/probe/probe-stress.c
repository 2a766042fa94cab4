/* glass-probe --stress: a load for a cgroup to limit, reported as it goes.
 *
 *   glass-probe --stress memory MB_PER_SEC [MAX_MB]
 *       a child allocates 1 MiB at a time and touches every page (so the
 *       memory is really charged), MB_PER_SEC per second, up to MAX_MB
 *       (then holds it; 0 = no end).  When the child dies (the OOM killer's
 *       SIGKILL), the parent says so and starts another after 2 s.
 *   glass-probe --stress cpu THREADS
 *       THREADS children spin; the parent reports the loops they made per
 *       second (throttling shows as fewer loops, not as an error).
 *   glass-probe --stress fork [HOLD_SECONDS]
 *       forks children that wait, until fork() fails (or 4096 of them), holds them (default
 *       2 s), kills and reaps them, and starts over a second later.
 *   glass-probe --stress io DIR [MB]
 *       writes 1 MiB blocks to DIR/glass-stress.bin with O_DIRECT (so the
 *       writes are the process's own I/O, which blkio/io limits see),
 *       wrapping around after MB MiB (default 64); O_DSYNC when the
 *       filesystem refuses O_DIRECT.
 *
 * Output: one JSON object per line on stdout, each with "event" and
 * "t_ms" (milliseconds since the start).  Runs until killed.  Pids are as
 * this process sees them (its own PID namespace). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define MIB (1024 * 1024)
/* Never more children than this, with or without a pids limit. */
#define MAX_FORKS 4096

static long long t0;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A word the children count into, shared with the parent. */
static volatile uint64_t *shared_words(size_t n)
{
	void *p = mmap(NULL, n * sizeof(uint64_t), PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		usage_exit("mmap: %s", strerror(errno));
	return p;
}

static void say_exit(pid_t pid, int st, const char *what, unsigned long long value)
{
	if (WIFSIGNALED(st))
		printf("{\"event\":\"exit\",\"t_ms\":%lld,\"pid\":%d,\"signal\":%d,\"name\":\"%s\","
		       "\"%s\":%llu}\n",
		       now_ms() - t0, (int)pid, WTERMSIG(st), sigabbrev_np(WTERMSIG(st)), what,
		       value);
	else
		printf("{\"event\":\"exit\",\"t_ms\":%lld,\"pid\":%d,\"status\":%d,\"%s\":%llu}\n",
		       now_ms() - t0, (int)pid, WEXITSTATUS(st), what, value);
}

static void memory_child(long rate, long max, volatile uint64_t *allocated)
{
	long long start = now_ms();
	for (long mb = 0; max == 0 || mb < max; mb++) {
		char *p = malloc(MIB);
		if (!p) {
			printf("{\"event\":\"malloc-failed\",\"t_ms\":%lld,\"allocated\":%llu}\n",
			       now_ms() - t0, (unsigned long long)*allocated);
			break;
		}
		memset(p, (int)(mb & 0xff) | 1, MIB); /* every page touched: charged */
		*allocated += MIB;
		if (mb % 8 == 0)
			printf(
			    "{\"event\":\"alloc\",\"t_ms\":%lld,\"pid\":%d,\"allocated\":%llu}\n",
			    now_ms() - t0, (int)getpid(), (unsigned long long)*allocated);
		/* Pace: mb+1 MiB should have taken (mb+1)/rate seconds. */
		long long due = start + (mb + 1) * 1000 / rate;
		if (due > now_ms())
			sleep_ms((long)(due - now_ms()));
	}
	printf("{\"event\":\"holding\",\"t_ms\":%lld,\"pid\":%d,\"allocated\":%llu}\n",
	       now_ms() - t0, (int)getpid(), (unsigned long long)*allocated);
	for (;;)
		pause();
}

__attribute__((noreturn)) static void stress_memory(long rate, long max)
{
	volatile uint64_t *allocated = shared_words(1);
	if (rate <= 0)
		usage_exit("--stress memory MB_PER_SEC [MAX_MB]: MB_PER_SEC must be > 0");
	for (;;) {
		*allocated = 0;
		pid_t c = fork();
		if (c == 0)
			memory_child(rate, max, allocated);
		if (c < 0) {
			printf("{\"event\":\"fork-failed\",\"t_ms\":%lld,\"errname\":\"%s\"}\n",
			       now_ms() - t0, errname(errno));
			sleep_ms(2000);
			continue;
		}
		printf("{\"event\":\"start\",\"t_ms\":%lld,\"pid\":%d,\"mb_per_sec\":%ld,"
		       "\"max_mb\":%ld}\n",
		       now_ms() - t0, (int)c, rate, max);
		int st;
		while (waitpid(c, &st, 0) < 0 && errno == EINTR)
			;
		say_exit(c, st, "allocated", (unsigned long long)*allocated);
		sleep_ms(2000);
	}
}

__attribute__((noreturn)) static void stress_cpu(long n)
{
	if (n <= 0 || n > 64)
		usage_exit("--stress cpu THREADS: 1 to 64");
	volatile uint64_t *loops = shared_words((size_t)n);
	for (long i = 0; i < n; i++) {
		pid_t c = fork();
		if (c == 0)
			for (;;)
				loops[i]++;
		if (c < 0)
			usage_exit("fork: %s", strerror(errno));
	}
	printf("{\"event\":\"start\",\"t_ms\":%lld,\"spinners\":%ld}\n", now_ms() - t0, n);
	uint64_t last = 0;
	long long lt = now_ms();
	for (;;) {
		sleep_ms(500);
		uint64_t sum = 0;
		for (long i = 0; i < n; i++)
			sum += loops[i];
		long long t = now_ms();
		printf(
		    "{\"event\":\"cpu\",\"t_ms\":%lld,\"spinners\":%ld,\"loops_per_sec\":%llu}\n",
		    t - t0, n, (unsigned long long)((sum - last) * 1000 / (uint64_t)(t - lt)));
		last = sum;
		lt = t;
	}
}

__attribute__((noreturn)) static void stress_fork(long hold)
{
	pid_t *kids = calloc(MAX_FORKS, sizeof(pid_t));
	for (int round = 1;; round++) {
		int n = 0, e = 0;
		while (n < MAX_FORKS) {
			pid_t c = fork();
			if (c == 0) {
				for (;;)
					pause();
			}
			if (c < 0) {
				e = errno;
				break;
			}
			kids[n++] = c;
		}
		printf("{\"event\":\"fork-refused\",\"t_ms\":%lld,\"round\":%d,\"forked\":%d,"
		       "\"errno\":%d,\"errname\":\"%s\",\"error\":\"%s\"}\n",
		       now_ms() - t0, round, n, e, errname(e), strerror(e));
		sleep_ms(hold * 1000);
		for (int i = 0; i < n; i++)
			kill(kids[i], SIGKILL);
		for (int i = 0; i < n; i++)
			while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
				;
		printf("{\"event\":\"released\",\"t_ms\":%lld,\"round\":%d,\"forked\":%d}\n",
		       now_ms() - t0, round, n);
		sleep_ms(1000);
	}
}

__attribute__((noreturn)) static void stress_io(const char *dir, long mb)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/glass-stress.bin", dir);
	bool direct = true;
	int fd = open(path, O_WRONLY | O_CREAT | O_DIRECT | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EINVAL) {
		direct = false;
		fd = open(path, O_WRONLY | O_CREAT | O_DSYNC | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		printf("{\"event\":\"open-failed\",\"t_ms\":%lld,\"errname\":\"%s\"}\n",
		       now_ms() - t0, errname(errno));
		exit(1);
	}
	void *buf;
	if (posix_memalign(&buf, 4096, MIB) != 0)
		exit(1);
	memset(buf, 0x5a, MIB);
	printf("{\"event\":\"start\",\"t_ms\":%lld,\"path\":\"%s\",\"direct\":%s}\n", now_ms() - t0,
	       path, direct ? "true" : "false");
	unsigned long long done = 0, last = 0;
	long long lt = now_ms();
	for (long block = 0;; block = (block + 1) % mb) {
		ssize_t w = pwrite(fd, buf, MIB, (off_t)block * MIB);
		if (w < 0) {
			printf("{\"event\":\"write-failed\",\"t_ms\":%lld,\"errname\":\"%s\"}\n",
			       now_ms() - t0, errname(errno));
			sleep_ms(1000);
			continue;
		}
		done += (unsigned long long)w;
		long long t = now_ms();
		if (t - lt >= 500) {
			printf("{\"event\":\"io\",\"t_ms\":%lld,\"bytes_per_sec\":%llu,\"written\":"
			       "%llu,"
			       "\"direct\":%s}\n",
			       t - t0, (done - last) * 1000 / (unsigned long long)(t - lt), done,
			       direct ? "true" : "false");
			last = done;
			lt = t;
		}
	}
}

int probe_mode_stress(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGCHLD, SIG_DFL);
	t0 = now_ms();
	if (argc >= 2 && !strcmp(argv[0], "memory"))
		stress_memory(atol(argv[1]), argc > 2 ? atol(argv[2]) : 0);
	if (argc == 2 && !strcmp(argv[0], "cpu"))
		stress_cpu(atol(argv[1]));
	if (argc >= 1 && !strcmp(argv[0], "fork"))
		stress_fork(argc > 1 ? atol(argv[1]) : 2);
	if (argc >= 2 && !strcmp(argv[0], "io"))
		stress_io(argv[1], argc > 2 && atol(argv[2]) > 0 ? atol(argv[2]) : 64);
	usage_exit(
	    "--stress memory MB_PER_SEC [MAX_MB] | cpu THREADS | fork [HOLD_S] | io DIR [MB]");
}

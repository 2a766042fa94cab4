/* api-job: replies whose body is produced while it is sent.
 *
 * A pull reports its progress as it goes: the work runs on a thread of
 * its own and writes into a pipe; libmicrohttpd's content reader (called
 * on the connection's thread, which may block: thread per connection)
 * reads the pipe and hands each piece to the client as a chunk.  When the
 * client goes away the reader end is closed, the worker's next write
 * fails with EPIPE (the thread blocks SIGPIPE) and it finishes
 * without anyone to tell; the connection waits for it before it is freed,
 * so nothing outlives the request. */
#include "api-common.h"
#include "util.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct job {
	int rfd, wfd;
	pthread_t th;
	void (*fn)(void *data, int fd);
	void (*done)(void *data);
	void *data;
};

static void *job_main(void *arg)
{
	struct job *j = arg;
	sigset_t pipe_sig;
	/* a write to a pipe whose reader left raises SIGPIPE in the writing
	 * thread: blocked here, the write fails with EPIPE instead */
	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_sig, NULL);
	j->fn(j->data, j->wfd);
	close(j->wfd);
	return NULL;
}

static ssize_t fd_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	int fd = *(int *)cls;
	(void)pos;
	for (;;) {
		ssize_t n = read(fd, buf, max);
		if (n > 0)
			return n;
		if (n == 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (errno != EINTR)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
}

static void job_free(void *cls)
{
	struct job *j = cls;
	close(j->rfd);
	pthread_join(j->th, NULL);
	if (j->done)
		j->done(j->data);
	free(j);
}

enum MHD_Result api_reply_job(struct api_req *r, const char *type, void (*fn)(void *data, int fd),
                              void (*done)(void *data), void *data)
{
	int p[2];
	struct job *j = xcalloc(1, sizeof(*j));
	j->fn = fn;
	j->done = done;
	j->data = data;
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(j);
		if (done)
			done(data);
		return api_reply_error(r, 500, "pipe2(): %s", strerror(errno));
	}
	j->rfd = p[0];
	j->wfd = p[1];
	if (pthread_create(&j->th, NULL, job_main, j) != 0) {
		close(p[0]);
		close(p[1]);
		free(j);
		if (done)
			done(data);
		return api_reply_error(r, 500, "could not start the worker thread");
	}
	/* rfd is the first member: fd_read reads it through the job pointer */
	return api_reply_stream(r, 200, type, fd_read, j, job_free);
}

static void file_free(void *cls)
{
	int *fd = cls;
	close(*fd);
	free(fd);
}

enum MHD_Result api_reply_file(struct api_req *r, const char *type, int fd)
{
	int *p = xmalloc(sizeof(int));
	*p = fd;
	return api_reply_stream(r, 200, type, fd_read, p, file_free);
}

void api_json_line(int fd, struct json_object *o)
{
	const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
	cleanup_free char *line = xasprintf("%s\r\n", t);
	write_all(fd, line, strlen(line));
	json_object_put(o);
}

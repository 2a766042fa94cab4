/* api-job: a reply whose body is produced while it is sent.
 *
 * A pull reports its progress as it goes: the work runs on a detached
 * thread of its own and writes into a pipe that api_reply_fd() streams to
 * the client, each write as a chunk.  When the client goes away the
 * reader end is closed, the worker's next write fails with EPIPE (the
 * thread blocks SIGPIPE) and the work still finishes, with no one to
 * tell; the thread then frees what it was handed. */
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
	int wfd;
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
	if (j->done)
		j->done(j->data);
	free(j);
	return NULL;
}

enum MHD_Result api_reply_job(struct api_req *r, const char *type, void (*fn)(void *data, int fd),
                              void (*done)(void *data), void *data)
{
	int p[2];
	pthread_t th;
	pthread_attr_t attr;
	struct job *j = xcalloc(1, sizeof(*j));
	*j = (struct job){.fn = fn, .done = done, .data = data};
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(j);
		if (done)
			done(data);
		return api_reply_error(r, 500, "pipe2(): %s", strerror(errno));
	}
	j->wfd = p[1];
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&th, &attr, job_main, j);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		close(p[0]);
		close(p[1]);
		free(j);
		if (done)
			done(data);
		return api_reply_error(r, 500, "could not start the worker thread");
	}
	return api_reply_fd(r, 200, type, p[0], 0, NULL, NULL);
}

void api_json_line(int fd, struct json_object *o)
{
	const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
	cleanup_free char *line = xasprintf("%s\r\n", t);
	write_all(fd, line, strlen(line));
	json_object_put(o);
}

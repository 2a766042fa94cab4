/* api-watch: the server's rendezvous of attaches and waits with the
 * starts it makes (api-watch.c says why). */
#ifndef GLASS_SERVE_API_WATCH_H
#define GLASS_SERVE_API_WATCH_H

#include "ctr.h"

#include <stdbool.h>

/* Starts the container (ctr_start_held) with the attach registered for it
 * and a monitor of its exit; *started is false when it ran already. */
int api_watch_start(const char *id, bool *started, struct glass_err **err);

/* An attach: registered before the client is told it is attached (so a
 * start that follows serves it), then taken in the hijacked connection:
 * the shim's stream, from the start that served it or, when the container
 * is started elsewhere, from ctr_attach().  Blocks until then; -1 when the
 * client (sock) went away or the container did. */
struct api_attach;
struct api_attach *api_watch_attach_register(const char *id, bool in, bool out, bool errs);
int api_watch_attach_take(struct api_attach *a, int sock, int *fd, bool *tty,
                          struct glass_err **err);
void api_watch_attach_release(struct api_attach *a);

/* A wait: registered before the reply's headers go out (the CLI starts the
 * container once it has them), run in the reply. */
enum api_wait_cond { API_WAIT_NOT_RUNNING, API_WAIT_NEXT_EXIT, API_WAIT_REMOVED };
struct api_wait {
	char id[CTR_ID_LEN + 1];
	enum api_wait_cond cond;
	unsigned gen0;      /* exits this server had seen at registration */
	char finished0[40]; /* the container's FinishedAt then */
	int code;           /* the last exit code known */
	bool gone;          /* removed already, its exit recorded here */
};
int api_watch_wait_register(const char *ref, enum api_wait_cond cond, struct api_wait *w,
                            struct glass_err **err);
/* 0 with *code (and error[] when the container died without a status),
 * or -1 when the client went away. */
int api_watch_wait_run(struct api_wait *w, int sock, int *code, char *error, size_t size);

#endif

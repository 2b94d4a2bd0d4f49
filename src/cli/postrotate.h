/* SPDX-License-Identifier: MIT */
/*
 * -z CMD: run CMD with each closed file's name as its argument, as tcpdump
 * does (directly, not through a shell: CMD is one program, looked up in
 * PATH; a command line with arguments goes into a script).
 *
 * The sinks tell of each file they closed complete through their closed()
 * hook, on the capture worker, which must never wait: the hook copies the
 * name into a queue under a mutex and wakes this module's thread.  That
 * thread starts the commands (posix_spawn can stall on a slow exec, so
 * neither the worker nor the thread that owns signals does it) and reaps
 * them, telling of a command that failed as an event.  Commands run side
 * by side, not waited for by the capture, at most one per online CPU at
 * once (a small -C can close thousands of files a second): the others
 * wait in the queue, in the order the files were closed, and an event says
 * so once.  A relative name that begins with '-' is handed over as ./-name,
 * so that the command does not take it for an option.  At the end
 * rc_postrotate_finish() starts what is queued, as slots free up, and
 * waits for every command it started: each file gets its command once.
 *
 * Threads: rc_postrotate_file() on workers; the rest on the owner's.
 */
#ifndef RC_POSTROTATE_H
#define RC_POSTROTATE_H

#include "../common/event.h"

struct rc_postrotate;

/* Start the thread; failures of commands are posted to @ev. */
int rc_postrotate_new(const char *cmd, struct rc_events *ev, struct rc_postrotate **ret);

/* The sinks' closed() hook: queue CMD @path. */
void rc_postrotate_file(void *arg, const char *path);

/* Start what is queued, wait for every command, stop the thread.  Returns
 * how many commands were started. */
unsigned rc_postrotate_finish(struct rc_postrotate *p);

void rc_postrotate_free(struct rc_postrotate *p);

#endif

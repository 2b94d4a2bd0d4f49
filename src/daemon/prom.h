/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus file's writer thread (prom.c): the main thread hands it
 * the text and never waits on the file system.
 *
 * Threads: every function from the daemon's main thread.
 */
#ifndef RC_DAEMON_PROM_H
#define RC_DAEMON_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct prom_writer;
struct rc_events;

/* Start the thread; what goes wrong later is posted to @events. */
int prom_writer_start(struct rc_events *events, struct prom_writer **ret);

/*
 * Hand over @text (malloc'd, @len bytes; the writer frees it) for @path.
 * A text still waiting is replaced.  Returns true once when the writer has
 * been busy with one file for @stuck_after_ns or more: the caller says so
 * (the writer says when it writes again).
 */
bool prom_writer_post(struct prom_writer *w, const char *path, char *text, size_t len,
		      uint64_t stuck_after_ns);

/*
 * Write what waits, then end the thread; gives up after @ms.  Returns
 * false if the writer is still held by its file system: it is left as it
 * is (never freed).  A NULL @w is fine.
 */
bool prom_writer_finish(struct prom_writer *w, uint32_t ms);

#endif

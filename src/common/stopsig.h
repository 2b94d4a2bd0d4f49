/* SPDX-License-Identifier: MIT */
/*
 * The signals that ask this process to stop.
 *
 * Both programs block their signals and read them from a signalfd in the
 * main loop.  A set-up step that can wait (an AF_XDP bind to a queue that
 * is still busy) cannot see that loop, so it asks rc_stop_pending()
 * whether a stop signal has come meanwhile, and gives up if one has.
 * Which signals stop depends on the program: SIGHUP stops ringcap but
 * reloads ringcapd, so each says its own with rc_stop_signals().
 *
 * Thread: rc_stop_signals() on the main thread, before any other thread
 * exists; the others from any thread.
 */
#ifndef RC_STOPSIG_H
#define RC_STOPSIG_H

#include <signal.h>
#include <stdbool.h>

/* The signals that mean "stop" from now on (none before the first call). */
void rc_stop_signals(const sigset_t *set);

/* Whether SIGNO is one of them. */
bool rc_is_stop_signal(int signo);

/* Whether one of them is pending (blocked and not yet read). */
bool rc_stop_pending(void);

#endif

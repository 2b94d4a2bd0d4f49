/* SPDX-License-Identifier: MIT */
/*
 * Standard descriptors 0-2 and the descriptors that must never be them.
 *
 * A program started with fd 0, 1 or 2 closed hands that number to the
 * next descriptor it opens.  If that is a packet socket, every log line
 * written to "stderr" or every pcap record written to "stdout" goes out of
 * the captured interface as an Ethernet frame.  So both programs call
 * rc_stdfd_sanitize() before anything else, and every capture socket is
 * moved above 2 by rc_fd_above_std() as a second line of defence.
 *
 * Thread: the main thread, before any other thread exists.
 */
#ifndef RC_STDFD_H
#define RC_STDFD_H

#include <stdbool.h>

/*
 * Open /dev/null on each of fds 0-2 that is closed, or that is a packet
 * socket (inherited from a careless parent: it would put our output on the
 * wire).  Returns a bit mask of those fds (bit N for fd N), or -errno if one
 * could not be filled (then the process must not open anything else).
 */
int rc_stdfd_sanitize(void);

/* The mask from the first rc_stdfd_sanitize() call (0 before it). */
unsigned rc_stdfd_were_closed(void);

/*
 * Make sure @fd is above 2: if it is 0-2, duplicate it (close-on-exec) to
 * the lowest free number above 2 and close the original.  Returns the fd
 * to use, or -errno (the original is closed then too).
 */
int rc_fd_above_std(int fd);

#endif

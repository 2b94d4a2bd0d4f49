/* SPDX-License-Identifier: MIT */
/*
 * Who put a ringcap XDP program on an interface, and whether that process
 * still lives.  Each copy of the program carries its owner in its
 * read-only data (bpf/rc_xdp.bpf.c: owner_pid, owner_start, owner_pidns):
 * the pid, the process's start time in clock ticks since boot (field 22 of
 * /proc/PID/stat, so that a reused pid is not mistaken for the owner) and
 * its pid namespace.  A program whose owner is gone was left by a ringcap
 * that was killed; xdp_prog.c removes such programs.
 *
 * Reads /proc and BPF object info only; no state, any thread.  Only built
 * with RC_HAVE_AFXDP.
 */
#ifndef RC_XDP_OWNER_H
#define RC_XDP_OWNER_H

#ifdef RC_HAVE_AFXDP

#include <stdbool.h>
#include <stdint.h>

/* The layout of the program's owner_* variables, in this order. */
struct rc_xdp_owner {
	uint64_t pid, start, pidns;
};

/* This process, as its program's owner fields name it. */
void rc_xdp_owner_self(struct rc_xdp_owner *ret);

/* Is the process that attached the program @prog_fd still there?  Fills
 * *@ret with what the program says (zeroes when it says nothing).  When it
 * cannot be told (another pid namespace, no owner fields), says yes: leave
 * the program alone. */
bool rc_xdp_owner_alive(int prog_fd, struct rc_xdp_owner *ret);

#endif /* RC_HAVE_AFXDP */

#endif

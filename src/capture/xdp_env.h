/* SPDX-License-Identifier: MIT */
/*
 * The process-wide side of AF_XDP capture: what it changes outside the
 * capture itself, owned by the program and not by a capture source.
 *
 *   - libbpf's and libxdp's print hooks.  Library code does not print: from
 *     rc_xdp_process_init() on, their warnings are kept (the last one, per
 *     thread) for the message of the set-up step that failed, and libxdp's
 *     reason for doing without its dispatcher is kept for a note.
 *   - bpffs, where libxdp keeps its dispatcher's state.  When none is
 *     mounted, the XDP program module (xdp_prog.c) has one mounted here
 *     with the first program it attaches, and unmounted again with the
 *     last one if nothing else was pinned there.  Only a program that
 *     called rc_xdp_process_init() mounts anything; rc_xdp_process_fini()
 *     unmounts what is still ours and idle.
 *
 * Threads: init and fini from main(), before any capture thread starts and
 * after the last one ended.  rc_xdp_bpffs_get/put under the XDP program
 * registry's lock (one caller at a time).  The kept warnings are per
 * thread.
 *
 * Without RC_HAVE_AFXDP, init and fini do nothing (so main() calls them
 * without conditions) and nothing else is declared.
 */
#ifndef RC_XDP_ENV_H
#define RC_XDP_ENV_H

#include <stddef.h>

#ifdef RC_HAVE_AFXDP

#include "source.h"

/* Take over libbpf's and libxdp's print hooks; allow bpffs to be mounted. */
void rc_xdp_process_init(void);
/* Unmount the bpffs this process mounted, if nothing is left in it; give
 * the print hooks back. */
void rc_xdp_process_fini(void);

/* Forget the last library warning of this thread (before a library call
 * whose failure is to be explained). */
void rc_xdp_lib_clear(void);
/* " (<the last library warning of this thread>)", or "" when there was
 * none; in @buf. */
const char *rc_xdp_lib_why(char *buf, size_t len);
/* Why libxdp does without its dispatcher, as it said once; "" if unknown. */
const char *rc_xdp_dispatcher_why(void);

/* libxdp is about to attach a program: make sure bpffs is there, mounting
 * it when none is and init allowed it (a note on @s says so, or why not). */
void rc_xdp_bpffs_get(struct rc_source *s);
/* The last program is gone: unmount what rc_xdp_bpffs_get() mounted, if
 * it holds nothing but the kernel's and libxdp's own empty entries. */
void rc_xdp_bpffs_put(void);

#else

static inline void rc_xdp_process_init(void)
{
}

static inline void rc_xdp_process_fini(void)
{
}

#endif /* RC_HAVE_AFXDP */

#endif

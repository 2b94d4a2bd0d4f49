/* SPDX-License-Identifier: MIT */
/*
 * ringcap's XDP program (bpf/rc_xdp.bpf.c) on an interface: loaded from
 * the skeleton built into the binary, attached through libxdp once per
 * interface and shared, reference counted, by every AF_XDP socket of that
 * interface in this process; detached when the last one lets go.
 *
 * Owns, per interface: the loaded object and its maps (xsks: one socket
 * per RX queue; counters: per queue and CPU), the libxdp program and its
 * attach mode, and a packet socket that holds a promiscuous membership
 * when the capture asks for it.  Process-wide: the registry of those (one
 * lock), which is also what serialises every libxdp call of this process.
 *
 * Attaching: a stale ringcap program (its owner dead, xdp_owner.h) is
 * removed first; then native mode, SKB mode as fallback (per
 * c->xdp.mode), through libxdp's dispatcher when it can (bpffs, from
 * xdp_env.h), else on its own.  A queue with no socket in xsks passes its
 * frames to the stack: the program changes nothing for traffic nobody
 * captures.
 *
 * This is the module that decides what the program is loaded with (its
 * owner fields, whether the port is dedicated, whether frames may come in
 * fragments) and which capture filter runs in it: settings that go into
 * the program belong here.
 *
 * The capture filter (one per interface: every queue of a capture asks for
 * the same) is translated to eBPF (xdp_filter.h), loaded as a program of
 * its own and put in the program's `progs` array, where the attached
 * program tail-calls it.  A filter that cannot run there is left to user
 * space; the program then takes every frame (dedicated port), and the old
 * kernel filter stays until every source of the interface has its
 * user-space filter (rc_xdp_prog_filter_ready), so that no frame slips
 * through unfiltered while they switch.
 *
 * Threads: get/put from the owner's thread (set-up and free of a source),
 * under the registry lock; counters, add/remove of a socket from any
 * thread; the filter from any thread, under the registry lock.  Only
 * built with RC_HAVE_AFXDP.
 */
#ifndef RC_XDP_PROG_H
#define RC_XDP_PROG_H

#ifdef RC_HAVE_AFXDP

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/conf.h"
#include "source.h"

struct rc_xdp_prog;
struct xsk_socket;

/* One queue's counters, summed over the CPUs. */
struct rc_xdp_counters {
	uint64_t seen;
	uint64_t redirected;
	uint64_t passed;      /* to the host's stack, for any reason */
	uint64_t filtered;    /* rejected by the filter in the program */
};

/*
 * The program on interface @ifindex (@ifname for messages), attached now
 * if this process has none there yet, loaded for frames in fragments when
 * @frags (an MTU larger than one UMEM frame).  Notes on @s say how it went
 * (mode, dispatcher or not, a stale program removed, bpffs mounted).
 * -errno and a message in @err: -EPERM (privileges), -EBUSY (a program
 * libxdp cannot share, or another ringcap's), or what attaching said.
 */
int rc_xdp_prog_get(const struct rc_capture_conf *c, int ifindex, const char *ifname, bool frags,
		    struct rc_source *s, struct rc_xdp_prog **ret, char *err, size_t errlen);
/* Let go; the last one detaches the program.  NULL is fine. */
void rc_xdp_prog_put(struct rc_xdp_prog *p);

/* RX queues the program can serve: 0 to this - 1. */
uint32_t rc_xdp_prog_max_queues(const struct rc_xdp_prog *p);

/* Queue @queue's counters.  -errno. */
int rc_xdp_prog_counters(const struct rc_xdp_prog *p, uint32_t queue,
			 struct rc_xdp_counters *ret);

/* From here on the program sends queue @queue's frames to @xsk.  -errno. */
int rc_xdp_prog_add_socket(struct rc_xdp_prog *p, struct xsk_socket *xsk);
/* From here on queue @queue's frames go to the stack.  -errno; no socket
 * there is fine. */
int rc_xdp_prog_remove_socket(struct rc_xdp_prog *p, uint32_t queue);

/*
 * The capture filter @expr (NULL or "": none), compiled for Ethernet with
 * @snaplen, into the program.  1: it runs there (or there is none);
 * 0: it cannot, the reason in @why, and user space must run it (the
 * program goes on with the old filter until rc_xdp_prog_filter_ready()
 * has been called by every source of the interface); -errno with a
 * message in @why: -EBADMSG (libpcap refused the expression),
 * -EPROTONOSUPPORT (it reads what neither an XDP program nor user space
 * can know), -ENOMEM.  A second call with the same expression (the next
 * queue of the capture) returns what the first did.  Any thread.
 */
int rc_xdp_prog_set_filter(struct rc_xdp_prog *p, const char *expr, uint32_t snaplen,
			   char *why, size_t whylen);
/* This source runs the filter of the last rc_xdp_prog_set_filter() in user
 * space now. */
void rc_xdp_prog_filter_ready(struct rc_xdp_prog *p);

/* The message for a step the kernel refused for want of privileges. */
int rc_xdp_fail_perm(char *err, size_t errlen, const char *ifname, const char *step);

static inline bool rc_xdp_is_perm(int r)
{
	return r == -EPERM || r == -EACCES;
}

#endif /* RC_HAVE_AFXDP */

#endif

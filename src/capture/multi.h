/* SPDX-License-Identifier: MIT */
/*
 * One source over several interfaces (-i eth0 -i eth1); see multi.c.
 */
#ifndef RC_MULTI_H
#define RC_MULTI_H

#include "source.h"

/*
 * Serve @subs[0..n) (each a source of one interface with a poll_fd) as one
 * source whose interface i is @subs[i]'s.  Takes the sources over: they
 * are freed with it, also when this fails.
 */
int rc_multi_source_new(struct rc_source **subs, unsigned n, struct rc_source **ret);

#endif

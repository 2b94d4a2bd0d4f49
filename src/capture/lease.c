// SPDX-License-Identifier: MIT
/*
 * The single hand-back point for capture memory (see lease.h).
 *
 * Order matters at the end: the owner's hook gives the unit back first
 * (for a TPACKET_V3 block, a release store of TP_STATUS_KERNEL), and only
 * then does the state say KERNEL, with a release store, so that whoever
 * sees KERNEL also sees the hand-back.
 */
#include "lease.h"

#include <stdlib.h>

int rc_lease_put(struct rc_lease *l)
{
	uint32_t left = __atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL);

	if (left == UINT32_MAX)
		abort(); /* more puts than gets: a frame view outlived its lease */
	if (left)
		return 0;
	l->owner->release(l->owner, l);
	/* the last touch of @l: from here on the worker may take it again */
	__atomic_store_n(&l->state, RC_LEASE_KERNEL, __ATOMIC_RELEASE);
	return 1;
}

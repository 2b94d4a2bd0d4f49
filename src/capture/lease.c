// SPDX-License-Identifier: MIT
/*
 * The single hand-back point for capture memory.
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
	return 1;
}

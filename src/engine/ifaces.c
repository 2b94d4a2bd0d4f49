// SPDX-License-Identifier: MIT
/*
 * Interfaces of a configuration, looked up in this network namespace, and
 * its memory against this machine's; see ifaces.h.
 */
#include "ifaces.h"

#include <errno.h>
#include <net/if.h>
#include <sys/socket.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "../config/conf.h"
#include "../config/diag.h"
#include "../sink/fileio.h"

int rc_ifaces_check(const struct rc_config *c, struct rc_diag *diag)
{
	int r = 0;

	for (size_t i = 0; i < c->n_captures; i++) {
		const struct rc_capture_conf *cap = &c->captures[i];

		/* "any": every interface (afpacket) */
		if (!cap->iface || !strcmp(cap->iface, "any") || if_nametoindex(cap->iface))
			continue;
		if (errno == ENODEV || errno == ENXIO)
			rc_diag_add(diag, c->path, cap->iface_line, cap->iface_col,
				    "captures[%zu].interface: no such network interface '%s'", i,
				    cap->iface);
		else
			rc_diag_add(diag, c->path, cap->iface_line, cap->iface_col,
				    "captures[%zu].interface: cannot look up interface '%s': %s", i,
				    cap->iface, strerror(errno));
		r = -ENODEV;
	}
	return r;
}

int rc_memory_check(const struct rc_config *c, struct rc_diag *diag)
{
	const uint64_t dio = (uint64_t)RC_FILEIO_DIO_NBUFS * RC_FILEIO_DIO_BUF;
	uint64_t rings = 0, bufs = 0, outs = 0, phys;
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || psz <= 0 || !c->n_captures)
		return 0;
	phys = (uint64_t)pages * (uint64_t)psz;
	for (size_t i = 0; i < c->n_captures; i++) {
		const struct rc_capture_conf *cap = &c->captures[i];
		uint64_t w = cap->workers ? cap->workers : 1;

		if (cap->backend != RC_BACKEND_AFXDP)
			rings += w * cap->ring.block_size * cap->ring.block_nr;
		for (size_t k = 0; k < cap->n_pcaps; k++)
			if (cap->pcaps[k].io != RC_IO_BUFFERED) {
				bufs += w * dio;
				outs += w;
			}
	}
	if (rings + bufs <= phys / 2)
		return 0;
	rc_diag_add(diag, c->path, c->captures[0].line, c->captures[0].col,
		    "the captures take %" PRIu64 " MiB of memory (rings %" PRIu64 " MiB; direct-I/O "
		    "buffers %" PRIu64 " MiB, %" PRIu64 " MiB for each output of each worker, %" PRIu64
		    " in all), over half of this machine's %" PRIu64 " MiB; smaller rings, fewer "
		    "workers or `io: buffered` take less", (rings + bufs) >> 20, rings >> 20,
		    bufs >> 20, dio >> 20, outs, phys >> 20);
	return -ENOMEM;
}

/* SPDX-License-Identifier: MIT */
/*
 * The systemd drop-ins a configuration needs.  The shipped unit
 * (systemd/ringcapd.service) grants what afpacket capture into files needs
 * and nothing more; each backend that needs more comes with a drop-in of
 * its own, installed beside the unit and enabled by the administrator
 * (ringcapd(8), "Running under systemd"):
 *
 *   afxdp.conf  backend afxdp: CAP_SYS_ADMIN, AF_XDP and AF_INET sockets,
 *               the bpf() system call
 *   rdma.conf   rdma outputs: /dev/infiniband/rdma_cm and the verbs devices
 *
 * `ringcapd -n` and `ringcap config check` name the drop-ins a file needs.
 * At start, ringcapd checks that it holds what each needed drop-in grants
 * (a capability, a device node), so that the journal names the drop-in to
 * enable instead of the step the kernel refused.  This reads the calling
 * process's capabilities and /dev; nothing is opened or changed.
 */
#ifndef RC_CONFIG_DROPINS_H
#define RC_CONFIG_DROPINS_H

#include <stddef.h>
#include <stdio.h>

#include "conf.h"

/* One line per drop-in @c needs, naming it and the first capture that needs
 * it; nothing when the shipped unit is enough. */
void rc_dropins_print(const struct rc_config *c, FILE *f);

/* 0 when this process holds what every drop-in @c needs grants; otherwise
 * -EPERM with a message in @err that names the first drop-in missing. */
int rc_dropins_check(const struct rc_config *c, char *err, size_t errlen);

#endif

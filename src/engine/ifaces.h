/* SPDX-License-Identifier: MIT */
/*
 * Which of a configuration's interfaces exist: a question about the system
 * (the calling process's network namespace), not about the file, so it is
 * asked here and not by the loader in config/.  Both front ends ask it
 * after a successful load: `ringcap config check` and ringcapd (at start
 * and at each reload), which say "warning:" and wait for the interface.
 *
 * No state, no logging; any thread.
 */
#ifndef RC_ENGINE_IFACES_H
#define RC_ENGINE_IFACES_H

#include <stdint.h>

struct rc_config;
struct rc_diag;

/*
 * Check that every capture's interface exists in the calling process's
 * network namespace (if_nametoindex).  Each missing one adds a message at
 * its `interface:` key to @diag (appended, not reset).  Returns 0, or
 * -ENODEV if any is missing or could not be looked up.  A missing interface
 * is not an error of the file: the daemon starts that capture when the
 * interface appears (ringcap.yaml(5), "Interfaces").
 */
int rc_ifaces_check(const struct rc_config *c, struct rc_diag *diag);

/*
 * Does the configuration's memory fit this machine?  Its captures' rings
 * (afpacket: one per worker) and the direct-I/O buffers of their outputs
 * (RC_FILEIO_DIO_NBUFS x RC_FILEIO_DIO_BUF per output and worker, unless
 * `io: buffered`), against the machine's physical memory.  Over half of it
 * adds a message at the first capture to @diag and returns -ENOMEM; a
 * warning for the front ends, not an error of the file.
 */
int rc_memory_check(const struct rc_config *c, struct rc_diag *diag);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The daemon's configuration file (/etc/ringcap/ringcap.yaml, documented in
 * ringcap.yaml(5)): YAML text in, a struct rc_config (conf.h) out.
 *
 * Loading never stops at the first mistake: every problem it can find is
 * collected in a struct rc_diag as one "FILE:LINE:COLUMN: key: message"
 * line, so that one `ringcapd -n` run shows them all.  Lines and columns
 * count from 1, columns in characters.  This layer does not log: callers
 * print the messages (rc_diag_print) or hand them to the logger.
 *
 * Reentrant, no global state; the daemon calls it at start and, for a
 * reload, on a thread of its own.  libyaml stays private to yaml*.c
 * (yaml_priv.h says which does what).
 */
#ifndef RC_CONFIG_YAML_H
#define RC_CONFIG_YAML_H

#include "conf.h"
#include "diag.h"

/*
 * Read and check @path.  @diag is reset first.
 *
 * Returns 0 and a new configuration in *@ret (free with rc_config_free()),
 * or on failure leaves *@ret untouched and returns
 *   -EINVAL  the file has errors; all of them (up to RC_DIAG_MAX) are in
 *            @diag, in file order;
 *   -errno   the file could not be read (-ENOENT, -EACCES, -EISDIR,
 *            -EFBIG beyond 1 MiB, ...); @diag holds one message naming it;
 *   -ENOMEM.
 *
 * What the file leaves unsaid: user "ringcap"; group NULL (the user's
 * primary group); user "" in the file gives user NULL (keep the identity
 * the daemon was started with); runtime_dir "/run/ringcap"; status interval
 * 5 s; prometheus off (interval 15 s when on); capture settings from
 * rc_capture_conf_init() overlaid by the `defaults` section; file mode
 * 0640.  Interfaces are not looked up here (engine/ifaces.h), users and
 * groups are not resolved.
 */
int rc_config_load(const char *path, struct rc_config **ret, struct rc_diag *diag);

#endif

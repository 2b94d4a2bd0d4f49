/* SPDX-License-Identifier: MIT */
/*
 * Sizes and durations as people type them: "64MiB", "1.5GB", "500ms",
 * "5min".  Shared by the CLI flags and the YAML configuration so that both
 * accept exactly the same spellings.
 */
#ifndef RC_UNITS_H
#define RC_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define RC_NSEC_PER_SEC 1000000000ULL
#define RC_NSEC_PER_MSEC 1000000ULL

/*
 * Parse a size.  Suffixes: B; KiB MiB GiB TiB and K M G T (also k m g t,
 * binary, as tcpdump's -C takes them); kB MB GB TB (decimal).  A bare number
 * is multiplied by @bare_unit.  Returns 0, -EINVAL (not a size) or -ERANGE.
 */
int rc_parse_size(const char *s, uint64_t bare_unit, uint64_t *ret);

/*
 * Parse a duration into nanoseconds.  Suffixes: ns us ms s sec min m h d.
 * A bare number is in units of @bare_unit_ns.
 */
int rc_parse_duration(const char *s, uint64_t bare_unit_ns, uint64_t *ret_ns);

/* Parse a whole unsigned number (no sign, no suffix); 0, -EINVAL or -ERANGE. */
int rc_parse_uint(const char *s, uint64_t max, uint64_t *ret);

/* "1.5 MiB"-style rendering into @buf; returns buf. */
const char *rc_format_size(char *buf, size_t len, uint64_t bytes);
const char *rc_format_duration(char *buf, size_t len, uint64_t ns);

#endif

// SPDX-License-Identifier: MIT
/*
 * Unit parsing.  Pure functions, no allocation; unit-tested in
 * tests/unit/test_units.c.
 */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit {
	const char *name;
	long double mult;
};

/* Split "12.5MiB" into a number and a suffix; reject signs and blanks. */
static int split_number(const char *s, long double *ret_val, const char **ret_suffix)
{
	char *end;
	long double v;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtold(s, &end);
	if (errno == ERANGE || !isfinite(v))
		return -ERANGE;
	if (end == s || end[-1] == '.')
		return -EINVAL;
	while (*end == ' ')
		end++;
	*ret_val = v;
	*ret_suffix = end;
	return 0;
}

static int apply_unit(const char *s, const struct unit *units, size_t n, int case_sensitive,
		      long double bare, uint64_t *ret)
{
	const char *suffix;
	long double v, mult = -1;
	int r;

	r = split_number(s, &v, &suffix);
	if (r < 0)
		return r;
	if (*suffix == '\0')
		mult = bare;
	else
		for (size_t i = 0; i < n; i++)
			if (case_sensitive ? !strcmp(suffix, units[i].name) :
					     !strcasecmp(suffix, units[i].name)) {
				mult = units[i].mult;
				break;
			}
	if (mult < 0)
		return -EINVAL;
	v *= mult;
	if (v >= 18446744073709551615.0L)
		return -ERANGE;
	/* "0.5" of a byte or a nanosecond is not a thing: round to nearest */
	*ret = (uint64_t)(v + 0.5L);
	return 0;
}

int rc_parse_size(const char *s, uint64_t bare_unit, uint64_t *ret)
{
	static const struct unit units[] = {
		{ "B", 1 },
		{ "KiB", 1024.0L },
		{ "MiB", 1024.0L * 1024 },
		{ "GiB", 1024.0L * 1024 * 1024 },
		{ "TiB", 1024.0L * 1024 * 1024 * 1024 },
		{ "K", 1024.0L },
		{ "M", 1024.0L * 1024 },
		{ "G", 1024.0L * 1024 * 1024 },
		{ "T", 1024.0L * 1024 * 1024 * 1024 },
		{ "k", 1024.0L },
		{ "m", 1024.0L * 1024 },
		{ "g", 1024.0L * 1024 * 1024 },
		{ "t", 1024.0L * 1024 * 1024 * 1024 },
		{ "kB", 1e3L },
		{ "KB", 1e3L },
		{ "MB", 1e6L },
		{ "GB", 1e9L },
		{ "TB", 1e12L },
	};
	return apply_unit(s, units, sizeof(units) / sizeof(units[0]), 1, bare_unit, ret);
}

int rc_parse_duration(const char *s, uint64_t bare_unit_ns, uint64_t *ret_ns)
{
	static const struct unit units[] = {
		{ "ns", 1 },
		{ "us", 1e3L },
		{ "ms", 1e6L },
		{ "s", 1e9L },
		{ "sec", 1e9L },
		{ "m", 60e9L },
		{ "min", 60e9L },
		{ "h", 3600e9L },
		{ "d", 86400e9L },
	};
	return apply_unit(s, units, sizeof(units) / sizeof(units[0]), 0, bare_unit_ns, ret_ns);
}

int rc_parse_uint(const char *s, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || v > max)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

const char *rc_format_size(char *buf, size_t len, uint64_t bytes)
{
	static const char *const names[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	unsigned i = 0;

	while (v >= 1024.0 && i < sizeof(names) / sizeof(names[0]) - 1) {
		v /= 1024.0;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, names[i]);
	return buf;
}

const char *rc_format_duration(char *buf, size_t len, uint64_t ns)
{
	if (ns % 1000000000ULL == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ns / 1000000000ULL));
	else if (ns % 1000000ULL == 0)
		snprintf(buf, len, "%llums", (unsigned long long)(ns / 1000000ULL));
	else
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	return buf;
}

// SPDX-License-Identifier: MIT
/*
 * Unit tests for sizes and durations as people type them
 * (src/common/units.h).  One table per function; every row is its own case.
 * Failures must leave the output untouched (ret_ parameters, STYLE.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>

#include "../../src/common/units.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include "rc_table.h"

#define UNTOUCHED 0xdeadbeefcafef00dULL
#define KiB 1024ULL
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)
#define TiB (1024ULL * GiB)

/* One row: input (the row's name), the bare-number unit, and the outcome. */
struct parse_case {
	const char *in;
	uint64_t bare;
	int ret;
	uint64_t want;
};

/* Call first, then check: @got must be read after the parser ran. */
static void check_parse(int r, const uint64_t *got, const struct parse_case *tc)
{
	assert_int_equal(r, tc->ret);
	if (tc->ret == 0)
		assert_int_equal(*got, tc->want);
	else
		assert_int_equal(*got, UNTOUCHED);
}

/* ------------------------------------------------------------------ */
/* rc_parse_size                                                       */

static const struct parse_case size_cases[] = {
	/* bare numbers */
	{ "0", 1, 0, 0 },
	{ "1", 1, 0, 1 },
	{ "123456", 1, 0, 123456 },
	{ "007", 1, 0, 7 },
	/* every suffix */
	{ "1B", 1, 0, 1 },
	{ "512B", 1024, 0, 512 },
	{ "1KiB", 1, 0, KiB },
	{ "1MiB", 1, 0, MiB },
	{ "1GiB", 1, 0, GiB },
	{ "1TiB", 1, 0, TiB },
	{ "3K", 1, 0, 3 * KiB },
	{ "3M", 1, 0, 3 * MiB },
	{ "3G", 1, 0, 3 * GiB },
	{ "3T", 1, 0, 3 * TiB },
	{ "3k", 1, 0, 3 * KiB },
	{ "3m", 1, 0, 3 * MiB },
	{ "3g", 1, 0, 3 * GiB },
	{ "3t", 1, 0, 3 * TiB },
	{ "5kB", 1, 0, 5000 },
	{ "5KB", 1, 0, 5000 },
	{ "5MB", 1, 0, 5000000 },
	{ "5GB", 1, 0, 5000000000ULL },
	{ "5TB", 1, 0, 5000000000000ULL },
	/* decimal and binary differ */
	{ "100MB", 1, 0, 100000000 },
	{ "100MiB", 1, 0, 104857600 },
	/* the bare unit applies to bare numbers only */
	{ "100", 1000000, 0, 100000000 },
	{ "64", 1024, 0, 65536 },
	{ "00", 1024, 0, 0 },
	{ "250MB", 1000000, 0, 250000000 },
	{ "10MiB", 1000000, 0, 10 * MiB },
	{ "7B", 1000000, 0, 7 },
	/* fractions */
	{ "1.5KiB", 1, 0, 1536 },
	{ "0.5MiB", 1, 0, 512 * KiB },
	{ "1.25GiB", 1, 0, 1342177280 },
	{ "1.5GB", 1, 0, 1500000000 },
	{ "2.5", 1000000, 0, 2500000 },
	{ "0.001", 1000000, 0, 1000 },
	{ "1.6B", 1, 0, 2 }, /* rounded to the nearest byte */
	{ "1.4B", 1, 0, 1 },
	/* blanks between number and unit */
	{ "64 MiB", 1, 0, 64 * MiB },
	/* not sizes */
	{ "", 1, -EINVAL, 0 },
	{ "abc", 1, -EINVAL, 0 },
	{ "MiB", 1, -EINVAL, 0 },
	{ "1XiB", 1, -EINVAL, 0 },
	{ "1 2", 1, -EINVAL, 0 },
	{ "1.2.3", 1, -EINVAL, 0 },
	{ "1.", 1, -EINVAL, 0 },
	{ "1.MiB", 1, -EINVAL, 0 },
	{ ".5", 1, -EINVAL, 0 },
	{ "1MiBs", 1, -EINVAL, 0 },
	{ "1MiB ", 1, -EINVAL, 0 },
	{ "1 MiB x", 1, -EINVAL, 0 },
	{ "1mb", 1, -EINVAL, 0 }, /* suffixes are case-sensitive */
	{ "1kb", 1, -EINVAL, 0 },
	{ "1mib", 1, -EINVAL, 0 },
	{ "1Mi", 1, -EINVAL, 0 },
	{ "1b", 1, -EINVAL, 0 },
	{ "nan", 1, -EINVAL, 0 },
	{ "inf", 1, -EINVAL, 0 },
	/* signs and leading blanks */
	{ "-1", 1, -EINVAL, 0 },
	{ "-0", 1, -EINVAL, 0 },
	{ "+1", 1, -EINVAL, 0 },
	{ "-1MiB", 1, -EINVAL, 0 },
	{ " 1", 1, -EINVAL, 0 },
	{ "\t1", 1, -EINVAL, 0 },
	/* the edge of 64 bits */
	{ "16777215TiB", 1, 0, 16777215ULL * TiB },
	{ "16777216TiB", 1, -ERANGE, 0 },
	{ "18446744073709551616", 1, -ERANGE, 0 },
	{ "99999999999999999999999", 1, -ERANGE, 0 },
	{ "20000000TB", 1, -ERANGE, 0 },
	{ "18014398509481984", 1024, -ERANGE, 0 }, /* 2^54 KiB = 2^64 */
	{ "18014398509481983", 1024, 0, 18446744073709550592ULL },
	{ "1e5000", 1, -ERANGE, 0 },
};

static void test_size(void **state)
{
	const struct parse_case *tc = *state;
	uint64_t v = UNTOUCHED;
	int r;

	r = rc_parse_size(tc->in, tc->bare, &v);
	check_parse(r, &v, tc);
}

static void test_size_null(void **state)
{
	uint64_t v = UNTOUCHED;

	(void)state;
	assert_int_equal(rc_parse_size(NULL, 1, &v), -EINVAL);
	assert_int_equal(v, UNTOUCHED);
	assert_int_equal(rc_parse_duration(NULL, 1, &v), -EINVAL);
	assert_int_equal(v, UNTOUCHED);
	assert_int_equal(rc_parse_uint(NULL, 10, &v), -EINVAL);
	assert_int_equal(v, UNTOUCHED);
}

/* ------------------------------------------------------------------ */
/* rc_parse_duration                                                   */

#define NS 1ULL
#define US 1000ULL
#define MS 1000000ULL
#define SEC 1000000000ULL

static const struct parse_case duration_cases[] = {
	/* every suffix */
	{ "7ns", SEC, 0, 7 },
	{ "7us", SEC, 0, 7 * US },
	{ "7ms", SEC, 0, 7 * MS },
	{ "7s", MS, 0, 7 * SEC },
	{ "7sec", MS, 0, 7 * SEC },
	{ "7m", SEC, 0, 7 * 60 * SEC },
	{ "7min", SEC, 0, 7 * 60 * SEC },
	{ "7h", SEC, 0, 7 * 3600 * SEC },
	{ "7d", SEC, 0, 7 * 86400 * SEC },
	/* bare numbers in the caller's unit */
	{ "10", SEC, 0, 10 * SEC },
	{ "40", MS, 0, 40 * MS },
	{ "0", SEC, 0, 0 },
	{ "250", NS, 0, 250 },
	/* fractions */
	{ "1.5s", SEC, 0, 1500 * MS },
	{ "0.5min", SEC, 0, 30 * SEC },
	{ "2.5ms", SEC, 0, 2500 * US },
	{ "0.25", SEC, 0, 250 * MS },
	{ "1.5ns", SEC, 0, 2 },
	/* suffixes are not case-sensitive */
	{ "2H", SEC, 0, 7200 * SEC },
	{ "5MIN", SEC, 0, 300 * SEC },
	{ "3Sec", SEC, 0, 3 * SEC },
	{ "30 s", SEC, 0, 30 * SEC },
	/* not durations */
	{ "", SEC, -EINVAL, 0 },
	{ "s", SEC, -EINVAL, 0 },
	{ "min", SEC, -EINVAL, 0 },
	{ "5x", SEC, -EINVAL, 0 },
	{ "5w", SEC, -EINVAL, 0 },
	{ "5mins", SEC, -EINVAL, 0 },
	{ "5 min 3s", SEC, -EINVAL, 0 },
	{ "1h30m", SEC, -EINVAL, 0 },
	{ "5.s", SEC, -EINVAL, 0 },
	{ "-5s", SEC, -EINVAL, 0 },
	{ "+5s", SEC, -EINVAL, 0 },
	{ " 5s", SEC, -EINVAL, 0 },
	/* the edge of 64 bits of nanoseconds (about 213503 days) */
	{ "213503d", SEC, 0, 213503ULL * 86400 * SEC },
	{ "213504d", SEC, -ERANGE, 0 },
	{ "1000000000000", SEC, -ERANGE, 0 },
	{ "18446744073709551616ns", SEC, -ERANGE, 0 },
};

static void test_duration(void **state)
{
	const struct parse_case *tc = *state;
	uint64_t v = UNTOUCHED;
	int r;

	r = rc_parse_duration(tc->in, tc->bare, &v);
	check_parse(r, &v, tc);
}

/* ------------------------------------------------------------------ */
/* rc_parse_uint (the "bare" column is the maximum)                    */

static const struct parse_case uint_cases[] = {
	{ "0", 10, 0, 0 },
	{ "42", 100, 0, 42 },
	{ "007", 100, 0, 7 },
	{ "262144", 262144, 0, 262144 },
	{ "262145", 262144, -ERANGE, 0 },
	{ "4294967295", UINT32_MAX, 0, UINT32_MAX },
	{ "4294967296", UINT32_MAX, -ERANGE, 0 },
	{ "18446744073709551615", UINT64_MAX, 0, UINT64_MAX },
	{ "18446744073709551616", UINT64_MAX, -ERANGE, 0 },
	{ "99999999999999999999999", UINT64_MAX, -ERANGE, 0 },
	{ "", 100, -EINVAL, 0 },
	{ "x", 100, -EINVAL, 0 },
	{ "-1", 100, -EINVAL, 0 },
	{ "+1", 100, -EINVAL, 0 },
	{ " 1", 100, -EINVAL, 0 },
	{ "1 ", 100, -EINVAL, 0 },
	{ "1k", 100, -EINVAL, 0 },
	{ "1.0", 100, -EINVAL, 0 },
	{ "1e2", 1000, -EINVAL, 0 },
	{ "0x10", 100, -EINVAL, 0 },
};

static void test_uint(void **state)
{
	const struct parse_case *tc = *state;
	uint64_t v = UNTOUCHED;
	int r;

	r = rc_parse_uint(tc->in, tc->bare, &v);
	check_parse(r, &v, tc);
}

/* ------------------------------------------------------------------ */
/* rc_format_size / rc_format_duration                                 */

struct format_case {
	const char *want;
	uint64_t v;
};

static const struct format_case format_size_cases[] = {
	{ "0 B", 0 },
	{ "1 B", 1 },
	{ "1023 B", 1023 },
	{ "1.0 KiB", 1024 },
	{ "1.5 KiB", 1536 },
	{ "10.0 MiB", 10 * MiB },
	{ "64.0 MiB", 64 * MiB },
	{ "1.0 GiB", GiB },
	{ "2.5 GiB", 5 * GiB / 2 },
	{ "1.0 TiB", TiB },
	{ "1.0 PiB", 1024 * TiB },
	{ "16384.0 PiB", UINT64_MAX }, /* the biggest unit does not overflow */
};

static void test_format_size(void **state)
{
	const struct format_case *tc = *state;
	char buf[32];

	memset(buf, 'X', sizeof(buf));
	assert_ptr_equal(rc_format_size(buf, sizeof(buf), tc->v), buf);
	assert_string_equal(buf, tc->want);
}

static void test_format_size_truncates(void **state)
{
	char buf[5];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_ptr_equal(rc_format_size(buf, sizeof(buf), 1536), buf);
	assert_string_equal(buf, "1.5 "); /* cut, but terminated */
}

static const struct format_case format_duration_cases[] = {
	{ "0s", 0 },
	{ "1s", SEC },
	{ "90s", 90 * SEC },
	{ "40ms", 40 * MS },
	{ "1500ms", 1500 * MS },
	{ "1500ns", 1500 },
	{ "1ns", 1 },
};

static void test_format_duration(void **state)
{
	const struct format_case *tc = *state;
	char buf[32];

	assert_ptr_equal(rc_format_duration(buf, sizeof(buf), tc->v), buf);
	assert_string_equal(buf, tc->want);
}

/* A formatted duration parses back to the same number. */
static void test_duration_round_trip(void **state)
{
	const struct format_case *tc = *state;
	char buf[32];
	uint64_t v = UNTOUCHED;

	rc_format_duration(buf, sizeof(buf), tc->v);
	assert_int_equal(rc_parse_duration(buf, SEC, &v), 0);
	assert_int_equal(v, tc->v);
}

int main(void)
{
	static const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_size_null),
		cmocka_unit_test(test_format_size_truncates),
	};
	static const struct table tables[] = {
		TABLE("size", test_size, size_cases),
		TABLE("duration", test_duration, duration_cases),
		TABLE("uint", test_uint, uint_cases),
		TABLE("format_size", test_format_size, format_size_cases),
		TABLE("format_duration", test_format_duration, format_duration_cases),
		TABLE("duration round trip", test_duration_round_trip, format_duration_cases),
	};

	return run_tables("units", plain, ARRAY_SIZE(plain), tables, ARRAY_SIZE(tables));
}

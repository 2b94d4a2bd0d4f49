// SPDX-License-Identifier: MIT
/*
 * Unit tests for rotation naming and retention (src/sink/rotate.h): the
 * file name rule, the set of kept files under count and byte limits, and
 * the size/time rotation rules.  Pure bookkeeping, no files are written.
 * strftime templates are expanded with TZ=UTC and a fixed time.
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
#include <time.h>

#include "../../src/sink/rotate.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ANY_ERROR 1 /* any negative errno will do */

#include "rc_table.h"

/* 2023-11-14 22:13:20 UTC */
#define T0 ((time_t)1700000000)

/* ------------------------------------------------------------------ */
/* rc_rotate_name                                                      */

struct name_case {
	const char *name;
	const char *tmpl;
	bool numbered;
	uint64_t seq;
	size_t buflen; /* 0 = a roomy buffer */
	int ret;       /* 0, -errno, or ANY_ERROR */
	const char *want;
};

static const struct name_case name_cases[] = {
	{ "plain, no rotation", "cap.pcap", false, 1, 0, 0, "cap.pcap" },
	{ "plain, seq ignored", "cap.pcap", false, 77, 0, 0, "cap.pcap" },
	{ "numbered", "cap.pcap", true, 1, 0, 0, "cap_00001.pcap" },
	{ "numbered 42", "cap.pcap", true, 42, 0, 0, "cap_00042.pcap" },
	{ "no extension", "cap", true, 1, 0, 0, "cap_00001" },
	{ "directory, no extension", "dir/cap", true, 1, 0, 0, "dir/cap_00001" },
	{ "directory and extension", "dir/cap.pcap", true, 3, 0, 0, "dir/cap_00003.pcap" },
	{ "dot in the directory only", "dir.d/cap", true, 1, 0, 0, "dir.d/cap_00001" },
	{ "dots in both", "dir.d/cap.pcap", true, 1, 0, 0, "dir.d/cap_00001.pcap" },
	{ "absolute, deep", "/var/lib/ring.cap/x/cap.pcapng", true, 9, 0, 0,
	  "/var/lib/ring.cap/x/cap_00009.pcapng" },
	{ "hidden", ".hidden", true, 1, 0, 0, ".hidden_00001" },
	{ "hidden in a directory", "dir/.hidden", true, 1, 0, 0, "dir/.hidden_00001" },
	{ "hidden with extension", ".hidden.pcap", true, 1, 0, 0, ".hidden_00001.pcap" },
	{ "last dot is the extension", "cap.tar.pcap", true, 1, 0, 0, "cap.tar_00001.pcap" },
	{ "dot-slash", "./cap.pcap", true, 1, 0, 0, "./cap_00001.pcap" },
	{ "dot-dot-slash", "../cap", true, 1, 0, 0, "../cap_00001" },
	{ "trailing dot", "cap.", true, 1, 0, 0, "cap_00001." },
	{ "strftime, no rotation", "cap-%Y%m%d-%H%M%S.pcap", false, 1, 0, 0,
	  "cap-20231114-221320.pcap" },
	{ "strftime, numbered", "cap-%Y%m%d-%H%M%S.pcap", true, 3, 0, 0,
	  "cap-20231114-221320_00003.pcap" },
	{ "strftime directories", "%Y/%m/%d/cap.pcap", true, 1, 0, 0, "2023/11/14/cap_00001.pcap" },
	{ "strftime dot in directory", "%Y.%m/cap", true, 1, 0, 0, "2023.11/cap_00001" },
	{ "strftime %%", "cap%%.pcap", false, 1, 0, 0, "cap%.pcap" },
	{ "strftime %s epoch", "cap-%s.pcap", true, 2, 0, 0, "cap-1700000000_00002.pcap" },
	{ "99999 still five digits", "cap.pcap", true, 99999, 0, 0, "cap_99999.pcap" },
	{ "100000 widens", "cap.pcap", true, 100000, 0, 0, "cap_100000.pcap" },
	{ "1234567 widens", "cap", true, 1234567, 0, 0, "cap_1234567" },
	{ "largest number", "cap.pcap", true, UINT64_MAX, 0, 0,
	  "cap_18446744073709551615.pcap" },
	{ "exactly fits", "cap.pcap", false, 1, sizeof("cap.pcap"), 0, "cap.pcap" },
	{ "one byte short", "cap.pcap", false, 1, sizeof("cap.pcap") - 1, -ENAMETOOLONG, NULL },
	{ "numbered exactly fits", "cap.pcap", true, 1, sizeof("cap_00001.pcap"), 0,
	  "cap_00001.pcap" },
	{ "numbered one byte short", "cap.pcap", true, 1, sizeof("cap_00001.pcap") - 1,
	  -ENAMETOOLONG, NULL },
	{ "wide number does not fit", "cap.pcap", true, 100000, sizeof("cap_00001.pcap"),
	  -ENAMETOOLONG, NULL },
	{ "strftime result too long for buffer", "%Y%m%d.pcap", false, 1, 8, -ENAMETOOLONG, NULL },
};

static void run_name_case(const struct name_case *tc, const char *tmpl)
{
	char big[8192];
	char *buf;
	size_t len = tc->buflen ? tc->buflen : sizeof(big);
	int r;

	/* an exact-size heap buffer, so that an overrun shows under ASan */
	buf = malloc(len);
	assert_non_null(buf);
	memset(buf, 'X', len);
	r = rc_rotate_name(tmpl, tc->numbered, tc->seq, T0, buf, len);
	if (tc->ret == ANY_ERROR)
		assert_true(r < 0);
	else
		assert_int_equal(r, tc->ret);
	if (tc->want)
		assert_string_equal(buf, tc->want);
	free(buf);
}

static void test_name(void **state)
{
	const struct name_case *tc = *state;

	run_name_case(tc, tc->tmpl);
}

/* Templates longer than any path: an error, never a truncated name.  The
 * template is generated: "a" x 5000, or "%Y" x 1400 (2800 chars that
 * expand to 5600). */
struct long_case {
	const char *name;
	bool numbered;
	bool strftime;
	int ret;
};

static const struct long_case long_cases[] = {
	{ "5000-char template", false, false, -ENAMETOOLONG },
	{ "5000-char template, numbered", true, false, -ENAMETOOLONG },
	{ "strftime expands past the limit", false, true, ANY_ERROR },
	{ "strftime expands past the limit, numbered", true, true, ANY_ERROR },
};

static void test_name_long_template(void **state)
{
	const struct long_case *lc = *state;
	struct name_case tc = { lc->name, NULL, lc->numbered, 1, 0, lc->ret, NULL };
	char *tmpl = malloc(5001);

	assert_non_null(tmpl);
	if (lc->strftime) {
		for (size_t k = 0; k < 2800; k += 2)
			memcpy(tmpl + k, "%Y", 2);
		tmpl[2800] = '\0';
	} else {
		memset(tmpl, 'a', 5000);
		tmpl[5000] = '\0';
	}
	run_name_case(&tc, tmpl);
	free(tmpl);
}

/* ------------------------------------------------------------------ */
/* rc_rotor                                                            */

struct step {
	char op;          /* 'p' push, 'u' update, 'd' drop_current, 'x' pop_excess loop */
	const char *path; /* push: the name; x: the names popped, ',' separated */
	uint64_t bytes;   /* update */
};

struct rotor_case {
	const char *name;
	struct rc_rotate_conf conf;
	struct step steps[16];
	const char *kept; /* the files left, oldest first, ',' separated */
	uint64_t total;
	uint64_t next_seq;
};

#define P(n) { 'p', n, 0 }
#define U(b) { 'u', NULL, b }
#define D { 'd', NULL, 0 }
#define X(popped) { 'x', popped, 0 }

static const struct rotor_case rotor_cases[] = {
	{ "no limits: nothing popped",
	  { .max_size = 1000 },
	  { P("a"), U(900), X(""), P("b"), U(900), X(""), P("c"), U(10), X("") },
	  "a,b,c", 1810, 4 },
	{ "count 3: the oldest go",
	  { .max_size = 1000, .max_files = 3 },
	  { P("a"), U(1), X(""), P("b"), U(1), X(""), P("c"), U(1), X(""), P("d"), X("a"), P("e"),
	    U(5), X("b") },
	  "c,d,e", 6, 6 },
	{ "count 1: only the current file",
	  { .max_time_ns = 1, .max_files = 1 },
	  { P("a"), U(100), X(""), P("b"), X("a"), U(50), P("c"), X("b") },
	  "c", 0, 4 },
	{ "count checked once per push: two behind are both popped",
	  { .max_size = 1000, .max_files = 1 },
	  { P("a"), P("b"), P("c"), X("a,b") },
	  "c", 0, 4 },
	{ "budget: exactly at the limit stays",
	  { .max_size = 500, .max_total = 1000 },
	  { P("a"), U(400), P("b"), U(400), P("c"), U(200), X("") },
	  "a,b,c", 1000, 4 },
	{ "budget: one byte over pops the oldest",
	  { .max_size = 500, .max_total = 1000 },
	  { P("a"), U(400), P("b"), U(400), P("c"), U(201), X("a") },
	  "b,c", 601, 4 },
	{ "budget: pops as many as needed",
	  { .max_size = 500, .max_total = 1000 },
	  { P("a"), U(300), P("b"), U(300), P("c"), U(300), P("d"), U(100), X(""), U(700),
	    X("a,b") },
	  "c,d", 1000, 5 },
	{ "budget: the current file is never popped",
	  { .max_size = 500, .max_total = 100 },
	  { P("a"), U(5000), X(""), P("b"), U(5000), X("a"), U(9000), X("") },
	  "b", 9000, 3 },
	{ "budget: growth of the open file counts",
	  { .max_size = 500, .max_total = 1000 },
	  { P("a"), U(600), P("b"), U(100), X(""), U(300), X(""), U(401), X("a") },
	  "b", 401, 3 },
	{ "count and budget: count bites first",
	  { .max_size = 1000, .max_files = 2, .max_total = 10000 },
	  { P("a"), U(10), P("b"), U(10), P("c"), U(10), X("a") },
	  "b,c", 20, 4 },
	{ "count and budget: budget bites first",
	  { .max_size = 1000, .max_files = 5, .max_total = 2000 },
	  { P("a"), U(900), P("b"), U(900), P("c"), U(900), X("a") },
	  "b,c", 1800, 4 },
	{ "count and budget: both over",
	  { .max_size = 1000, .max_files = 2, .max_total = 1500 },
	  { P("a"), U(900), P("b"), U(900), P("c"), U(900), X("a,b") },
	  "c", 900, 4 },
	{ "drop_current: bytes and name gone, number not reused",
	  { .max_size = 1000, .max_files = 2 },
	  { P("a"), U(100), P("b"), U(50), D, X("") },
	  "a", 100, 3 },
	{ "drop_current then push: the count sees the new file",
	  { .max_size = 1000, .max_files = 2 },
	  { P("a"), U(100), P("b"), U(50), D, P("c"), U(70), X(""), P("d"), X("a") },
	  "c,d", 70, 5 },
	{ "drop_current and update on an empty rotor",
	  { .max_size = 1000, .max_files = 1 },
	  { D, U(123), X(""), P("a"), U(5), D, D, X("") },
	  "", 0, 2 },
	{ "update replaces, not adds",
	  { .max_size = 1000 },
	  { P("a"), U(100), U(250), U(40), P("b"), U(10), U(20) },
	  "a,b", 60, 3 },
};

static void expect_list(const char *list, size_t idx, const char *got)
{
	/* the idx-th element of a ',' separated list */
	const char *p = list;
	size_t len;

	for (size_t i = 0; i < idx; i++) {
		p = strchr(p, ',');
		assert_non_null(p);
		p++;
	}
	len = strcspn(p, ",");
	assert_int_equal(strlen(got), len);
	assert_memory_equal(got, p, len);
}

static size_t list_len(const char *list)
{
	size_t n = 0;

	if (!*list)
		return 0;
	for (n = 1; *list; list++)
		n += *list == ',';
	return n;
}

static void test_rotor(void **state)
{
	const struct rotor_case *tc = *state;
	struct rc_rotor r;

	rc_rotor_init(&r, &tc->conf);
	assert_int_equal(r.next_seq, 1);
	assert_int_equal(r.n, 0);
	for (size_t s = 0; s < ARRAY_SIZE(tc->steps) && tc->steps[s].op; s++) {
		const struct step *st = &tc->steps[s];
		size_t popped = 0;
		char *path;

		switch (st->op) {
		case 'p':
			assert_int_equal(rc_rotor_push(&r, st->path), 0);
			assert_string_equal(r.files[r.n - 1].path, st->path);
			assert_ptr_not_equal(r.files[r.n - 1].path, st->path); /* a copy */
			assert_int_equal(r.files[r.n - 1].bytes, 0);
			break;
		case 'u':
			rc_rotor_update(&r, st->bytes);
			if (r.n)
				assert_int_equal(r.files[r.n - 1].bytes, st->bytes);
			break;
		case 'd':
			rc_rotor_drop_current(&r);
			break;
		case 'x':
			for (;;) {
				path = (char *)0x1; /* untouched when nothing is popped */
				if (rc_rotor_pop_excess(&r, &path) != 1) {
					assert_ptr_equal(path, (char *)0x1);
					break;
				}
				expect_list(st->path, popped++, path);
				free(path);
				assert_true(r.n >= 1);
			}
			assert_int_equal(popped, list_len(st->path));
			break;
		}
	}
	assert_int_equal(r.n, list_len(tc->kept));
	for (size_t i = 0; i < r.n; i++)
		expect_list(tc->kept, i, r.files[i].path);
	assert_int_equal(r.total, tc->total);
	assert_int_equal(r.next_seq, tc->next_seq);
	rc_rotor_fini(&r);
	assert_int_equal(r.n, 0);
	assert_null(r.files);
}

/* The total is the sum of the kept files' sizes after any sequence. */
static void test_rotor_total_is_sum(void **state)
{
	struct rc_rotate_conf conf = { .max_size = 1 << 20, .max_files = 7, .max_total = 5000 };
	struct rc_rotor r;
	uint32_t rnd = 12345;
	char name[32];

	(void)state;
	rc_rotor_init(&r, &conf);
	for (int i = 0; i < 2000; i++) {
		uint64_t sum = 0;
		char *old;

		rnd = rnd * 1103515245u + 12345u;
		switch ((rnd >> 16) % 4) {
		case 0:
			snprintf(name, sizeof(name), "f%d", i);
			assert_int_equal(rc_rotor_push(&r, name), 0);
			break;
		case 1:
		case 2:
			rc_rotor_update(&r, (rnd >> 8) % 3000);
			break;
		default:
			if ((rnd >> 20) % 8 == 0)
				rc_rotor_drop_current(&r);
			break;
		}
		while (rc_rotor_pop_excess(&r, &old) == 1)
			free(old);
		for (size_t k = 0; k < r.n; k++)
			sum += r.files[k].bytes;
		assert_int_equal(r.total, sum);
		assert_true(r.n <= conf.max_files);
		/* over budget only when the open file alone is */
		if (r.total > conf.max_total)
			assert_int_equal(r.n, 1);
	}
	rc_rotor_fini(&r);
}

/* ------------------------------------------------------------------ */
/* rc_rotor_size_due / rc_rotor_time_due                               */

struct due_case {
	const char *name;
	uint64_t limit;  /* max_size or max_time_ns */
	uint64_t a, b;   /* size: cur_bytes, rec; time: opened_ns, now_ns */
	uint64_t frames;
	bool due;
};

static const struct due_case size_cases[] = {
	{ "no size limit", 0, 1ull << 40, 1 << 20, 100, false },
	{ "empty file never due, even for a huge record", 1000, 24, 100000, 0, false },
	{ "below", 1000, 500, 499, 1, false },
	{ "exactly at the limit", 1000, 500, 500, 1, false },
	{ "one byte over", 1000, 500, 501, 1, true },
	{ "already over", 1000, 2000, 1, 5, true },
	{ "a record alone over the limit", 1000, 24, 5000, 1, true },
};

static const struct due_case time_cases[] = {
	{ "no time limit", 0, 0, 1000000000000ull, 5, false },
	{ "empty file never due", 60000000000ull, 0, 3600000000000ull, 0, false },
	{ "1 ns short", 60000000000ull, 1000, 60000000999ull, 1, false },
	{ "exactly at the limit", 60000000000ull, 1000, 60000001000ull, 1, true },
	{ "past", 60000000000ull, 1000, 120000000000ull, 1, true },
	{ "just opened", 60000000000ull, 5000, 5000, 1, false },
};

static void test_size_due(void **state)
{
	const struct due_case *tc = *state;
	struct rc_rotate_conf conf = { .max_size = tc->limit, .max_time_ns = 3600000000000ull };
	struct rc_rotor r;

	rc_rotor_init(&r, &conf);
	assert_int_equal(rc_rotor_size_due(&r, tc->a, tc->frames, tc->b), tc->due);
	rc_rotor_fini(&r);
}

static void test_time_due(void **state)
{
	const struct due_case *tc = *state;
	struct rc_rotate_conf conf = { .max_size = 1 << 20, .max_time_ns = tc->limit };
	struct rc_rotor r;

	rc_rotor_init(&r, &conf);
	assert_int_equal(rc_rotor_time_due(&r, tc->a, tc->b, tc->frames), tc->due);
	rc_rotor_fini(&r);
}

/* rc_rotate_number_of: which directory entries are numbered forms of a name */
struct number_case {
	const char *name;
	const char *base;
	const char *entry;
	bool match;
	uint64_t n;
};

static const struct number_case number_cases[] = {
	{ "plain", "cap.pcap", "cap_00001.pcap", true, 1 },
	{ "six digits", "cap.pcap", "cap_123456.pcap", true, 123456 },
	{ "four digits are not ours", "cap.pcap", "cap_0001.pcap", false, 0 },
	{ "the name itself", "cap.pcap", "cap.pcap", false, 0 },
	{ "other extension", "cap.pcap", "cap_00001.pcapng", false, 0 },
	{ "worker tag is another family", "cap.pcap", "cap_w0_00001.pcap", false, 0 },
	{ "tagged base", "cap_w0.pcap", "cap_w0_00003.pcap", true, 3 },
	{ "other stem", "cap.pcap", "capx_00001.pcap", false, 0 },
	{ "no extension", "cap", "cap_00042", true, 42 },
	{ "no extension, extra", "cap", "cap_00042.pcap", false, 0 },
	{ "hidden name has no extension", ".pcap", ".pcap_00002", true, 2 },
	{ "trailing junk", "cap.pcap", "cap_00001x.pcap", false, 0 },
	{ "overflow", "cap.pcap", "cap_99999999999999999999999.pcap", false, 0 },
	{ "dots in the stem", "a.b.pcap", "a.b_00009.pcap", true, 9 },
};

static void test_number_of(void **state)
{
	const struct number_case *tc = *state;
	uint64_t n = 0;

	assert_int_equal(rc_rotate_number_of(tc->base, tc->entry, &n), tc->match);
	if (tc->match)
		assert_int_equal(n, tc->n);
}

int main(void)
{
	static const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_rotor_total_is_sum),
	};
	static const struct table tables[] = {
		TABLE("name", test_name, name_cases),
		TABLE("name", test_name_long_template, long_cases),
		TABLE("rotor", test_rotor, rotor_cases),
		TABLE("size_due", test_size_due, size_cases),
		TABLE("time_due", test_time_due, time_cases),
		TABLE("number_of", test_number_of, number_cases),
	};

	/* strftime templates are expanded in local time: make that UTC */
	setenv("TZ", "UTC", 1);
	tzset();
	return run_tables("rotate", plain, ARRAY_SIZE(plain), tables, ARRAY_SIZE(tables));
}

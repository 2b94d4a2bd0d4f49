/* SPDX-License-Identifier: MIT */
/*
 * Shared by the unit tests: cmocka cases from tables, and a temporary
 * file holding a given text.
 */
#ifndef RC_TEST_TABLE_H
#define RC_TEST_TABLE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/*
 * Table-driven cases: every row of a table becomes its own cmocka case,
 * named "<table>: <row name>", with the row as its initial state, so one
 * bad row neither hides the others nor goes unnamed.
 */
struct table {
	const char *group;
	CMUnitTestFunction fn;
	CMFixtureFunction setup, teardown; /* the setup finds the row in *state */
	const void *rows; /* each row starts with its const char *name */
	size_t row_size, n;
};

#define TABLE(group, fn, rows) \
	{ group, fn, NULL, NULL, rows, sizeof((rows)[0]), ARRAY_SIZE(rows) }
#define TABLE_FIX(group, fn, setup, teardown, rows) \
	{ group, fn, setup, teardown, rows, sizeof((rows)[0]), ARRAY_SIZE(rows) }

static inline int run_tables(const char *name, const struct CMUnitTest *plain, size_t n_plain,
		      const struct table *tables, size_t n_tables)
{
	struct CMUnitTest *t;
	size_t n = n_plain, k = 0;
	int r;

	for (size_t i = 0; i < n_tables; i++)
		n += tables[i].n;
	t = calloc(n, sizeof(*t));
	if (!t)
		abort(); /* a runner that cannot run must not pass */
	for (size_t i = 0; i < n_plain; i++)
		t[k++] = plain[i];
	for (size_t i = 0; i < n_tables; i++)
		for (size_t j = 0; j < tables[i].n; j++) {
			const char *row = (const char *)tables[i].rows + j * tables[i].row_size;
			char *case_name;

			if (asprintf(&case_name, "%s: %s", tables[i].group,
				     *(const char *const *)row) < 0)
				abort();
			t[k].name = case_name;
			t[k].test_func = tables[i].fn;
			t[k].setup_func = tables[i].setup;
			t[k].teardown_func = tables[i].teardown;
			t[k].initial_state = (void *)(uintptr_t)row;
			k++;
		}
	r = _cmocka_run_group_tests(name, t, n, NULL, NULL);
	for (size_t i = n_plain; i < n; i++)
		free((char *)(uintptr_t)t[i].name);
	free(t);
	return r;
}

/* @text in a fresh file named like ringcap-test-XXXXXX@suffix under
 * $TMPDIR (or /tmp), its name in @path; the caller unlinks it. */
static inline void rc_test_write_tmp(const char *text, const char *suffix, char *path,
				     size_t len)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd;

	snprintf(path, len, "%s/ringcap-test-XXXXXX%s", dir && *dir ? dir : "/tmp", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

#endif

// SPDX-License-Identifier: MIT
/*
 * Rotation naming and retention; see rotate.h for the rules.
 */
#include "rotate.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rc_rotate_tag(const char *path, const char *tag, char *buf, size_t len)
{
	const char *base, *dot;
	size_t stem;
	int n;

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	/* a leading dot (".pcap") is a hidden name, not an extension */
	stem = dot && dot != base ? (size_t)(dot - path) : strlen(path);
	n = snprintf(buf, len, "%.*s_%s%s", (int)stem, path, tag, path + stem);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int rc_rotate_name(const char *tmpl, bool numbered, uint64_t seq, time_t t, char *buf,
		   size_t len)
{
	char expanded[4096], num[24];
	struct tm tm;
	int n;

	if (strchr(tmpl, '%')) {
		if (!localtime_r(&t, &tm))
			return -EINVAL;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		/* the template is the user's strftime format, by design */
		if (strftime(expanded, sizeof(expanded), tmpl, &tm) == 0)
			return -EINVAL;
#pragma GCC diagnostic pop
	} else {
		if (strlen(tmpl) >= sizeof(expanded))
			return -ENAMETOOLONG;
		strcpy(expanded, tmpl);
	}
	if (!numbered) {
		n = snprintf(buf, len, "%s", expanded);
		return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
	}
	snprintf(num, sizeof(num), "%05llu", (unsigned long long)seq);
	return rc_rotate_tag(expanded, num, buf, len);
}

void rc_rotor_init(struct rc_rotor *r, const struct rc_rotate_conf *conf)
{
	memset(r, 0, sizeof(*r));
	r->conf = *conf;
	r->next_seq = 1;
}

void rc_rotor_fini(struct rc_rotor *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->files[i].path);
	free(r->files);
	memset(r, 0, sizeof(*r));
}

int rc_rotor_push(struct rc_rotor *r, const char *path)
{
	char *copy;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct rc_rotor_file *f = realloc(r->files, cap * sizeof(*f));

		if (!f)
			return -ENOMEM;
		r->files = f;
		r->cap = cap;
	}
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	r->files[r->n] = (struct rc_rotor_file){ .path = copy };
	r->n++;
	r->next_seq++;
	return 0;
}

void rc_rotor_update(struct rc_rotor *r, uint64_t bytes)
{
	if (!r->n)
		return;
	r->total = r->total - r->files[r->n - 1].bytes + bytes;
	r->files[r->n - 1].bytes = bytes;
}

void rc_rotor_drop_current(struct rc_rotor *r)
{
	if (!r->n)
		return;
	r->n--;
	r->total -= r->files[r->n].bytes;
	free(r->files[r->n].path);
}

void rc_rotor_set_id(struct rc_rotor *r, uint64_t dev, uint64_t ino)
{
	if (!r->n)
		return;
	r->files[r->n - 1].dev = dev;
	r->files[r->n - 1].ino = ino;
}

int rc_rotor_pop_excess_file(struct rc_rotor *r, struct rc_rotor_file *ret)
{
	bool over_count = r->conf.max_files && r->n > r->conf.max_files;
	bool over_total = r->conf.max_total && r->total > r->conf.max_total;

	if ((!over_count && !over_total) || r->n < 2)
		return 0;
	*ret = r->files[0];
	r->total -= r->files[0].bytes;
	memmove(&r->files[0], &r->files[1], (r->n - 1) * sizeof(r->files[0]));
	r->n--;
	return 1;
}

int rc_rotor_pop_excess(struct rc_rotor *r, char **ret_path)
{
	struct rc_rotor_file f;

	if (rc_rotor_pop_excess_file(r, &f) != 1)
		return 0;
	*ret_path = f.path;
	return 1;
}

bool rc_rotate_number_of(const char *base, const char *name, uint64_t *ret)
{
	const char *dot = strrchr(base, '.');
	size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	const char *ext = base + stem, *p;
	uint64_t n = 0;
	size_t digits = 0;

	if (strncmp(name, base, stem) || name[stem] != '_')
		return false;
	for (p = name + stem + 1; *p >= '0' && *p <= '9'; p++, digits++) {
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (digits < 5 || strcmp(p, ext))
		return false;
	*ret = n;
	return true;
}

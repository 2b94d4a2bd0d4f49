// SPDX-License-Identifier: MIT
/*
 * rc_config_load() (yaml.h): from a path to a checked struct rc_config.
 *
 * The file is read whole - a regular file of at most 1 MiB, opened without
 * blocking so that a FIFO cannot hang the caller - and its nesting depth is
 * checked before libyaml sees it.  libyaml composes exactly one document
 * (a second one is an error); parse_root() (yaml.c) walks it.  Syntax
 * errors carry libyaml's position.  At the end the messages are put in
 * file order and the walk's state is freed; the configuration is returned
 * only when there was no error at all.
 *
 * Reentrant, no global state: ringcapd loads at start on its main thread
 * and on reloads on a thread of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "outpaths.h"
#include "yaml.h"
#include "yaml_priv.h"

#define MAX_FILE_SIZE (1u << 20)

/* ------------------------------------------------------------------ */
/* loading                                                             */

/*
 * libyaml's time grows with the square of the nesting depth: 40,000 '['
 * take it tens of seconds.  No configuration nests more than a handful of
 * levels, so more than MAX_NESTING is refused before libyaml sees it.
 * Only flow collections can nest deeply in a 1 MiB file (block nesting
 * costs indentation); quoted scalars and comments are skipped.
 */
#define MAX_NESTING 64
static int check_nesting(const char *path, const char *buf, size_t len, struct rc_diag *diag)
{
	unsigned depth = 0, line = 1, col = 0;
	char quote = 0, prev = '\n';  /* the last character that was not a blank */

	for (size_t i = 0; i < len; i++) {
		char ch = buf[i];

		col++;
		if (ch == '\n') {
			line++;
			col = 0;
			prev = '\n';
			if (quote == '#')
				quote = 0;
			continue;
		}
		if (quote) {
			if (quote == '"' && ch == '\\' && i + 1 < len)
				i++, col++;
			else if (ch == quote && quote != '#')
				quote = 0;
			continue;
		}
		/* a quote opens a scalar only where a scalar can begin (not the
		 * apostrophe in `it's`) */
		if ((ch == '"' || ch == '\'') && strchr("\n:-[{,?", prev))
			quote = ch;
		else if (ch == '#' && (i == 0 || buf[i - 1] == ' ' || buf[i - 1] == '\t'))
			quote = '#';
		else if ((ch == '[' || ch == '{') && ++depth > MAX_NESTING) {
			rc_diag_add(diag, path, line, col, "nested more than %d levels deep",
				    MAX_NESTING);
			return -EINVAL;
		} else if ((ch == ']' || ch == '}') && depth) {
			depth--;
		}
		if (ch != ' ' && ch != '\t')
			prev = ch;
	}
	return 0;
}

static int read_all(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;

	/* never wait on a FIFO (or a device): the daemon's main thread loads
	 * at start, and nothing may hang it */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -ENOTSUP;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *b;

			if (cap > MAX_FILE_SIZE)
				return -EFBIG;
			cap = cap ? cap * 2 : 4096;
			b = realloc(buf, cap + 1);
			if (!b)
				return -ENOMEM;
			buf = b;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > MAX_FILE_SIZE)
		return -EFBIG;
	buf[len] = '\0';
	*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* libyaml's reader reports a byte offset only; find line and column. */
static yaml_mark_t offset_mark(const char *buf, size_t len, size_t off)
{
	yaml_mark_t m = { 0 };

	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			m.column++;
		}
	}
	m.index = off;
	return m;
}

static void syntax_error(struct ctx *x, const yaml_parser_t *p, const char *buf, size_t len)
{
	const char *problem = p->problem ? p->problem : "unknown problem";

	if (p->error == YAML_READER_ERROR) {
		diag_at(x, offset_mark(buf, len, p->problem_offset), NULL, "YAML syntax error: %s",
		    problem);
	} else if (p->context) {
		diag_at(x, p->problem_mark, NULL, "YAML syntax error: %s (%s at %zu:%zu)", problem,
		    p->context, p->context_mark.line + 1, p->context_mark.column + 1);
	} else {
		diag_at(x, p->problem_mark, NULL, "YAML syntax error: %s", problem);
	}
}

static int config_new(const char *path, struct rc_config **ret)
{
	struct rc_config *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->path = strdup(path);
	c->user = strdup("ringcap");
	c->runtime_dir = strdup("/run/ringcap");
	c->status_interval_ns = 5 * SEC;
	c->prometheus_interval_ns = 15 * SEC;
	if (!c->path || !c->user || !c->runtime_dir) {
		rc_config_free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

int rc_config_load(const char *path, struct rc_config **ret, struct rc_diag *diag)
{
	_cleanup_free_ char *buf = NULL;
	struct rc_config *conf = NULL;
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct ctx x = { .file = path, .doc = &doc, .diag = diag };
	size_t len = 0;
	int r;

	rc_diag_init(diag);
	r = read_all(path, &buf, &len);
	if (r < 0) {
		rc_diag_add(diag, path, 0, 0, "cannot read configuration: %s",
			    r == -ENOTSUP ? "not a regular file" :
			    r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		return r;
	}
	r = check_nesting(path, buf, len, diag);
	if (r < 0)
		return r;
	if (!yaml_parser_initialize(&parser)) {
		rc_diag_add(diag, path, 0, 0, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
		if (r == -EINVAL)
			syntax_error(&x, &parser, buf, len);
		else
			rc_diag_add(diag, path, 0, 0, "out of memory");
		yaml_parser_delete(&parser);
		return r;
	}
	/* one document per file: a second one would be silently ignored */
	if (!yaml_parser_load(&parser, &extra)) {
		if (parser.error == YAML_MEMORY_ERROR) {
			r = -ENOMEM;
			goto out;
		}
		syntax_error(&x, &parser, buf, len);
	} else {
		yaml_node_t *second = yaml_document_get_root_node(&extra);

		if (second)
			diag_at(&x, extra.start_mark, NULL,
			    "a second YAML document; the file must hold exactly one");
		yaml_document_delete(&extra);
	}

	r = config_new(path, &conf);
	if (r < 0)
		goto out;
	parse_root(&x, conf);
	if (x.oom)
		r = -ENOMEM;
	else if (x.errors)
		r = -EINVAL;
	if (r < 0) {
		rc_config_free(conf);
		conf = NULL;
	}
out:
	if (r == -ENOMEM)
		rc_diag_add(diag, path, 0, 0, "out of memory");
	diag_sort(diag);
	free(x.names);
	free(x.paths);
	rc_outpaths_free(x.outputs);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (r < 0)
		return r;
	*ret = conf;
	return 0;
}

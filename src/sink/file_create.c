// SPDX-License-Identifier: MIT
/*
 * File sink: how a new file gets its name (file_priv.h).
 *
 * Nothing that exists is ever truncated or written through.  A file is
 * made without a name first (O_TMPFILE in the target directory), its
 * header written, and then linked to its name - linkat() never replaces a
 * name - so that no named file ever lacks its header, even after a kill
 * -9.  Where that cannot be done, the file is created by name with
 * O_EXCL.  A taken name is never reused: numbered names continue after
 * the highest number in the directory, and a non-rotating output whose
 * plain name is taken is numbered from then on.  Only an existing FIFO or
 * character device is opened as it is.
 *
 * Thread: the capture worker that owns the sink.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "file_priv.h"
#include "rotate.h"

#define NAME_TRIES 64

/* ---- opening files --------------------------------------------------------- */

/* The highest N of the files "stem_N.ext" next to @path (unnumbered, expanded). */
static uint64_t highest_number(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	uint64_t max = 0, n;
	struct dirent *e;
	DIR *d;

	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) + (slash == path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (rc_rotate_number_of(base, e->d_name, &n) && n > max)
			max = n;
	closedir(d);
	return max;
}

/* An existing file that may be opened as it is: it holds no capture. */
static bool is_stream(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode));
}

/*
 * A file without a name yet in the directory of @path (O_TMPFILE), so that
 * its header is in it before anyone can see it: a kill -9 never leaves a
 * named file without one.  -errno where the file system cannot (then the
 * file is created by name, with O_EXCL).
 */
static int open_tmp(const struct file_sink *s, const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) + (slash == path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	/* read and write: the backend may read back what it wrote */
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, s->file_mode ? s->file_mode : 0666);
	return fd < 0 ? -errno : fd;
}

/* Name the unnamed file @fd @path; fails with EEXIST when the name is
 * taken (linkat never replaces a name). */
static int link_tmp(int fd, const char *path)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	/* no /proc: the descriptor itself, which needs CAP_DAC_READ_SEARCH */
	return linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH);
}

/*
 * Find a name (strftime'd at @t) and create the file - or, with @tmp >= 0,
 * give that unnamed file, its header already in it, the name.  Returns 0
 * with the file open (O_NONBLOCK cleared), -ENXIO for a FIFO without a
 * reader, or -errno with a message in @err.
 */
int create_file(struct file_sink *s, time_t t, int tmp, char *path, size_t len,
		char *err, size_t errlen)
{
	const int flags = O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	mode_t mode = s->file_mode ? s->file_mode : 0666;

	for (unsigned tries = 0; tries < NAME_TRIES; tries++) {
		bool numbered = s->numbered || s->renumbered;
		char plain[4096];
		int r;

		if (numbered && !s->scanned) {
			/* continue after what an earlier run left there */
			r = rc_rotate_name(s->tmpl, false, 0, t, plain, sizeof(plain));
			if (r < 0)
				goto bad_name;
			s->rotor.next_seq = RC_MAX(s->rotor.next_seq, highest_number(plain) + 1);
			s->scanned = true;
		}
		r = rc_rotate_name(s->tmpl, numbered, s->rotor.next_seq, t, path, len);
		if (r < 0)
			goto bad_name;
		if (tmp >= 0) {
			/* the backend has it already (open_named_with_header) */
			r = link_tmp(tmp, path) < 0 ? -errno : 0;
		} else {
			/* read and write: the backend may read back what it wrote */
			r = s->io.ops->open(&s->io, path, (flags & ~O_ACCMODE) | O_RDWR | O_CREAT |
					    O_EXCL, mode, -1);
			if (r == -EEXIST && is_stream(path))
				r = s->io.ops->open(&s->io, path, flags, mode, -1);
		}
		if (r == 0) {
			if (fcntl(s->io.fd, F_SETFL, fcntl(s->io.fd, F_GETFL) & ~O_NONBLOCK) < 0) {
				r = -errno;
				s->io.ops->abandon(&s->io);
				snprintf(err, errlen, "cannot use %.900s: %s", path, strerror(-r));
				return r;
			}
			return 0;
		}
		if (r == -ENXIO) {
			snprintf(err, errlen, "%.900s is a FIFO with no reader", path);
			return -ENXIO;
		}
		if (r != -EEXIST && tmp < 0 && s->io.how[0]) {
			/* the backend refused the file (--io direct) */
			snprintf(err, errlen, "cannot write %.600s with direct I/O (--io direct): %.190s; "
				 "write it through the page cache (--io auto or buffered)", path,
				 s->io.how);
			return r;
		}
		if (r != -EEXIST) {
			snprintf(err, errlen, "cannot %s %.900s for writing: %s", tmp >= 0 ? "name" : "open",
				 path, strerror(-r));
			return r;
		}
		if (numbered) {
			/* taken since we looked (another writer): look again */
			s->scanned = false;
			s->rotor.next_seq++;
		} else {
			/* taken (by a file, a link, a directory): numbered from now
			 * on, after what is there */
			s->renumbered = true;
			s->scanned = false;
			s->rotor.next_seq = 1;
		}
	}
	snprintf(err, errlen, "no free file name for %.900s after %u tries", s->tmpl, NAME_TRIES);
	return -EEXIST;
bad_name:
	snprintf(err, errlen, "output file name from '%.900s' is empty or too long", s->tmpl);
	return -ENAMETOOLONG;
}

/*
 * The usual way to a new file: an unnamed one in the right directory, its
 * header written, then named.  -EAGAIN when that cannot be done here (no
 * O_TMPFILE, or the name is an existing FIFO or device, which is opened
 * as it is): the caller creates the file by name instead.
 */
int open_named_with_header(struct file_sink *s, time_t t, char *path, size_t len,
			   char *err, size_t errlen)
{
	int tmp, r;

	if (rc_rotate_name(s->tmpl, s->numbered || s->renumbered, s->rotor.next_seq, t, path,
			   len) < 0 || is_stream(path))
		return -EAGAIN;
	tmp = open_tmp(s, path);
	if (tmp < 0)
		return -EAGAIN;
	if (s->file_mode)
		(void)fchmod(tmp, s->file_mode);
	if (write(tmp, s->head, s->head_len) != (ssize_t)s->head_len) {
		int e = errno ? errno : EIO;

		close(tmp);
		snprintf(err, errlen, "writing a file in the directory of %.900s failed: %s", path,
			 strerror(e));
		return -e;
	}
	/* the backend takes it before it has a name: a file it refuses
	 * (--io direct on tmpfs) is never seen */
	r = s->io.ops->open(&s->io, NULL, 0, 0, tmp);
	if (r < 0) {
		close(tmp);
		if (s->io.how[0])
			snprintf(err, errlen, "cannot write %.600s with direct I/O (--io direct): %.190s; "
				 "write it through the page cache (--io auto or buffered)", path,
				 s->io.how);
		else
			snprintf(err, errlen, "cannot write %.900s: %s", path, strerror(-r));
		return r;
	}
	r = create_file(s, t, tmp, path, len, err, errlen);
	if (r < 0)
		s->io.ops->abandon(&s->io);  /* closes tmp: the file was never named */
	return r;
}

// SPDX-License-Identifier: MIT
/*
 * Runtime directory and instance lock; see rundir.h.
 */
#include "rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_NAME "ringcapd.pid"

static int lock_dir(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen);

/* Make @dir if it is missing; open it, never through a symbolic link. */
static int open_dir(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct stat st;
	bool made = false;
	int fd, r;

	if (mkdir(dir, 0750) == 0)
		made = true;
	else if (errno != EEXIST) {
		r = -errno;
		snprintf(err, errlen, "cannot create runtime directory %s: %s", dir, strerror(-r));
		return r;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
			snprintf(err, errlen, "runtime directory %s is a symbolic link; ringcapd does "
				 "not follow it (point daemon.runtime_directory at the real "
				 "directory)", dir);
		else
			snprintf(err, errlen, "runtime directory %s: %s", dir, strerror(-r));
		return r == -ELOOP ? -ELOOP : r;
	}
	/* only a directory we made ourselves is handed to the service user */
	if (made && uid != (uid_t)-1 && fchown(fd, uid, gid) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot give runtime directory %s to the service user: %s",
			 dir, strerror(-r));
		close(fd);
		return r;
	}
	return fd;
}

int rc_rundir_lock(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char dir[4096];
	size_t n = strlen(path);

	/* "dir/" and "dir/." name what a link "dir" points to: O_NOFOLLOW
	 * applies to the last component only, so take them off first */
	if (n >= sizeof(dir)) {
		snprintf(err, errlen, "runtime directory path is too long");
		return -ENAMETOOLONG;
	}
	memcpy(dir, path, n + 1);
	while (n > 1 && (dir[n - 1] == '/' || (dir[n - 1] == '.' && dir[n - 2] == '/'))) {
		dir[--n] = '\0';
		if (dir[n - 1] == '/' && n > 1)
			dir[--n] = '\0';
	}
	return lock_dir(dir, uid, gid, err, errlen);
}

/*
 * The lock is on the directory itself, so that deleting the pid file (a
 * cleanup job, a person) does not let a second daemon in; the pid file
 * beside it is for people.  Returns the directory's descriptor, which
 * holds the lock for the daemon's life.
 */
static int lock_dir(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char pid[32] = "";
	int dfd, fd, r;
	ssize_t n;

	dfd = open_dir(dir, uid, gid, err, errlen);
	if (dfd < 0)
		return dfd;
	if (flock(dfd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		if (r == -EWOULDBLOCK) {
			fd = openat(dfd, LOCK_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			n = fd >= 0 ? pread(fd, pid, sizeof(pid) - 1, 0) : -1;
			if (fd >= 0)
				close(fd);
			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			if (pid[0] && strspn(pid, "0123456789") != strlen(pid))
				pid[0] = '\0';  /* not a pid: not repeated */
			snprintf(err, errlen, "another ringcapd%s%s%s is running with runtime directory "
				 "%s; not starting a second one (give each daemon its own "
				 "daemon.runtime_directory)", pid[0] ? " (pid " : "", pid,
				 pid[0] ? ")" : "", dir);
			r = -EBUSY;
		} else {
			snprintf(err, errlen, "cannot lock %s: %s", dir, strerror(-r));
		}
		close(dfd);
		return r;
	}
	/* the pid, for people: a file of ours, replaced whole */
	fd = openat(dfd, LOCK_NAME, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open the pid file %s/%s: %s", dir, LOCK_NAME,
			 strerror(-r));
		close(dfd);
		return r;
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0) {
		/* the lock is what counts; the pid is for people */
	}
	close(fd);
	return dfd;
}

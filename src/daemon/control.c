// SPDX-License-Identifier: MIT
/*
 * Control socket; see control.h.
 */
#include "control.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../common/clock.h"

#define REQ_MAX 256
#define READ_DEADLINE_NS (2000ULL * 1000000ULL)
#define WRITE_DEADLINE_NS (5000ULL * 1000000ULL)

struct client {
	int fd;                 /* -1: free */
	uint64_t deadline;      /* CLOCK_MONOTONIC ns */
	char req[REQ_MAX];
	size_t req_len;
	char *out;              /* the answer, once the request is complete */
	size_t out_len, out_off;
	uint64_t tag;           /* > 0: the answer comes later (rc_ctl_answer) */
};

struct rc_ctl {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client cl[RC_CTL_MAX_CLIENTS];
};

static void drop(struct client *k)
{
	if (k->fd >= 0)
		close(k->fd);
	free(k->out);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

int rc_ctl_open(const char *path, uid_t uid, gid_t gid, struct rc_ctl **ret, char *err,
		size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct rc_ctl *c;
	struct stat st;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (unsigned i = 0; i < RC_CTL_MAX_CLIENTS; i++)
		c->cl[i].fd = -1;
	snprintf(c->path, sizeof(c->path), "%s", path);
	memcpy(sa.sun_path, c->path, sizeof(sa.sun_path));
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "control socket: %s", strerror(-r));
		free(c);
		return r;
	}
	/* a stale socket of an earlier run (the directory lock says it is
	 * ours); anything else at that name is not ours to remove */
	if (lstat(c->path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		r = -EEXIST;
		snprintf(err, errlen, "%s exists and is not a socket; not removing it", c->path);
		goto fail;
	}
	if (unlink(c->path) < 0 && errno != ENOENT) {
		r = -errno;
		snprintf(err, errlen, "cannot remove the old control socket %s: %s", c->path,
			 strerror(-r));
		goto fail;
	}
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(c->fd, 64) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", c->path, strerror(-r));
		goto fail;
	}
	/* only root and the service's group may talk to us; never through a link */
	if (chmod(c->path, 0660) < 0 ||
	    (uid != (uid_t)-1 && lchown(c->path, uid, gid) < 0)) {
		r = -errno;
		snprintf(err, errlen, "cannot set the owner and mode of %s: %s", c->path,
			 strerror(-r));
		unlink(c->path);
		goto fail;
	}
	*ret = c;
	return 0;
fail:
	close(c->fd);
	free(c);
	return r;
}

struct rc_ctl *rc_ctl_free(struct rc_ctl *c)
{
	if (!c)
		return NULL;
	for (unsigned i = 0; i < RC_CTL_MAX_CLIENTS; i++)
		if (c->cl[i].fd >= 0)
			drop(&c->cl[i]);
	close(c->fd);
	unlink(c->path);
	free(c);
	return NULL;
}

unsigned rc_ctl_pollfds(struct rc_ctl *c, struct pollfd *pfd)
{
	unsigned n = 0;

	pfd[n++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
	for (unsigned i = 0; i < RC_CTL_MAX_CLIENTS; i++) {
		struct client *k = &c->cl[i];

		if (k->fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = k->fd,
						    .events = k->tag ? 0 : k->out ? POLLOUT : POLLIN };
	}
	return n;
}

int rc_ctl_timeout_ms(const struct rc_ctl *c)
{
	uint64_t now = rc_clock_ns(CLOCK_MONOTONIC), next = UINT64_MAX;

	for (unsigned i = 0; i < RC_CTL_MAX_CLIENTS; i++)
		if (c->cl[i].fd >= 0 && c->cl[i].deadline < next)
			next = c->cl[i].deadline;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)((next - now) / 1000000ULL) + 1;
}

static void accept_all(struct rc_ctl *c)
{
	for (;;) {
		struct client *k = NULL;
		int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			return;
		for (unsigned i = 0; i < RC_CTL_MAX_CLIENTS && !k; i++)
			if (c->cl[i].fd < 0)
				k = &c->cl[i];
		if (!k) {
			/* full: the client that has waited longest without saying
			 * what it wants makes room (a real client asks at once; one
			 * that holds a connection open and silent is the one to go) */
			for (unsigned i = 0; i < RC_CTL_MAX_CLIENTS; i++)
				if (!c->cl[i].out && !c->cl[i].tag &&
				    (!k || c->cl[i].deadline < k->deadline))
					k = &c->cl[i];
			if (k)
				drop(k);
		}
		if (!k) {
			static const char busy[] = "error: ringcapd is busy (too many clients)\n";

			if (write(fd, busy, sizeof(busy) - 1) < 0) {
				/* it is going anyway */
			}
			close(fd);
			continue;
		}
		k->fd = fd;
		k->deadline = rc_clock_ns(CLOCK_MONOTONIC) + READ_DEADLINE_NS;
	}
}

static void answer(struct client *k, rc_ctl_handler fn, void *arg)
{
	FILE *f;

	k->req[k->req_len] = '\0';
	k->req[strcspn(k->req, "\r\n")] = '\0';
	f = open_memstream(&k->out, &k->out_len);
	if (!f) {
		drop(k);
		return;
	}
	k->tag = fn(arg, k->req, f);
	if (fclose(f) != 0 || !k->out) {
		drop(k);
		return;
	}
	if (k->tag) {
		/* later: rc_ctl_answer() sends it */
		free(k->out);
		k->out = NULL;
		k->out_len = 0;
		k->deadline = UINT64_MAX;
		return;
	}
	k->out_off = 0;
	k->deadline = rc_clock_ns(CLOCK_MONOTONIC) + WRITE_DEADLINE_NS;
}

static void send_out(struct client *k);

void rc_ctl_answer(struct rc_ctl *c, uint64_t tag, const char *text)
{
	for (unsigned i = 0; i < RC_CTL_MAX_CLIENTS; i++) {
		struct client *k = &c->cl[i];

		if (k->fd < 0 || !k->tag || k->tag > tag)
			continue;
		k->tag = 0;
		k->out = strdup(text);
		if (!k->out) {
			drop(k);
			continue;
		}
		k->out_len = strlen(text);
		k->out_off = 0;
		k->deadline = rc_clock_ns(CLOCK_MONOTONIC) + WRITE_DEADLINE_NS;
		send_out(k);
	}
}

static void serve(struct client *k, short revents, rc_ctl_handler fn, void *arg)
{
	ssize_t n;

	if (k->tag) {
		/* waiting for its answer: only a client that went away matters */
		if (revents & (POLLHUP | POLLERR))
			drop(k);
		return;
	}
	if (!k->out) {
		if (!(revents & (POLLIN | POLLHUP | POLLERR)))
			return;
		n = read(k->fd, k->req + k->req_len, REQ_MAX - 1 - k->req_len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n > 0)
			k->req_len += (size_t)n;
		/* a whole line, the client's end of the stream, or a full buffer */
		if (n > 0 && !memchr(k->req, '\n', k->req_len) && k->req_len < REQ_MAX - 1)
			return;
		if (n <= 0 && k->req_len == 0) {
			drop(k);
			return;
		}
		answer(k, fn, arg);
		if (k->fd < 0 || k->tag)
			return;
	}
	send_out(k);
}

static void send_out(struct client *k)
{
	ssize_t n;

	while (k->out_off < k->out_len) {
		n = write(k->fd, k->out + k->out_off, k->out_len - k->out_off);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			drop(k);
			return;
		}
		k->out_off += (size_t)n;
	}
	drop(k);
}

void rc_ctl_process(struct rc_ctl *c, const struct pollfd *pfd, unsigned n, rc_ctl_handler fn,
		    void *arg)
{
	uint64_t now;

	for (unsigned j = 1; j < n; j++) {
		if (!pfd[j].revents)
			continue;
		for (unsigned i = 0; i < RC_CTL_MAX_CLIENTS; i++)
			if (c->cl[i].fd == pfd[j].fd) {
				serve(&c->cl[i], pfd[j].revents, fn, arg);
				break;
			}
	}
	if (n && (pfd[0].revents & POLLIN))
		accept_all(c);
	now = rc_clock_ns(CLOCK_MONOTONIC);
	for (unsigned i = 0; i < RC_CTL_MAX_CLIENTS; i++)
		if (c->cl[i].fd >= 0 && now >= c->cl[i].deadline)
			drop(&c->cl[i]);
}

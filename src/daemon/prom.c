// SPDX-License-Identifier: MIT
/*
 * The Prometheus file, written by a thread of its own.  The main thread
 * renders the text (memory only) and hands it over; this thread makes the
 * file: a fresh name of its own in the same directory (mkostemp: O_EXCL,
 * so nothing planted there, a symlink least of all, is ever opened or
 * truncated), readable by all, then renamed over the old one.  A file
 * system that does not answer (a hung mount, a frozen one) holds this
 * thread only: the main thread keeps serving signals, the control socket
 * and the watchdog, and says that the file is not being written.
 *
 * Only the newest text waits: one that comes while an older one waits
 * replaces it.  What goes wrong is posted to the daemon's event queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/event.h"
#include "prom.h"

struct prom_writer {
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* a job came, or one ended */
	pthread_t thread;
	struct rc_events *events;
	char *path, *text;       /* the job waiting, if any */
	size_t len;
	bool busy, stop;
	uint64_t busy_since_ns;  /* CLOCK_MONOTONIC, while busy */
	uint64_t done;           /* jobs ended */
	bool failed;             /* the last one failed: said once */
	bool said_stuck;
};

/* Returns 0 or an errno. */
static int write_file(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	FILE *f = NULL;
	bool made = false;
	int fd = -1, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	made = fd >= 0;
	/* node_exporter runs as another user: readable by all, whatever the umask */
	if (fd < 0 || fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
		e = errno;
		goto fail;
	}
	fd = -1;
	if (fwrite(text, 1, len, f) != len) {
		e = errno ? errno : EIO;
		goto fail;
	}
	e = fclose(f) == 0 ? 0 : errno;
	f = NULL;
	if (e == 0 && rename(tmp, path) == 0)
		return 0;
	if (e == 0)
		e = errno;
fail:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(tmp);  /* ours: mkostemp made it */
	return e;
}

static void *writer_main(void *arg)
{
	struct prom_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		char *path, *text;
		size_t len;
		int e;

		while (!w->text && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->text)
			break;
		path = w->path;
		text = w->text;
		len = w->len;
		w->path = w->text = NULL;
		w->busy = true;
		w->busy_since_ns = rc_clock_ns(CLOCK_MONOTONIC);
		pthread_mutex_unlock(&w->mu);

		e = write_file(path, text, len);

		pthread_mutex_lock(&w->mu);
		if (e && !w->failed)
			rc_events_post(w->events, RC_LOG_WARNING, "cannot write the Prometheus file "
				       "%s: %s", path, strerror(e));
		else if (!e && (w->failed || w->said_stuck))
			rc_events_post(w->events, RC_LOG_INFO, "the Prometheus file %s is written "
				       "again", path);
		w->failed = e != 0;
		w->said_stuck = false;
		w->busy = false;
		w->done++;
		pthread_cond_broadcast(&w->cv);
		free(path);
		free(text);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int prom_writer_start(struct rc_events *events, struct prom_writer **ret)
{
	struct prom_writer *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	int r;

	if (!w)
		return -ENOMEM;
	w->events = events;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	r = pthread_create(&w->thread, NULL, writer_main, w);
	if (r) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return -r;
	}
	*ret = w;
	return 0;
}

bool prom_writer_post(struct prom_writer *w, const char *path, char *text, size_t len,
		      uint64_t stuck_after_ns)
{
	char *p = strdup(path);
	bool said = false;

	pthread_mutex_lock(&w->mu);
	if (p) {
		free(w->path);
		free(w->text);
		w->path = p;
		w->text = text;
		w->len = len;
		text = NULL;
		pthread_cond_broadcast(&w->cv);
	}
	if (w->busy && !w->said_stuck &&
	    rc_clock_ns(CLOCK_MONOTONIC) - w->busy_since_ns >= stuck_after_ns) {
		w->said_stuck = said = true;
	}
	pthread_mutex_unlock(&w->mu);
	free(text);
	return said;
}

bool prom_writer_finish(struct prom_writer *w, uint32_t ms)
{
	uint64_t end = rc_clock_ns(CLOCK_MONOTONIC) + (uint64_t)ms * 1000000ULL;
	struct timespec ts = { .tv_sec = (time_t)(end / 1000000000ULL),
			       .tv_nsec = (long)(end % 1000000000ULL) };
	bool ended = true;

	if (!w)
		return true;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	while ((w->busy || w->text) && ended)
		ended = pthread_cond_timedwait(&w->cv, &w->mu, &ts) != ETIMEDOUT;
	ended = !w->busy && !w->text;
	pthread_mutex_unlock(&w->mu);
	if (!ended)
		return false;  /* held by its file system: left as it is */
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->path);
	free(w->text);
	free(w);
	return true;
}

// SPDX-License-Identifier: MIT
/*
 * -z CMD after each file; see postrotate.h.
 */
#include "postrotate.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define REAP_MS 100   /* commands running, none waiting: reaped this often */
#define SLOT_MS 2     /* commands waiting for a slot: looked at this often */

struct item {
	struct item *next;
	char path[];
};

struct child {
	pid_t pid;
	char *path;
};

struct rc_postrotate {
	char *cmd;
	struct rc_events *ev;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct item *head, **tail;   /* queued files, oldest first */
	bool stopping;
	bool joined;
	unsigned started;
	posix_spawnattr_t attr;
	/* the thread's own */
	struct child *kids;
	size_t nkids, capkids;
	size_t max;                  /* commands at once: the online CPUs */
	bool told;                   /* that commands wait: said once */
};

void rc_postrotate_file(void *arg, const char *path)
{
	struct rc_postrotate *p = arg;
	size_t n = strlen(path) + 1;
	struct item *it = malloc(sizeof(*it) + n);

	if (!it) {
		rc_events_post(p->ev, RC_LOG_ERR, "-z %s %s: not run: out of memory", p->cmd, path);
		return;
	}
	memcpy(it->path, path, n);
	it->next = NULL;
	pthread_mutex_lock(&p->lock);
	*p->tail = it;
	p->tail = &it->next;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void spawn(struct rc_postrotate *p, char *path)
{
	char *argv[] = { p->cmd, path, NULL };
	struct child *k;
	pid_t pid;
	int r;

	/* "-name.pcap" would be an option to the command (gzip: invalid
	 * option): a relative name that begins with '-' goes as ./-name */
	if (path[0] == '-') {
		size_t n = strlen(path) + 3;
		char *dotted = malloc(n);

		if (!dotted) {
			rc_events_post(p->ev, RC_LOG_ERR, "-z %s %s: not run: out of memory",
				       p->cmd, path);
			free(path);
			return;
		}
		snprintf(dotted, n, "./%s", path);
		free(path);
		path = argv[1] = dotted;
	}

	if (p->nkids == p->capkids) {
		size_t cap = p->capkids ? p->capkids * 2 : 8;

		k = realloc(p->kids, cap * sizeof(*k));
		if (!k) {
			rc_events_post(p->ev, RC_LOG_ERR, "-z %s %s: not run: out of memory",
				       p->cmd, path);
			free(path);
			return;
		}
		p->kids = k;
		p->capkids = cap;
	}
	r = posix_spawnp(&pid, p->cmd, NULL, &p->attr, argv, environ);
	if (r) {
		rc_events_post(p->ev, RC_LOG_ERR, "-z %s %s: cannot run it: %s", p->cmd, path,
			       strerror(r));
		free(path);
		return;
	}
	p->started++;
	p->kids[p->nkids++] = (struct child){ pid, path };
}

/* Reap the commands that ended (all of them, waiting, with @block). */
static void reap(struct rc_postrotate *p, bool block)
{
	for (size_t i = 0; i < p->nkids;) {
		struct child *k = &p->kids[i];
		int st;
		pid_t r = waitpid(k->pid, &st, block ? 0 : WNOHANG);

		if (r == 0 || (r < 0 && errno == EINTR)) {
			i++;
			continue;
		}
		if (r > 0 && WIFEXITED(st) && WEXITSTATUS(st))
			rc_events_post(p->ev, RC_LOG_WARNING, "-z %s %s: exited with status %d",
				       p->cmd, k->path, WEXITSTATUS(st));
		else if (r > 0 && WIFSIGNALED(st))
			rc_events_post(p->ev, RC_LOG_WARNING, "-z %s %s: killed by signal %d",
				       p->cmd, k->path, WTERMSIG(st));
		free(k->path);
		*k = p->kids[--p->nkids];
	}
}

/* The oldest queued file, or NULL.  Under the lock. */
static struct item *dequeue(struct rc_postrotate *p)
{
	struct item *it = p->head;

	if (it) {
		p->head = it->next;
		if (!p->head)
			p->tail = &p->head;
	}
	return it;
}

static void *run(void *arg)
{
	struct rc_postrotate *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct timespec ts;
		long ms;

		/* start what is queued, oldest first, while there is a slot */
		while (p->head && p->nkids < p->max) {
			struct item *it = dequeue(p);
			char *path;

			pthread_mutex_unlock(&p->lock);
			path = strdup(it->path);
			free(it);
			if (path)
				spawn(p, path);
			else
				rc_events_post(p->ev, RC_LOG_ERR, "-z %s: not run: out of memory",
					       p->cmd);
			pthread_mutex_lock(&p->lock);
		}
		if (p->head && !p->told) {
			p->told = true;
			pthread_mutex_unlock(&p->lock);
			rc_events_post(p->ev, RC_LOG_NOTICE, "-z %s: %zu commands run at once (one "
				       "per CPU); the next files' commands wait their turn", p->cmd,
				       p->max);
			pthread_mutex_lock(&p->lock);
		}
		if (p->stopping && !p->head) {
			pthread_mutex_unlock(&p->lock);
			reap(p, true);  /* the last ones: wait for each */
			return NULL;
		}
		pthread_mutex_unlock(&p->lock);
		reap(p, false);
		pthread_mutex_lock(&p->lock);
		if (p->head && p->nkids < p->max)
			continue;
		/* a command waits for a slot: look again soon; else for new files */
		ms = p->head ? SLOT_MS : REAP_MS;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += ms * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	}
}

int rc_postrotate_new(const char *cmd, struct rc_events *ev, struct rc_postrotate **ret)
{
	struct rc_postrotate *p = calloc(1, sizeof(*p));
	sigset_t all, old, none, dfl;
	pthread_condattr_t ca;
	int r;

	if (!p)
		return -ENOMEM;
	p->cmd = strdup(cmd);
	if (!p->cmd) {
		free(p);
		return -ENOMEM;
	}
	p->ev = ev;
	p->tail = &p->head;
	{
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		p->max = cpus > 0 ? (size_t)cpus : 1;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* the command starts as a program of its own would: no signal
	 * blocked, none ignored (ringcap ignores SIGPIPE and SIGXFSZ) */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&p->attr);
	posix_spawnattr_setsigmask(&p->attr, &none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGXFSZ);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGUSR1);
	posix_spawnattr_setsigdefault(&p->attr, &dfl);
	posix_spawnattr_setflags(&p->attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	/* signals are the main thread's (its signalfd): never this thread's */
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&p->thread, NULL, run, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		posix_spawnattr_destroy(&p->attr);
		pthread_cond_destroy(&p->cond);
		pthread_mutex_destroy(&p->lock);
		free(p->cmd);
		free(p);
		return -r;
	}
	*ret = p;
	return 0;
}

unsigned rc_postrotate_finish(struct rc_postrotate *p)
{
	if (p->joined)
		return p->started;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	p->joined = true;
	return p->started;
}

void rc_postrotate_free(struct rc_postrotate *p)
{
	if (!p)
		return;
	while (p->head) {
		struct item *it = p->head;

		p->head = it->next;
		free(it);
	}
	free(p->kids);
	posix_spawnattr_destroy(&p->attr);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p->cmd);
	free(p);
}

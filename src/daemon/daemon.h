/* SPDX-License-Identifier: MIT */
/*
 * ringcapd's own state, shared by its files (private to src/daemon/):
 *
 *   ringcapd.c  start-up, the main loop, the periodic work (status,
 *               watchdog, Prometheus text), the control socket's requests
 *   prom.c      the thread that writes the Prometheus file
 *   capture.c   the captures' life: open, start, stop, reap, forget; stuck
 *               runs; waiting for interfaces (rtnetlink); rotation
 *   reload.c    reloads: the loader thread, applying a new configuration
 *
 * control.c is the control socket itself, report.c the reports' text,
 * rundir.c the runtime directory.  There is one struct daemon, owned by
 * the main thread; reload.c says what its loader thread may touch.
 */
#ifndef RC_DAEMON_DAEMON_H
#define RC_DAEMON_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../common/clock.h"
#include "../common/event.h"
#include "../config/conf.h"
#include "../engine/run.h"
#include "control.h"

/* One capture of the configuration, as the daemon runs it. */
struct capture {
	const struct rc_capture_conf *conf;  /* points into d->cfg */
	struct rc_run *run;                  /* NULL if never started; may be released */
	char state[256];
	uint64_t started_ns;
	uint64_t *last_beat;                 /* per worker, for the watchdog */
	bool waiting;                        /* for its interface to appear */
	/* frames that went through the interface while a reload restarted
	 * the capture, and no run took them (rc_run_gap), summed over its
	 * restarts */
	uint64_t unseen;
	struct rc_run_gap gap;               /* .ok: a restart's gap is being counted */
};

/* What the loader thread hands to the main thread. */
struct reload_load {
	struct rc_config *cfg;      /* the new configuration, if it loaded */
	int r;                      /* 0 or -errno */
	char *text;                 /* its errors, for `ringcap reload` */
	size_t text_len;
};

struct daemon {
	const char *config_path;
	struct rc_config *cfg;
	struct capture *captures;
	size_t ncaptures;
	int sfd, done_fd, tfd, lock_fd, nl_fd, load_fd;
	pthread_t loader;
	bool loading, load_again;
	uint64_t load_gen;          /* loads started */
	struct reload_load load;
	/* runs whose worker did not stop (stuck in a write or an open that does
	 * not return), by capture name: never freed while a thread may still
	 * use them, and their capture is not started again until they end,
	 * or two writers would share its files */
	struct stuck_run {
		char name[128];
		struct rc_run *run;
	} stuck[16];
	struct rc_ctl *ctl;
	struct rc_events *events;
	uint64_t start_ns;
	uint64_t watchdog_usec;
	uint64_t last_status_ns, last_prom_ns;
	struct prom_writer *prom;   /* the Prometheus file's writer, once started */
	bool drop;
	uid_t uid;
	gid_t gid;
};

static inline uint64_t mono_ns(void)
{
	return rc_clock_ns(CLOCK_MONOTONIC);
}

/* ringcapd.c */
int load_config(const char *path, struct rc_config **ret, bool plain, FILE *also);
void send_status(struct daemon *d);

/* capture.c */
bool capture_running(const struct capture *s);
struct rc_run *stuck_run(struct daemon *d, const char *name);
void capture_forget(struct capture *s);
void capture_free(struct capture *s);
void capture_stop_for_restart(struct daemon *d, struct capture *s, const char *why,
			      const struct rc_capture_conf *next);
int capture_open(struct daemon *d, struct capture *s);
int capture_start(struct daemon *d, struct capture *s);
void reap_stuck(struct daemon *d);
void capture_stop(struct daemon *d, struct capture *s, const char *why);
void reap(struct daemon *d);
void check_renamed(struct daemon *d);
void wake_waiting(struct daemon *d);
int netlink_open(void);
bool netlink_drain(int fd);
unsigned rotate_all(struct daemon *d);

/* reload.c */
uint64_t reload_request(struct daemon *d);
void load_done(struct daemon *d);

#endif

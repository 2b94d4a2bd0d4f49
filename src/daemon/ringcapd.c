// SPDX-License-Identifier: MIT
/*
 * ringcapd: the YAML-configured capture daemon, run by systemd.
 *
 * The main thread owns everything but the capture workers: signals
 * (signalfd), a 1 s tick (STATUS=, WATCHDOG=, Prometheus file), the control
 * socket and reloads.  Each configured capture is an rc_run (engine/run.h)
 * with its own worker threads; the main thread never touches a frame.
 *
 * Start: load and check the whole file (exit 2 on any error) → open every
 * ring (privileged) → control socket → switch to the service user, keeping
 * CAP_NET_RAW/NET_ADMIN/IPC_LOCK → create the files → start workers →
 * READY=1.  Reload (SIGHUP): the new file is checked first; with errors the
 * old configuration keeps running untouched.  Otherwise captures whose
 * settings are equal keep their rings and files, a changed capture filter
 * is swapped into the running sockets, other changes restart that capture,
 * new captures start and removed ones stop after draining their rings.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "../capture/xdp_env.h"
#include "../common/cleanup.h"
#include "../common/clock.h"
#include "../common/event.h"
#include "../common/log.h"
#include "../common/stdfd.h"
#include "../common/units.h"
#include "../config/dropins.h"
#include "../config/yaml.h"
#include "../engine/ifaces.h"
#include "../engine/run.h"
#include "control.h"
#include "../common/privs.h"
#include "report.h"
#include "rundir.h"

#ifndef RC_VERSION
#define RC_VERSION "0.1.0"
#endif
#define DEFAULT_CONFIG "/etc/ringcap/ringcap.yaml"

/* One capture of the configuration, as the daemon runs it. */
struct capture {
	const struct rc_capture_conf *conf;  /* points into d->cfg */
	struct rc_run *run;                  /* NULL if never started; may be released */
	char state[256];
	uint64_t started_ns;
	uint64_t *last_beat;                 /* per worker, for the watchdog */
	bool waiting;                        /* for its interface to appear */
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
	bool prom_warned;
	bool drop;
	uid_t uid;
	gid_t gid;
};

static struct rc_run *stuck_run(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < RC_ARRAY_SIZE(d->stuck); i++)
		if (d->stuck[i].run && !strcmp(d->stuck[i].name, name))
			return d->stuck[i].run;
	return NULL;
}

static inline uint64_t mono_ns(void)
{
	return rc_clock_ns(CLOCK_MONOTONIC);
}

static void usage(FILE *f)
{
	fputs("usage: ringcapd [-c FILE] [-n] [-d] [-V]\n"
	      "  -c FILE  configuration file (default " DEFAULT_CONFIG ")\n"
	      "  -n       check the configuration and exit\n"
	      "  -d       debug logging\n"
	      "  -V       print the version\n", f);
}

/* Load and fully check a configuration; on errors log them all (plain on
 * stderr with @plain), and copy them to @also (a control client) if set. */
static int load_config(const char *path, struct rc_config **ret, bool plain, FILE *also)
{
	struct rc_diag diag;
	struct rc_config *c = NULL;
	int r;

	r = rc_config_load(path, &c, &diag);
	if (r < 0) {
		for (unsigned i = 0; i < diag.n; i++) {
			if (plain)
				fprintf(stderr, "%s\n", diag.msg[i].text);
			else
				log_err("%s", diag.msg[i].text);
			if (also)
				fprintf(also, "%s\n", diag.msg[i].text);
		}
		if (diag.dropped) {
			log_err("... and %u more errors", diag.dropped);
			if (also)
				fprintf(also, "... and %u more errors\n", diag.dropped);
		}
		rc_config_free(c);
		return r;
	}
	/* a missing interface is waited for, not an error: say so */
	rc_diag_init(&diag);
	if (rc_ifaces_check(c, &diag) < 0)
		for (unsigned i = 0; i < diag.n; i++) {
			if (plain)
				fprintf(stderr, "warning: %s\n", diag.msg[i].text);
			else
				log_warn("%s; the capture waits for it", diag.msg[i].text);
		}
	*ret = c;
	return 0;
}

/* "running", "stopped", or "failed: why" (cut to fit) */
static void capture_set_state(struct capture *s, const char *state, const char *why)
{
	snprintf(s->state, sizeof(s->state), "%s%s%.200s", state, why ? ": " : "",
		 why ? why : "");
}

static bool capture_running(const struct capture *s)
{
	return s->run && !s->run->released && !s->run->stuck;
}

/* Forget a capture's last run (its counters go with it). */
static void capture_forget(struct capture *s)
{
	rc_run_free(s->run);
	s->run = NULL;
	free(s->last_beat);
	s->last_beat = NULL;
}

/* Rings first (privileged); outputs come later, after the drop. */
static int capture_open(struct daemon *d, struct capture *s)
{
	char err[1024];
	int r;

	capture_forget(s);
	s->waiting = false;
	if (stuck_run(d, s->conf->name)) {
		s->waiting = true;
		capture_set_state(s, "stuck", "its last run's worker is still in a write or an open "
				  "that does not return; the capture starts again when it ends");
		return -EBUSY;
	}
	r = rc_run_open(s->conf, &s->run, err, sizeof(err));
	if (r == -ENODEV && !if_nametoindex(s->conf->iface)) {
		/* not an error: it starts when the interface appears (rtnetlink) */
		s->run = NULL;
		s->waiting = true;
		snprintf(err, sizeof(err), "interface %s does not exist; the capture starts when it "
			 "appears", s->conf->iface);
		capture_set_state(s, "waiting", err);
		log_warn("capture %s: %s", s->conf->name, err);
		return r;
	}
	if (r < 0) {
		log_err("capture %s: %s", s->conf->name, err);
		capture_set_state(s, "failed", err);
		s->run = NULL;
		return r;
	}
	for (unsigned k = 0; k < s->run->nworkers; k++)
		if (s->run->workers[k].src->notes[0])
			log_warn("capture %s: %s", s->conf->name, s->run->workers[k].src->notes);
	s->run->events = d->events;
	s->run->retry = true;
	return 0;
}

static int capture_start(struct daemon *d, struct capture *s)
{
	char err[1024] = "", label[128];
	int r;

	if (!s->run)
		return -ENODEV;
	snprintf(label, sizeof(label), "capture %s", s->conf->name);
	s->run->label = label;   /* used while the outputs are made, below */
	r = rc_run_open_outputs(s->run, err, sizeof(err));
	s->run->label = NULL;
	if (r >= 0)
		r = rc_run_start(s->run, 0, 2 * s->conf->ring.retire_tov_ms + 500, -1, d->done_fd);
	if (r < 0) {
		log_err("capture %s: %s", s->conf->name, r == -EINVAL || err[0] ? err : strerror(-r));
		capture_set_state(s, "failed", err[0] ? err : strerror(-r));
		capture_forget(s);
		return r;
	}
	free(s->last_beat);
	s->last_beat = calloc(s->run->nworkers, sizeof(*s->last_beat));
	s->started_ns = mono_ns();
	capture_set_state(s, "running", NULL);
	log_info("capture %s: running on %s with %u worker%s", s->conf->name, s->conf->iface,
		 s->run->nworkers, s->run->nworkers == 1 ? "" : "s");
	return 0;
}

/* What a capture did, for the journal when it stops. */
static void log_tally(struct capture *s, const char *why)
{
	struct rc_run_stats t;

	rc_run_total_stats(s->run, &t);
	log_info("capture %s: stopped (%s): %" PRIu64 " frames received, %" PRIu64 " dropped by "
		 "the kernel, %" PRIu64 " frames written, %" PRIu64 " lost, %" PRIu64 " files",
		 s->conf->name, why, t.src.received, t.src.kernel_drops, t.sink.frames,
		 t.sink.lost + t.lost_at_stop, t.sink.files);
	for (unsigned k = 0; k < s->run->nworkers; k++)
		for (unsigned o = 0, n = rc_run_noutputs(s->run, k); o < n; o++) {
			struct rc_run_output out;

			rc_run_output(s->run, k, o, &out);
			if (n == 1 && s->run->nworkers == 1 && !out.st.lost)
				continue;  /* the line above says it all */
			log_info("capture %s worker %u output %u: %s: %" PRIu64 " frames written, %"
				 PRIu64 " lost%s%s", s->conf->name, k, o, out.path, out.st.frames,
				 out.st.lost, out.why[0] ? "; last error: " : "", out.why);
		}
}

/* Stuck runs that have ended after all are freed; their captures may
 * start again (wake_waiting). */
static void reap_stuck(struct daemon *d)
{
	for (size_t i = 0; i < RC_ARRAY_SIZE(d->stuck); i++) {
		struct stuck_run *t = &d->stuck[i];

		if (!t->run || rc_run_join_timeout(t->run, 0) == -ETIMEDOUT)
			continue;
		log_info("capture %s: the worker that did not stop has ended", t->name);
		rc_run_free(t->run);
		t->run = NULL;
	}
}

#define STOP_IDLE_MS 3000u    /* a worker that made no progress that long is stuck */
#define STOP_MAX_MS 10000u    /* systemd's TimeoutStopSec is 15 s */

/* Stop a running capture; its counters stay until it is started again. */
static void capture_stop(struct daemon *d, struct capture *s, const char *why)
{
	if (!capture_running(s))
		return;
	rc_run_request_stop(s->run);
	/* a slow disk that still takes the records is waited for */
	if (rc_run_join_progress(s->run, 2 * s->conf->ring.retire_tov_ms + STOP_IDLE_MS,
				 STOP_MAX_MS) == -ETIMEDOUT) {
		size_t i;

		log_err("capture %s: a worker made no progress for %u ms (stuck in a write or an "
			"open that does not return); leaving it behind, its counters as they are",
			s->conf->name, 2 * s->conf->ring.retire_tov_ms + STOP_IDLE_MS);
		log_tally(s, "left behind");
		capture_set_state(s, "stuck", "a worker did not stop; the capture starts again "
				  "when it ends");
		for (i = 0; i < RC_ARRAY_SIZE(d->stuck) && d->stuck[i].run; i++)
			;
		if (i < RC_ARRAY_SIZE(d->stuck)) {
			snprintf(d->stuck[i].name, sizeof(d->stuck[i].name), "%s", s->conf->name);
			d->stuck[i].run = s->run;
		}
		s->run = NULL;   /* never freed here: its thread may still use it */
		s->waiting = true;
		free(s->last_beat);
		s->last_beat = NULL;
		return;
	}
	rc_run_release(s->run);
	log_tally(s, why);
	capture_set_state(s, "stopped", NULL);
	free(s->last_beat);
	s->last_beat = NULL;
}

static size_t fill_report(struct daemon *d, struct rc_report_capture *out)
{
	uint64_t now = mono_ns();

	for (size_t i = 0; i < d->ncaptures; i++) {
		struct capture *s = &d->captures[i];

		out[i].name = s->conf->name;
		out[i].iface = s->conf->iface;
		out[i].state = s->state;
		out[i].run = s->run;
		out[i].running = capture_running(s);
		out[i].uptime_s = out[i].running ? (now - s->started_ns) / 1000000000ULL : 0;
	}
	return d->ncaptures;
}

/* ---- periodic work -------------------------------------------------------- */

/*
 * The Prometheus file, replaced atomically: written under a fresh name of
 * its own in the same directory (mkostemp: O_EXCL, so nothing planted
 * there, a symlink least of all, is ever opened or truncated), then
 * renamed over the old one.
 */
static void write_prometheus(struct daemon *d)
{
	struct rc_report_capture *caps = calloc(d->ncaptures ? d->ncaptures : 1, sizeof(*caps));
	char tmp[4096];
	FILE *f = NULL;
	bool made = false;
	int fd = -1, e = 0;

	if (!caps)
		return;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", d->cfg->prometheus_path) >= sizeof(tmp)) {
		e = ENAMETOOLONG;
		goto fail;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	made = fd >= 0;
	/* node_exporter runs as another user: readable by all, whatever the umask */
	if (fd < 0 || fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
		e = errno;
		goto fail;
	}
	fd = -1;
	fill_report(d, caps);
	rc_report_prometheus(f, caps, d->ncaptures);
	if (fclose(f) == 0 && rename(tmp, d->cfg->prometheus_path) == 0) {
		d->prom_warned = false;
		free(caps);
		return;
	}
	e = errno;
	f = NULL;
fail:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(tmp);  /* ours: mkostemp made it */
	if (!d->prom_warned)
		log_warn("cannot write the Prometheus file %s: %s", d->cfg->prometheus_path,
			 strerror(e));
	d->prom_warned = true;
	free(caps);
}

static void send_status(struct daemon *d)
{
	uint64_t frames = 0, drops = 0, bytes = 0, lost = 0;
	unsigned running = 0;
	char sz[32];

	for (size_t i = 0; i < d->ncaptures; i++) {
		struct rc_run_stats t;

		if (!d->captures[i].run)
			continue;
		running += capture_running(&d->captures[i]);
		rc_run_total_stats(d->captures[i].run, &t);
		frames += t.sink.frames;
		bytes += t.sink.bytes;
		drops += t.src.kernel_drops;
		lost += t.sink.lost + t.lost_at_stop;
	}
	sd_notifyf(0, "STATUS=%u/%zu captures running, %" PRIu64 " frames, %s written, %" PRIu64
		   " kernel drops, %" PRIu64 " lost", running, d->ncaptures, frames,
		   rc_format_size(sz, sizeof(sz), bytes), drops, lost);
}

static void log_sink_notice(void *arg, const char *msg)
{
	log_info("capture %s: %s", (const char *)arg, msg);
}

static void log_event(void *arg, enum rc_log_level lvl, const char *msg)
{
	(void)arg;
	rc_log(lvl, "%s", msg);
}

/*
 * WATCHDOG=1 only if every running worker has turned its loop since the
 * last look: a worker stuck in a write() that never returns stops the pings
 * and systemd restarts the service.
 */
static void watchdog(struct daemon *d)
{
	bool all = true;

	for (size_t i = 0; i < d->ncaptures; i++) {
		struct capture *s = &d->captures[i];

		for (unsigned k = 0; capture_running(s) && k < s->run->nworkers; k++) {
			struct rc_run_stats w;

			rc_run_worker_stats(s->run, k, &w);
			if (w.end != RC_WORKER_RUNNING)
				continue;
			if (w.heartbeat == s->last_beat[k]) {
				if (all)
					log_warn("capture %s worker %u is not making progress; "
						 "withholding the watchdog ping", s->conf->name, k);
				all = false;
			}
			s->last_beat[k] = w.heartbeat;
		}
	}
	if (all)
		sd_notify(0, "WATCHDOG=1");
}

/* A worker ended on its own (interface gone, every output failed). */
static void reap(struct daemon *d)
{
	for (size_t i = 0; i < d->ncaptures; i++) {
		struct capture *s = &d->captures[i];
		const char *serr;
		struct rc_run_stats t;
		char why[600];

		if (!capture_running(s))
			continue;
		rc_run_total_stats(s->run, &t);
		if (t.end == RC_WORKER_RUNNING)
			continue;
		/* one worker ended: the capture as a whole is no longer complete */
		snprintf(why, sizeof(why), "%s",
			 t.end == RC_WORKER_SOURCE_FAILED ? "interface went away" :
			 t.end == RC_WORKER_SINKS_FAILED ? "every output failed" : "ended");
		serr = rc_run_sink_error(s->run);
		if (serr)
			snprintf(why + strlen(why), sizeof(why) - strlen(why), ": %.500s", serr);
		log_err("capture %s failed: %s", s->conf->name, why);
		capture_stop(d, s, why);
		capture_set_state(s, "failed", why);
		if (t.end == RC_WORKER_SOURCE_FAILED) {
			/* it may come back: then the capture resumes, in new files */
			s->waiting = true;
			snprintf(why, sizeof(why), "interface %s went away; the capture resumes when it "
				 "is back", s->conf->iface);
			capture_set_state(s, "waiting", why);
			log_warn("capture %s: %s", s->conf->name, why);
		}
	}
}

/*
 * A running capture follows the device it opened, by its index; the name in
 * the configuration may come to mean another device (renamed away, another
 * one renamed to it).  Then the capture stops and starts again on whatever
 * the name means now, or waits for it.
 */
static void check_renamed(struct daemon *d)
{
	for (size_t i = 0; i < d->ncaptures; i++) {
		struct capture *s = &d->captures[i];
		const struct rc_source *src;
		char name[IF_NAMESIZE];
		int now;

		if (!capture_running(s) || !s->run->workers[0].src)
			continue;
		src = s->run->workers[0].src;
		if (src->n_ifaces != 1 || !src->ifaces || src->ifaces[0].ifindex <= 0)
			continue;  /* "any", several interfaces, AF_XDP queues */
		now = (int)if_nametoindex(s->conf->iface);
		if (now == src->ifaces[0].ifindex)
			continue;
		if (!now && !if_indextoname((unsigned)src->ifaces[0].ifindex, name))
			continue;  /* deleted, not renamed: the worker says so itself */
		log_warn("capture %s: %s is now %s (the device it captured has index %d); "
			 "following the name", s->conf->name, s->conf->iface,
			 now ? "another device" : "no device", src->ifaces[0].ifindex);
		capture_stop(d, s, "the interface's name moved to another device");
		s->waiting = true;
		capture_set_state(s, "waiting", "its interface's name moved to another device");
	}
}

/* Interfaces appeared (rtnetlink said so, or the 1 s tick looks): start
 * the captures that were waiting for them. */
static void wake_waiting(struct daemon *d)
{
	for (size_t i = 0; i < d->ncaptures; i++) {
		struct capture *s = &d->captures[i];

		if (!s->waiting || !if_nametoindex(s->conf->iface) || stuck_run(d, s->conf->name))
			continue;
		log_info("capture %s: interface %s is there; starting", s->conf->name,
			 s->conf->iface);
		if (capture_open(d, s) == 0)
			capture_start(d, s);
	}
}

/* rtnetlink: told when links come and go (RTMGRP_LINK). */
static int netlink_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* Read every waiting message; what matters is only that links changed
 * (an overrun, ENOBUFS, means the same). */
static bool netlink_drain(int fd)
{
	char buf[16384];
	bool link = false;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0 || (n < 0 && errno == ENOBUFS)) {
		struct nlmsghdr *h;
		size_t len = n > 0 ? (size_t)n : 0;

		if (n < 0) {
			link = true;
			continue;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
			if (h->nlmsg_type == RTM_NEWLINK)
				link = true;
	}
	return link;
}

/* ---- reload --------------------------------------------------------------- */

static struct capture *find_capture(struct capture *caps, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(caps[i].conf->name, name))
			return &caps[i];
	return NULL;
}

/* SIGHUP or `ringcap reload`: 0, or -errno after saying why in the log
 * (and to @out, the control client, if set). */
/*
 * Loading a new configuration (reading, parsing, checking every output path
 * and compiling every filter) can take long for a big or hostile file, so
 * it runs on a thread of its own while the main loop goes on answering
 * signals, the control socket and the watchdog.  Only applying the result
 * is the main thread's.  Requests that come while a load runs are answered
 * by the next load, which starts when this one is applied: the file may
 * have changed since it was read.
 */
static void *loader_main(void *arg)
{
	struct daemon *d = arg;
	struct reload_load *l = &d->load;
	char err[1024];
	FILE *f = open_memstream(&l->text, &l->text_len);
	uint64_t one = 1;

	l->cfg = NULL;
	l->r = load_config(d->config_path, &l->cfg, false, f);
	if (l->r < 0) {
		log_err("config file %s has errors, not reloading", d->config_path);
		if (f)
			fprintf(f, "error: config file %s has errors, not reloading; the running "
				"configuration is unchanged\n", d->config_path);
	} else if (rc_dropins_check(l->cfg, err, sizeof(err)) < 0) {
		/* say what to enable rather than which step the kernel refused */
		log_err("%s; not reloading", err);
		if (f)
			fprintf(f, "error: %s; not reloading\n", err);
		rc_config_free(l->cfg);
		l->cfg = NULL;
		l->r = -EPERM;
	}
	if (f)
		fclose(f);
	if (write(d->load_fd, &one, sizeof(one)) < 0) {
		/* the main thread also joins at stop */
	}
	return NULL;
}

static void start_load(struct daemon *d)
{
	sigset_t all, old;
	int r;

	d->load_gen++;
	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading %s", d->config_path);
	log_info("reloading %s", d->config_path);
	free(d->load.text);
	memset(&d->load, 0, sizeof(d->load));
	/* signals belong to the main thread (signalfd) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&d->loader, NULL, loader_main, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		log_err("cannot start a thread to load %s: %s; not reloading", d->config_path,
			strerror(r));
		rc_ctl_answer(d->ctl, d->load_gen, "error: the daemon cannot start a thread to "
			      "load the file; not reloading\n");
		sd_notify(0, "READY=1");
		return;
	}
	d->loading = true;
}

/* SIGHUP or `ringcap reload`: the load that will answer it (its tag). */
static uint64_t reload_request(struct daemon *d)
{
	if (!d->loading) {
		start_load(d);
		return d->load_gen;
	}
	d->load_again = true;
	return d->load_gen + 1;
}

static int apply_config(struct daemon *d, struct rc_config *ncfg, FILE *out);

/* The loader is done: apply what it found, answer who asked, and start the
 * next load if more requests came meanwhile. */
static void load_done(struct daemon *d)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	pthread_join(d->loader, NULL);
	d->loading = false;
	f = open_memstream(&text, &len);
	if (f && d->load.text)
		fputs(d->load.text, f);
	if (d->load.r >= 0)
		apply_config(d, d->load.cfg, f);
	else {
		sd_notify(0, "READY=1");
		send_status(d);
	}
	d->load.cfg = NULL;
	if (f)
		fclose(f);
	rc_ctl_answer(d->ctl, d->load_gen, text ? text : "error: out of memory\n");
	free(text);
	if (d->load_again) {
		d->load_again = false;
		start_load(d);
	}
}

/* Take the configuration @ncfg (owned from here on): 0, or -errno after
 * saying why in the log (and to @out, the control client, if set). */
/* Strings that may be NULL, compared. */
static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int apply_config(struct daemon *d, struct rc_config *ncfg, FILE *out)
{
	struct capture *next;
	char err[1024];

	/* who the daemon is and where its socket and lock are were settled at
	 * start: a changed value is kept for the next start, and said */
	if (!same_str(d->cfg->runtime_dir, ncfg->runtime_dir) ||
	    !same_str(d->cfg->user, ncfg->user) || !same_str(d->cfg->group, ncfg->group)) {
		log_warn("daemon.runtime_directory, daemon.user and daemon.group take effect at the "
			 "next start; this daemon keeps %s, user '%s'",
			 d->cfg->runtime_dir ? d->cfg->runtime_dir : "/run/ringcap",
			 d->cfg->user ? d->cfg->user : "");
		if (out)
			fprintf(out, "note: daemon.runtime_directory, daemon.user and daemon.group take "
				"effect at the next start\n");
		free(ncfg->runtime_dir);
		free(ncfg->user);
		free(ncfg->group);
		ncfg->runtime_dir = d->cfg->runtime_dir ? strdup(d->cfg->runtime_dir) : NULL;
		ncfg->user = d->cfg->user ? strdup(d->cfg->user) : NULL;
		ncfg->group = d->cfg->group ? strdup(d->cfg->group) : NULL;
	}
	next = calloc(ncfg->n_captures ? ncfg->n_captures : 1, sizeof(*next));
	if (!next) {
		log_err("out of memory, not reloading");
		if (out)
			fputs("error: out of memory, not reloading\n", out);
		rc_config_free(ncfg);
		sd_notify(0, "READY=1");
		return -ENOMEM;
	}
	/* removed and changed captures stop first, freeing their interfaces */
	for (size_t i = 0; i < d->ncaptures; i++) {
		struct capture *old = &d->captures[i];
		const struct rc_capture_conf *nc = NULL;

		for (size_t j = 0; j < ncfg->n_captures; j++)
			if (!strcmp(ncfg->captures[j].name, old->conf->name))
				nc = &ncfg->captures[j];
		if (!nc)
			capture_stop(d, old, "removed from the configuration");
		else if (capture_running(old) && rc_run_change_of(old->conf, nc) == RC_RUN_RESTART)
			capture_stop(d, old, "settings changed, restarting");
	}
	for (size_t j = 0; j < ncfg->n_captures; j++) {
		struct capture *ns = &next[j], *old;

		ns->conf = &ncfg->captures[j];
		old = find_capture(d->captures, d->ncaptures, ns->conf->name);
		if (old && capture_running(old)) {
			/* kept: same rings and files, maybe a new kernel filter */
			*ns = *old;
			old->run = NULL;
			old->last_beat = NULL;
			if (rc_run_change_of(ns->run->conf, &ncfg->captures[j]) ==
			    RC_RUN_SWAP_FILTER) {
				if (rc_run_set_filter(ns->run, ncfg->captures[j].filter, err,
						      sizeof(err)) < 0)
					log_err("capture %s: new filter not applied: %s",
						ns->conf->name, err);
				else
					log_info("capture %s: filter is now '%s'", ns->conf->name,
						 ncfg->captures[j].filter ? ncfg->captures[j].filter : "");
			}
			ns->conf = &ncfg->captures[j];
			ns->run->conf = ns->conf;
			continue;
		}
		/* new, changed, stopped or failed before: (re)started */
		if (capture_open(d, ns) == 0)
			capture_start(d, ns);
	}
	for (size_t i = 0; i < d->ncaptures; i++)
		capture_forget(&d->captures[i]);
	free(d->captures);
	rc_config_free(d->cfg);
	d->cfg = ncfg;
	d->captures = next;
	d->ncaptures = ncfg->n_captures;
	log_info("reloaded %s: %zu captures", d->config_path, d->ncaptures);
	if (out) {
		unsigned running = 0, failed = 0;

		for (size_t i = 0; i < d->ncaptures; i++)
			running += capture_running(&d->captures[i]);
		fprintf(out, "reloaded %s: %zu captures, %u running\n", d->config_path, d->ncaptures,
			running);
		for (size_t i = 0; i < d->ncaptures; i++)
			if (!capture_running(&d->captures[i])) {
				fprintf(out, "capture %s: %s\n", d->captures[i].conf->name,
					d->captures[i].state);
				failed += !d->captures[i].waiting;
			}
		/* the file was taken, but a capture did not come up: the operator
		 * must hear of it (systemctl reload fails) */
		if (failed)
			fprintf(out, "error: %u capture%s did not start after the reload\n", failed,
				failed == 1 ? "" : "s");
	}
	sd_notify(0, "READY=1");
	send_status(d);
	return 0;
}

/* SIGUSR2 or `ringcap rotate`: every output of every running capture
 * closes its file and starts the next.  Returns how many captures. */
static unsigned rotate_all(struct daemon *d)
{
	unsigned n = 0;

	for (size_t i = 0; i < d->ncaptures; i++)
		if (capture_running(&d->captures[i])) {
			rc_run_rotate(d->captures[i].run);
			n++;
		}
	log_info("rotating the files of %u capture%s", n, n == 1 ? "" : "s");
	return n;
}

/* ---- control socket ------------------------------------------------------ */

static uint64_t ctl_request(void *arg, const char *req, FILE *f)
{
	struct daemon *d = arg;
	struct rc_report_capture *caps = calloc(d->ncaptures ? d->ncaptures : 1, sizeof(*caps));
	uint64_t tag = 0;

	if (!caps) {
		fputs("error: out of memory\n", f);
		return 0;
	}
	fill_report(d, caps);
	if (!strcmp(req, "status"))
		rc_report_status(f, caps, d->ncaptures, (mono_ns() - d->start_ns) / 1000000000ULL,
				 d->config_path);
	else if (!strcmp(req, "stats"))
		rc_report_stats(f, caps, d->ncaptures, false);
	else if (!strcmp(req, "stats json"))
		rc_report_stats(f, caps, d->ncaptures, true);
	else if (!strcmp(req, "reload"))
		tag = reload_request(d);  /* answered when the load is applied */
	else if (!strcmp(req, "rotate"))
		fprintf(f, "rotating the files of %u captures\n", rotate_all(d));
	else
		fprintf(f, "error: unknown request '%.40s' (status, stats, stats json, reload, "
			"rotate)\n", req);
	free(caps);
	return tag;
}

/* ---- set-up and main loop -------------------------------------------------- */

static int setup_signals(struct daemon *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return -errno;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	d->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return d->sfd < 0 ? -errno : 0;
}

static int run_daemon(struct daemon *d)
{
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	const char *dir = d->cfg->runtime_dir ? d->cfg->runtime_dir : "/run/ringcap";
	char err[1024], sock[4096];
	int r;

	if (d->cfg->user && geteuid() == 0) {
		r = rc_privs_lookup(d->cfg->user, d->cfg->group, &d->uid, &d->gid, err,
				    sizeof(err));
		if (r < 0) {
			log_err("%s", err);
			return 2;
		}
		d->drop = true;
	}
	/* one daemon per runtime directory: before anything else is opened */
	d->lock_fd = rc_rundir_lock(dir, d->drop ? d->uid : (uid_t)-1, d->gid, err, sizeof(err));
	if (d->lock_fd < 0) {
		log_err("%s", err);
		return 1;
	}
	if (setup_signals(d) < 0)
		return rc_log_errno(RC_LOG_ERR, -errno, "signals"), 1;
	r = rc_events_new(&d->events);
	if (r < 0)
		return rc_log_errno(RC_LOG_ERR, r, "event queue"), 1;
	d->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->load_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->done_fd < 0 || d->load_fd < 0 || d->tfd < 0 ||
	    timerfd_settime(d->tfd, 0, &its, NULL) < 0)
		return rc_log_errno(RC_LOG_ERR, -errno, "eventfd/timerfd"), 1;

	d->ncaptures = d->cfg->n_captures;
	d->captures = calloc(d->ncaptures ? d->ncaptures : 1, sizeof(*d->captures));
	if (!d->captures)
		return 1;
	d->nl_fd = netlink_open();
	if (d->nl_fd < 0)
		log_warn("rtnetlink: %s; captures waiting for an interface look for it once a "
			 "second", strerror(-d->nl_fd));
	for (size_t i = 0; i < d->ncaptures; i++) {
		d->captures[i].conf = &d->cfg->captures[i];
		if (capture_open(d, &d->captures[i]) < 0 && !d->captures[i].waiting)
			return 2;
	}
	snprintf(sock, sizeof(sock), "%s/ringcap.sock", dir);
	r = rc_ctl_open(sock, d->drop ? d->uid : (uid_t)-1, d->gid, &d->ctl, err, sizeof(err));
	if (r < 0) {
		log_err("%s", err);
		return 1;
	}
	if (d->drop) {
		r = rc_privs_drop(d->cfg->user, d->uid, d->gid, err, sizeof(err));
		if (r < 0) {
			log_err("%s", err);
			return 1;
		}
		log_info("running as user %s (uid %u), keeping CAP_NET_RAW, CAP_NET_ADMIN, "
			 "CAP_IPC_LOCK", d->cfg->user, (unsigned)d->uid);
	}
	for (size_t i = 0; i < d->ncaptures; i++)
		if (!d->captures[i].waiting && capture_start(d, &d->captures[i]) < 0)
			return 2;

	if (sd_watchdog_enabled(0, &d->watchdog_usec) <= 0)
		d->watchdog_usec = 0;
	d->start_ns = d->last_status_ns = d->last_prom_ns = mono_ns();
	log_info("ready: %zu captures from %s", d->ncaptures, d->config_path);
	sd_notify(0, "READY=1");
	send_status(d);

	for (;;) {
		struct pollfd pfd[6 + 1 + RC_CTL_MAX_CLIENTS] = {
			{ .fd = d->sfd, .events = POLLIN },
			{ .fd = d->done_fd, .events = POLLIN },
			{ .fd = d->tfd, .events = POLLIN },
			{ .fd = rc_events_fd(d->events), .events = POLLIN },
			{ .fd = d->nl_fd, .events = POLLIN },
			{ .fd = d->load_fd, .events = POLLIN },
		};
		unsigned nctl = rc_ctl_pollfds(d->ctl, pfd + 6);
		uint64_t v, now;

		if (poll(pfd, 6 + nctl, rc_ctl_timeout_ms(d->ctl)) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			break;
		}
		if (pfd[3].revents & POLLIN)
			rc_events_drain(d->events, log_event, d);
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					reload_request(d);
				} else if (si.ssi_signo == SIGUSR2) {
					rotate_all(d);
				} else {
					log_info("signal %d: stopping", (int)si.ssi_signo);
					break;
				}
			}
		}
		if ((pfd[1].revents & POLLIN) && read(d->done_fd, &v, sizeof(v)) == sizeof(v))
			reap(d);
		if ((pfd[4].revents & POLLIN) && netlink_drain(d->nl_fd)) {
			check_renamed(d);
			wake_waiting(d);
		}
		if ((pfd[5].revents & POLLIN) && read(d->load_fd, &v, sizeof(v)) == sizeof(v))
			load_done(d);
		rc_ctl_process(d->ctl, pfd + 6, nctl, ctl_request, d);
		if ((pfd[2].revents & POLLIN) && read(d->tfd, &v, sizeof(v)) == sizeof(v)) {
			now = mono_ns();
			reap_stuck(d);
			check_renamed(d);
			wake_waiting(d);
			for (size_t i = 0; i < d->ncaptures; i++)
				if (capture_running(&d->captures[i]))
					rc_run_notices(d->captures[i].run, log_sink_notice,
						       (void *)d->captures[i].conf->name);
			if (d->watchdog_usec)
				watchdog(d);
			if (now - d->last_status_ns >= d->cfg->status_interval_ns) {
				send_status(d);
				d->last_status_ns = now;
			}
			if (d->cfg->prometheus_path &&
			    now - d->last_prom_ns >= d->cfg->prometheus_interval_ns) {
				write_prometheus(d);
				d->last_prom_ns = now;
			}
		}
	}
	sd_notify(0, "STOPPING=1");
	if (d->loading) {
		/* a load in progress: give it a moment, never wait for good */
		uint64_t real = rc_clock_ns(CLOCK_REALTIME) + 2000000000ULL;
		struct timespec ts = { .tv_sec = (time_t)(real / 1000000000ULL),
				       .tv_nsec = (long)(real % 1000000000ULL) };

		if (pthread_timedjoin_np(d->loader, NULL, &ts) == 0) {
			d->loading = false;
			rc_config_free(d->load.cfg);
			d->load.cfg = NULL;
		}
	}
	rc_ctl_answer(d->ctl, UINT64_MAX, "error: ringcapd is stopping; not reloaded\n");
	for (size_t i = 0; i < d->ncaptures; i++)
		capture_stop(d, &d->captures[i], "daemon stopping");
	rc_events_drain(d->events, log_event, d);
	if (d->cfg->prometheus_path)
		write_prometheus(d); /* the final counters */
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = { .config_path = DEFAULT_CONFIG, .sfd = -1, .done_fd = -1, .tfd = -1,
			    .lock_fd = -1, .nl_fd = -1, .load_fd = -1 };
	bool check = false;
	char err[1024];
	int c, r;

	/* before anything is opened: a socket must never become fd 0-2 */
	if (rc_stdfd_sanitize() < 0)
		return 1;
	rc_log_init("ringcapd", rc_log_stderr_is_journal());
	/* in the foreground, the lines say when (journald stamps its own) */
	rc_log_set_timestamps(!rc_log_stderr_is_journal());
	while ((c = getopt(argc, argv, "c:ndVh")) != -1) {
		switch (c) {
		case 'c':
			d.config_path = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'd':
			rc_log_set_level(RC_LOG_DEBUG);
			break;
		case 'V':
			printf("ringcapd %s\n", RC_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	r = load_config(d.config_path, &d.cfg, check, NULL);
	if (check) {
		if (r < 0)
			return 2;
		printf("configuration OK\n");
		rc_dropins_print(d.cfg, stdout);
		rc_config_free(d.cfg);
		return 0;
	}
	if (r < 0) {
		log_err("config file %s has errors, not starting", d.config_path);
		return 2;
	}
	if (rc_dropins_check(d.cfg, err, sizeof(err)) < 0) {
		log_err("%s", err);
		rc_config_free(d.cfg);
		return 2;
	}
	/* what AF_XDP needs of the whole process: the libraries' print
	 * hooks, bpffs (capture/xdp_env.h) */
	rc_xdp_process_init();
	r = run_daemon(&d);
	for (size_t i = 0; i < d.ncaptures; i++) {
		capture_stop(&d, &d.captures[i], "start-up failed");
		capture_forget(&d.captures[i]);
	}
	rc_xdp_process_fini();
	if (d.events)
		rc_events_drain(d.events, log_event, &d);
	free(d.captures);
	rc_ctl_free(d.ctl);
	rc_events_free(d.events);
	if (d.sfd >= 0)
		close(d.sfd);
	if (d.done_fd >= 0)
		close(d.done_fd);
	if (d.tfd >= 0)
		close(d.tfd);
	if (d.lock_fd >= 0)
		close(d.lock_fd);
	if (d.nl_fd >= 0)
		close(d.nl_fd);
	if (d.load_fd >= 0 && !d.loading)
		close(d.load_fd);
	free(d.load.text);
	rc_config_free(d.cfg);
	return r;
}

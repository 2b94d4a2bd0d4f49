// SPDX-License-Identifier: MIT
/*
 * ringcapd's captures over their life.  Each configured capture (struct
 * capture, daemon.h) is opened - its rings first, which need the
 * capabilities - then started (its files, as the service user, and its
 * workers), and stopped, reaped when a worker ends on its own, or
 * forgotten with its counters.  SIGUSR2 and `ringcap rotate` reach every
 * running capture's outputs from here.
 *
 * A capture whose interface does not exist waits for it: rtnetlink (or the
 * 1 s tick) wakes it when links change.  A running capture follows the
 * device it opened; when its name moves to another device, it stops and
 * starts again on whatever has the name.  A run whose worker does not stop
 * (stuck in a write or an open that never returns) is left in d->stuck,
 * never freed while its thread may still use it, and its capture does not
 * start again until it has ended: two runs never write one file.
 *
 * Thread: the daemon's main thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/log.h"
#include "../engine/run.h"
#include "daemon.h"

struct rc_run *stuck_run(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < RC_ARRAY_SIZE(d->stuck); i++)
		if (d->stuck[i].run && !strcmp(d->stuck[i].name, name))
			return d->stuck[i].run;
	return NULL;
}

/* "running", "stopped", or "failed: why" (cut to fit) */
static void capture_set_state(struct capture *s, const char *state, const char *why)
{
	snprintf(s->state, sizeof(s->state), "%s%s%.200s", state, why ? ": " : "",
		 why ? why : "");
}

bool capture_running(const struct capture *s)
{
	return s->run && !s->run->released && !s->run->stuck;
}

/* Forget a capture's last run (its counters go with it). */
void capture_forget(struct capture *s)
{
	rc_run_free(s->run);
	s->run = NULL;
	free(s->last_beat);
	s->last_beat = NULL;
}

/* A capture whose run is gone for good: its restart's gap too. */
void capture_free(struct capture *s)
{
	capture_forget(s);
	rc_run_gap_drop(&s->gap);
}

/*
 * Stop a running capture that a reload starts again with @next's settings
 * on the same interface: what goes through the interface until the new
 * run takes frames is counted from here (rc_run_gap).  @next NULL: on
 * another interface, not counted.
 */
void capture_stop_for_restart(struct daemon *d, struct capture *s, const char *why,
			      const struct rc_capture_conf *next)
{
	char err[512] = "";

	if (next && capture_running(s) && rc_run_gap_begin(s->run, next, &s->gap, err,
							    sizeof(err)) < 0)
		log_warn("capture %s: the frames its restart misses are not counted: %s",
			 s->conf->name, err);
	capture_stop(d, s, why);
	rc_run_gap_stopped(&s->gap, s->run);  /* NULL: left behind, counted when it ends */
}

/* A restart's gap ends: the new run (s->run) started, or the capture did
 * not start again. */
static void end_gap(struct capture *s, bool started)
{
	uint64_t gap, ms;

	if (!rc_run_gap_end(&s->gap, started, &gap, &ms))
		return;
	s->unseen += gap;
	if (gap && started)
		log_warn("capture %s: %" PRIu64 " frames went through %s in the %" PRIu64 " ms "
			 "between the old run's stop and the new run's start, and no run took them",
			 s->conf->name, gap, s->conf->iface, ms);
	else if (gap)
		log_warn("capture %s: %" PRIu64 " frames went through %s in the %" PRIu64 " ms "
			 "after the old run's stop, and no run took them: the capture did not start "
			 "again", s->conf->name, gap, s->conf->iface, ms);
}

/* Rings first (privileged); outputs come later, after the drop. */
static int open_run(struct daemon *d, struct capture *s)
{
	char err[1024], label[128];
	int r;

	capture_forget(s);
	s->waiting = false;
	if (stuck_run(d, s->conf->name)) {
		s->waiting = true;
		capture_set_state(s, "stuck", "its last run's worker is still in a write or an open "
				  "that does not return; the capture starts again when it ends");
		return -EBUSY;
	}
	snprintf(label, sizeof(label), "capture %s", s->conf->name);
	r = rc_run_open(s->conf, d->events, label, &s->run, err, sizeof(err));
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
	if (r == -ECANCELED) {
		/* a stop signal came while it waited for its AF_XDP queue */
		log_info("capture %s: not started: %s", s->conf->name, err);
		capture_set_state(s, "stopped", err);
		s->run = NULL;
		return r;
	}
	if (r < 0) {
		log_err("capture %s: %s", s->conf->name, err);
		capture_set_state(s, "failed", err);
		s->run = NULL;
		return r;
	}
	s->run->retry = true;
	return 0;
}

int capture_open(struct daemon *d, struct capture *s)
{
	int r = open_run(d, s);

	/* after a run left behind, the gap goes on until it ends and this one
	 * starts (wake_waiting) */
	if (r >= 0)
		rc_run_gap_freeze(&s->gap, s->run);  /* its sockets take frames now */
	else if (!(r == -EBUSY && s->waiting))
		end_gap(s, false);
	return r;
}

int capture_start(struct daemon *d, struct capture *s)
{
	char err[1024] = "";
	int r;

	if (!s->run)
		return -ENODEV;
	r = rc_run_open_outputs(s->run, err, sizeof(err));
	if (r >= 0)
		r = rc_run_start(s->run, 0, 2 * s->conf->ring.retire_tov_ms + 500, -1, d->done_fd);
	if (r < 0) {
		log_err("capture %s: %s", s->conf->name, r == -EINVAL || err[0] ? err : strerror(-r));
		capture_set_state(s, "failed", err[0] ? err : strerror(-r));
		capture_forget(s);
		end_gap(s, false);
		return r;
	}
	free(s->last_beat);
	s->last_beat = calloc(s->run->nworkers, sizeof(*s->last_beat));
	s->started_ns = mono_ns();
	capture_set_state(s, "running", NULL);
	log_info("capture %s: running on %s with %u worker%s", s->conf->name, s->conf->iface,
		 s->run->nworkers, s->run->nworkers == 1 ? "" : "s");
	end_gap(s, true);
	return 0;
}

/*
 * What a run did, for the journal when it stops.  A run left behind has
 * frames its worker took from the ring but has neither written nor counted
 * lost yet: they are said as such, so the numbers add up (received =
 * dropped + written + lost + held), and its tally is said again when it
 * ends.
 */
static void log_tally(const char *name, struct rc_run *run, const char *why)
{
	struct rc_run_stats t;
	uint64_t done, held = 0, filtered;
	char heldtxt[96] = "", filtxt[96] = "";

	rc_run_total_stats(run, &t);
	/* a filter that runs in user space rejects frames received */
	filtered = t.sink.filtered + t.src.xdp_filtered;
	done = t.src.kernel_drops + t.sink.frames + t.sink.lost + t.lost_at_stop + filtered;
	if (run->stuck && t.src.received > done)
		held = t.src.received - done;
	if (held)
		snprintf(heldtxt, sizeof(heldtxt), ", %" PRIu64 " held by the worker, not yet "
			 "written or lost", held);
	if (filtered)
		snprintf(filtxt, sizeof(filtxt), ", %" PRIu64 " rejected by filters in user space",
			 filtered);
	log_info("capture %s: %s: %" PRIu64 " frames received, %" PRIu64 " dropped by "
		 "the kernel, %" PRIu64 " frames written%s, %" PRIu64 " lost%s, %" PRIu64 " files",
		 name, why, t.src.received, t.src.kernel_drops, t.sink.frames, filtxt,
		 t.sink.lost + t.lost_at_stop, heldtxt, t.sink.files);
	for (unsigned k = 0; k < run->nworkers; k++)
		for (unsigned o = 0, n = rc_run_noutputs(run, k); o < n; o++) {
			struct rc_run_output out;

			rc_run_output(run, k, o, &out);
			if (n == 1 && run->nworkers == 1 && !out.st.lost && !held)
				continue;  /* the line above says it all */
			log_info("capture %s worker %u output %u: %s: %" PRIu64 " frames written, %"
				 PRIu64 " lost%s%s", name, k, o, out.path, out.st.frames,
				 out.st.lost, out.why[0] ? "; last error: " : "", out.why);
		}
}

/* Stuck runs that have ended after all: their last tally is said, then
 * they are freed; their captures may start again (wake_waiting). */
void reap_stuck(struct daemon *d)
{
	for (size_t i = 0; i < RC_ARRAY_SIZE(d->stuck); i++) {
		struct stuck_run *t = &d->stuck[i];

		if (!t->run || rc_run_join_timeout(t->run, 0) == -ETIMEDOUT)
			continue;
		log_tally(t->name, t->run, "the worker left behind has ended");
		for (size_t k = 0; k < d->ncaptures; k++)
			if (!strcmp(d->captures[k].conf->name, t->name))
				rc_run_gap_old_ended(&d->captures[k].gap, t->run);
		rc_run_free(t->run);
		t->run = NULL;
	}
}

#define STOP_IDLE_MS 3000u    /* a worker that made no progress that long is stuck */
#define STOP_MAX_MS 10000u    /* systemd's TimeoutStopSec is 15 s */

/* Stop a running capture; its counters stay until it is started again. */
void capture_stop(struct daemon *d, struct capture *s, const char *why)
{
	char what[256];

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
		log_tally(s->conf->name, s->run, "stopped (left behind)");
		capture_set_state(s, "stuck", "a worker did not stop; the capture starts again "
				  "when it ends");
		for (i = 0; i < RC_ARRAY_SIZE(d->stuck) && d->stuck[i].run; i++)
			;
		if (i < RC_ARRAY_SIZE(d->stuck)) {
			snprintf(d->stuck[i].name, sizeof(d->stuck[i].name), "%s", s->conf->name);
			d->stuck[i].run = s->run;
		}
		/* never freed here: its thread may still use it; its settings
		 * go with the configuration at the next reload */
		s->run->conf = NULL;
		s->run = NULL;
		s->waiting = true;
		free(s->last_beat);
		s->last_beat = NULL;
		return;
	}
	rc_run_release(s->run);
	snprintf(what, sizeof(what), "stopped (%s)", why);
	log_tally(s->conf->name, s->run, what);
	capture_set_state(s, "stopped", NULL);
	free(s->last_beat);
	s->last_beat = NULL;
}

/* A worker ended on its own (interface gone, every output failed). */
void reap(struct daemon *d)
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
void check_renamed(struct daemon *d)
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
void wake_waiting(struct daemon *d)
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
int netlink_open(void)
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
bool netlink_drain(int fd)
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

/* SIGUSR2 or `ringcap rotate`: every output of every running capture
 * closes its file and starts the next.  Returns how many captures. */
unsigned rotate_all(struct daemon *d)
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

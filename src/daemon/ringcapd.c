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
 *
 * This file: start-up, the main loop, the periodic work and the control
 * socket's requests.  The captures' life is in capture.c, reloading in
 * reload.c; daemon.h holds what they share.
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
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "../capture/xdp_env.h"
#include "../common/clock.h"
#include "../common/event.h"
#include "../common/log.h"
#include "../common/stdfd.h"
#include "../common/stopsig.h"
#include "../common/units.h"
#include "../config/dropins.h"
#include "../config/yaml.h"
#include "../engine/ifaces.h"
#include "../engine/run.h"
#include "control.h"
#include "../common/privs.h"
#include "daemon.h"
#include "prom.h"
#include "report.h"
#include "rundir.h"

#ifndef RC_VERSION
#define RC_VERSION "0.1.0"
#endif
#define DEFAULT_CONFIG "/etc/ringcap/ringcap.yaml"

static void usage(FILE *f)
{
	fputs("usage: ringcapd [-c FILE] [-n] [-d] [-V]\n"
	      "  -c FILE  configuration file (default " DEFAULT_CONFIG ")\n"
	      "  -n       check the configuration and exit\n"
	      "  -d       debug logging\n"
	      "  -V       print the version\n", f);
}

/* Warnings about the system, not the file: to stderr (-n) or the log. */
static void warn_diag(const struct rc_diag *diag, bool plain, const char *suffix)
{
	for (unsigned i = 0; i < diag->n; i++) {
		if (plain)
			fprintf(stderr, "warning: %s\n", diag->msg[i].text);
		else
			log_warn("%s%s", diag->msg[i].text, suffix);
	}
}

/* Load and fully check a configuration; on errors log them all (plain on
 * stderr with @plain), and copy them to @also (a control client) if set. */
int load_config(const char *path, struct rc_config **ret, bool plain, FILE *also)
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
		warn_diag(&diag, plain, "; the capture waits for it");
	/* memory beyond the machine's: the kernel may refuse it, say so first */
	rc_diag_init(&diag);
	if (rc_memory_check(c, &diag) < 0)
		warn_diag(&diag, plain, "");
	*ret = c;
	return 0;
}

static size_t fill_report(struct daemon *d, struct rc_report_capture *out)
{
	uint64_t now = mono_ns();

	for (size_t i = 0; i < d->ncaptures; i++) {
		struct capture *s = &d->captures[i];

		out[i].name = s->conf->name;
		out[i].iface = s->conf->iface;
		out[i].state = s->state;
		/* a run left behind still counts what its worker does */
		out[i].run = s->run ? s->run : stuck_run(d, s->conf->name);
		out[i].unseen = s->unseen;
		out[i].running = capture_running(s);
		out[i].uptime_s = out[i].running ? (now - s->started_ns) / 1000000000ULL : 0;
	}
	return d->ncaptures;
}

/* ---- periodic work -------------------------------------------------------- */

/*
 * The Prometheus file: the text is made here, in memory; the writer thread
 * (prom.c) puts it on disk, so a file system that does not answer never
 * holds the main thread.
 */
static void write_prometheus(struct daemon *d)
{
	struct rc_report_capture *caps = calloc(d->ncaptures ? d->ncaptures : 1, sizeof(*caps));
	uint64_t stuck_after = 2 * d->cfg->prometheus_interval_ns;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!caps)
		return;
	if (!d->prom && prom_writer_start(d->events, &d->prom) < 0) {
		log_warn("cannot start the Prometheus file's writer: %s", strerror(ENOMEM));
		free(caps);
		return;
	}
	f = open_memstream(&text, &len);
	if (f) {
		fill_report(d, caps);
		rc_report_prometheus(f, caps, d->ncaptures);
	}
	if (!f || fclose(f) != 0) {
		free(text);
		free(caps);
		return;
	}
	if (stuck_after < 5000000000ULL)
		stuck_after = 5000000000ULL;
	if (prom_writer_post(d->prom, d->cfg->prometheus_path, text, len, stuck_after))
		log_warn("the Prometheus file %s has not been written for %" PRIu64 " s: its file "
			 "system does not answer; the newest counters wait", d->cfg->prometheus_path,
			 (uint64_t)(stuck_after / 1000000000ULL));
	free(caps);
}

void send_status(struct daemon *d)
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
	sigset_t set, stop;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return -errno;
	/* HUP reloads: only these two stop a set-up step that waits */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	rc_stop_signals(&stop);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/* a file size limit is a write error (EFBIG), not a kill */
	signal(SIGXFSZ, SIG_IGN);
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
		r = capture_open(d, &d->captures[i]);
		if (r == -ECANCELED) {
			log_info("stopping: a stop signal came during start-up");
			return 0;
		}
		if (r < 0 && !d->captures[i].waiting)
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
			for (size_t i = 0; i < d->ncaptures; i++)
				rc_run_gap_poll(&d->captures[i].gap);
			reap_stuck(d);
			check_renamed(d);
			wake_waiting(d);
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
	if (d->cfg->prometheus_path)
		write_prometheus(d); /* the final counters */
	if (!prom_writer_finish(d->prom, 2000))
		log_warn("the Prometheus file %s was not written at stop: its file system does "
			 "not answer", d->cfg->prometheus_path);
	d->prom = NULL;
	rc_events_drain(d->events, log_event, d);
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
		capture_free(&d.captures[i]);
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

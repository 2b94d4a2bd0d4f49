// SPDX-License-Identifier: MIT
/*
 * `ringcap capture`: one capture, one file output, tcpdump's habits: one
 * interface, several, or "any"; or frames read from a file (-r); -z's
 * commands after each file (postrotate.h); -D lists the interfaces
 * (ifaces.c).
 *
 * The main thread owns signals (signalfd), the once-a-second status line
 * and the --duration limit; one worker thread walks the ring and writes the
 * file.  Exit status: 0 after a normal stop (signal, -c, --duration), 2 for
 * bad input (flags, interface, filter, path, privilege), 1 for a failure
 * while running (write error, interface gone).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"
#include "../common/cleanup.h"
#include "../common/counter.h"
#include "../common/event.h"
#include "../common/log.h"
#include "../common/privs.h"
#include "../common/stdfd.h"
#include "../common/stopsig.h"
#include "../common/units.h"
#include "../engine/run.h"
#include "args.h"
#include "cli.h"
#include "postrotate.h"

static inline uint64_t mono_ns(void)
{
	return rc_clock_ns(CLOCK_MONOTONIC);
}

/* "EN10MB (Ethernet)", as tcpdump says it. */
static const char *dlt_desc(int dlt, char *buf, size_t len)
{
	const char *name = pcap_datalink_val_to_name(dlt);
	const char *desc = pcap_datalink_val_to_description(dlt);

	snprintf(buf, len, "%s (%s)", name ? name : "?", desc ? desc : "unknown");
	return buf;
}

/* "eth0" or "eth0, eth1"; with their link types when they differ. */
static const char *iface_list(const struct rc_source *src, char *buf, size_t len)
{
	size_t n = 0;
	bool same = true;

	for (unsigned i = 1; i < src->n_ifaces; i++)
		same &= src->ifaces[i].dlt == src->ifaces[0].dlt;
	buf[0] = 0;
	for (unsigned i = 0; i < src->n_ifaces && n < len; i++) {
		const char *lt = pcap_datalink_val_to_name(src->ifaces[i].dlt);

		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", src->ifaces[i].name);
		if (!same && n < len)
			n += (size_t)snprintf(buf + n, len - n, " (%s)", lt ? lt : "?");
	}
	return buf;
}

struct run {
	struct rc_run *r;
	uint64_t start_ns;
	uint64_t last_frames, last_ns;
	double rate;
	bool status_line;
	bool forwarding;
	bool files;
	const char *read_file;   /* -r */
};

static void status_line(struct run *run, bool final);


static void status_line(struct run *run, bool final)
{
	struct rc_run_stats st;
	uint64_t frames, bytes, now = mono_ns();
	char sz[32], line[256];
	int n;

	if (!run->status_line)
		return;
	if (final) {
		fputs("\r\033[K", stderr);
		return;
	}
	rc_run_total_stats(run->r, &st);
	frames = st.delivered;
	bytes = st.delivered_bytes;
	if (now > run->last_ns)
		run->rate = (double)(frames - run->last_frames) * 1e9 / (double)(now - run->last_ns);
	run->last_frames = frames;
	run->last_ns = now;
	n = snprintf(line, sizeof(line),
		     "\r\033[K%" PRIu64 " frames  %s  %.0f frames/s  %" PRIu64 " dropped by kernel",
		     frames, rc_format_size(sz, sizeof(sz), bytes), run->rate, st.src.kernel_drops);
	if (n > 0)
		fwrite(line, 1, (size_t)n, stderr);
}

static void summary(struct run *run)
{
	struct rc_run_stats t;
	const struct rc_source_stats *st = &t.src;
	const struct rc_sink_stats *ss = &t.sink;

	uint64_t captured;

	rc_run_total_stats(run->r, &t);
	if (run->read_file) {
		/* a file read: no kernel, no ring */
		fprintf(stderr, "%" PRIu64 " packet%s read from %s\n",
			st->received + st->user_filtered, st->received + st->user_filtered == 1 ?
			"" : "s", strcmp(run->read_file, "-") ? run->read_file : "standard input");
		if (st->user_filtered)
			fprintf(stderr, "%" PRIu64 " packets rejected by the filter\n",
				st->user_filtered);
		fprintf(stderr, "%" PRIu64 " packet%s written\n", ss->frames,
			ss->frames == 1 ? "" : "s");
		if (ss->lost)
			fprintf(stderr, "%" PRIu64 " packets were not written because of an output "
				"error\n", ss->lost);
		if (ss->files > 1 || ss->removed)
			fprintf(stderr, "%" PRIu64 " files written, %" PRIu64 " removed by "
				"rotation\n", ss->files, ss->removed);
		return;
	}
	/* forwarding only, no file: what was taken from the ring */
	captured = run->files ? ss->frames : t.delivered;
	fprintf(stderr, "%" PRIu64 " packet%s captured\n", captured, captured == 1 ? "" : "s");
	fprintf(stderr, "%" PRIu64 " packet%s received by filter\n", st->received,
		st->received == 1 ? "" : "s");
	fprintf(stderr, "%" PRIu64 " packet%s dropped by kernel\n", st->kernel_drops,
		st->kernel_drops == 1 ? "" : "s");
	if (ss->filtered)
		fprintf(stderr, "%" PRIu64 " packets rejected by the filter in user space\n",
			ss->filtered);
	if (t.lost_at_stop)
		fprintf(stderr, "%" PRIu64 " packets still in the ring at stop were not written\n",
			t.lost_at_stop);
	if (ss->lost)
		fprintf(stderr, "%" PRIu64 " packets were not written because of an output error\n",
			ss->lost);
	if (t.end == RC_WORKER_COUNT_REACHED && st->received > st->kernel_drops + t.delivered +
	    t.lost_at_stop + st->xdp_filtered)
		/* as tcpdump, -c ends without writing what came after: said, not silent */
		fprintf(stderr, "%" PRIu64 " packets arrived after the count (-c) was reached and "
			"were not written\n", st->received - st->kernel_drops - t.delivered -
			t.lost_at_stop - st->xdp_filtered);
	if (st->seq_gaps)
		fprintf(stderr, "%" PRIu64 " ring blocks missing (sequence gaps)\n", st->seq_gaps);
	if (st->malformed)
		fprintf(stderr, "%" PRIu64 " malformed ring blocks\n", st->malformed);
	if (st->xdp_filtered)
		fprintf(stderr, "%" PRIu64 " packets rejected by the filter in user space\n",
			st->xdp_filtered);
	if (st->xdp_kernel_filtered)
		fprintf(stderr, "%" PRIu64 " packets rejected by the filter in the XDP program\n",
			st->xdp_kernel_filtered);
	if (st->xdp_ring_full || st->xdp_fill_empty || st->xdp_invalid_descs)
		fprintf(stderr, "AF_XDP: %" PRIu64 " RX ring full, %" PRIu64 " FILL ring empty, %" PRIu64
			" invalid descriptors\n", st->xdp_ring_full, st->xdp_fill_empty,
			st->xdp_invalid_descs);
	if (st->xdp_ts_fallback)
		fprintf(stderr, "%" PRIu64 " packets without the XDP timestamp (stamped on arrival "
			"in user space)\n", st->xdp_ts_fallback);
	if (run->forwarding) {
		fprintf(stderr, "%" PRIu64 " packet%s forwarded over RDMA in %" PRIu64 " blocks (%s), "
			"%" PRIu64 " not delivered\n", ss->fwd_frames, ss->fwd_frames == 1 ? "" : "s",
			ss->fwd_blocks, ss->fwd_copied ? "copy mode for some" : "zero-copy",
			ss->fwd_lost);
		fprintf(stderr, "RDMA: %" PRIu64 " blocks without credit, %" PRIu64 " held, %" PRIu64
			" reconnects, %" PRIu64 " bytes written, %" PRIu64 " bytes copied in user space\n",
			ss->fwd_no_credit, ss->fwd_held, ss->fwd_reconnects, ss->fwd_wire_bytes,
			ss->fwd_copied);
	}
	if (ss->files > 1 || ss->removed)
		fprintf(stderr, "%" PRIu64 " files written, %" PRIu64 " removed by rotation\n",
			ss->files, ss->removed);
}

/*
 * Signals arrive through a signalfd, so they are blocked here.  A signal
 * whose disposition is SIG_IGN is discarded even while blocked, and a
 * shell starts background jobs with SIGINT ignored: put INT and TERM back
 * to default first, as tcpdump does with its handlers.  An ignored HUP
 * (nohup) stays ignored.  Shared by every long-running subcommand.
 */
int rc_cli_signalfd(bool usr1)
{
	struct sigaction sa;
	sigset_t set, stop;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (usr1) {
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGUSR2);
	}
	if (sigaction(SIGHUP, NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
		sigaddset(&set, SIGHUP);
	/* all of them stop, but USR1 (a summary) and USR2 (a rotation) */
	stop = set;
	sigdelset(&stop, SIGUSR1);
	sigdelset(&stop, SIGUSR2);
	rc_stop_signals(&stop);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return -errno;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (usr1) {
		signal(SIGUSR1, SIG_DFL);
		signal(SIGUSR2, SIG_DFL);
	}
	signal(SIGPIPE, SIG_IGN);
	/* a file size limit (ulimit -f) is a write error (EFBIG) like a full
	 * disk: the file is cut back and the frames counted, not a kill */
	signal(SIGXFSZ, SIG_IGN);
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* -Z USER: become USER with no privileges left, as tcpdump does. */
static int run_as(const char *user, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;
	int r;

	r = rc_privs_lookup(user, NULL, &uid, &gid, err, errlen);
	if (r < 0) {
		/* rc_privs_lookup's advice is the daemon's: say it for -Z */
		snprintf(err, errlen, "-Z: user '%s' does not exist", user);
		return r;
	}
	if (uid == 0)
		return 0;  /* -Z root: stay */
	return rc_privs_drop_all(user, uid, gid, err, errlen);
}

/* A stop that sees no progress for this long gives up on the worker. */
#define STOP_IDLE_NS (3000ULL * 1000000ULL)

/* Moves while any worker makes progress. */
static uint64_t run_progress(struct rc_run *r)
{
	struct rc_run_stats t;

	rc_run_total_stats(r, &t);
	return t.delivered + t.heartbeat;
}

/* An event from a worker or an output: said when it happens. */
static void say_event(void *arg, enum rc_log_level lvl, const char *msg)
{
	struct run *run = arg;

	if (run)
		status_line(run, true);  /* clear the status line first */
	rc_log(lvl, "%s", msg);
}

/*
 * Wait until every worker has started its outputs (the first files are
 * opened on the workers, not here), while still answering signals.
 * Returns 1 when all are up, 0 when a signal asked to stop first, -errno.
 */
static int wait_started(struct run *run, int sfd, int ready_fd, struct rc_events *ev)
{
	unsigned up = 0;

	while (up < run->r->nworkers) {
		struct pollfd pfd[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = ready_fd, .events = POLLIN },
			{ .fd = rc_events_fd(ev), .events = POLLIN },
		};
		uint64_t v;

		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[2].revents & POLLIN)
			rc_events_drain(ev, say_event, NULL);
		if ((pfd[1].revents & POLLIN) && read(ready_fd, &v, sizeof(v)) == sizeof(v))
			up += (unsigned)v;
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGUSR1 &&
			    si.ssi_signo != SIGUSR2)
				return 0;
		}
	}
	return 1;
}

/* An output that could not even be started: a bad path, the caller's. */
static bool output_dead(const struct rc_run *r)
{
	for (unsigned k = 0; k < r->nworkers; k++)
		for (unsigned i = 0; i < r->workers[k].nsinks; i++)
			if (r->workers[k].sinks[i]->dead)
				return true;
	return false;
}

int rc_cli_capture(int argc, char **argv)
{
	struct rc_capture_args a;
	struct run run = { 0 };
	struct rc_events *ev = NULL;
	struct rc_postrotate *post = NULL;
	char err[1024] = "", sz[32], lt[128], names[1024];
	_cleanup_close_ int sfd = -1, done_fd = -1, ready_fd = -1;
	int r, end, ret = RC_EXIT_OK;
	bool stopping = false, stuck = false;
	uint64_t stop_seen = 0, last_progress = 0;

	r = rc_args_parse_capture(argc, argv, rc_cli_iface_names, &a, err, sizeof(err));
	if (r == RC_ARGS_EXIT) {
		if (a.help)
			fputs(rc_capture_usage, stdout);
		else
			printf("ringcap %s\n", RC_VERSION);
		rc_args_free(&a);
		return RC_EXIT_OK;
	}
	if (r < 0) {
		log_err("%s", err[0] ? err : strerror(-r));
		fputs("Try 'ringcap capture --help'.\n", stderr);
		rc_args_free(&a);
		return RC_EXIT_USAGE;
	}
	if (a.list_ifaces) {
		rc_args_free(&a);
		return rc_cli_list_ifaces();
	}

	for (size_t i = 0; i < a.cap.n_pcaps; i++)
		if (!strcmp(a.cap.pcaps[i].path, "-") && (rc_stdfd_were_closed() & 2)) {
			log_err("-w -: standard output is closed (or a packet socket, which "
				"would put the capture on the wire); give a file name, or a pipe");
			rc_args_free(&a);
			return RC_EXIT_USAGE;
		}
	/* A live capture takes SIGINT and SIGTERM from here on: one that comes
	 * during set-up waits for it to finish (or ends a wait for a busy
	 * AF_XDP queue), and never kills ringcap with its XDP program attached.
	 * -r opens a file that can be a FIFO without a writer yet: until it is
	 * open, SIGINT and SIGTERM end ringcap at once (nothing to undo), even
	 * in a background job, which a shell starts with SIGINT ignored. */
	if (!a.cap.read_file) {
		sfd = rc_cli_signalfd(true);
		if (sfd < 0) {
			log_err("cannot set up signal handling: %s", strerror(-sfd));
			rc_args_free(&a);
			return RC_EXIT_FAILURE;
		}
	} else {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
	}
	r = rc_events_new(&ev);
	if (r < 0) {
		log_err("cannot set up the event queue: %s", strerror(-r));
		rc_args_free(&a);
		return RC_EXIT_FAILURE;
	}

	/* everything that can fail before capture starts is the caller's input */
	r = rc_run_open(&a.cap, ev, NULL, &run.r, err, sizeof(err));
	if (r == -ECANCELED) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;
		char sig[32] = "a signal";

		/* the one that stopped the wait, not USR1 sent before it */
		while (poll(&pfd, 1, 0) == 1 && read(sfd, &si, sizeof(si)) == sizeof(si))
			if (rc_is_stop_signal((int)si.ssi_signo)) {
				snprintf(sig, sizeof(sig), "SIG%s", sigabbrev_np((int)si.ssi_signo));
				break;
			}
		log_info("stopped by %s before the capture started (%s); nothing captured", sig,
			 err);
		rc_events_free(ev);
		rc_args_free(&a);
		return RC_EXIT_OK;
	}
	if (r >= 0) {
		/* -Z: the sockets are open; the files are made by the user */
		if (a.run_as)
			r = run_as(a.run_as, err, sizeof(err));
	}
	if (r >= 0 && a.postrotate) {
		/* after -Z: the commands run as the user the files belong to */
		r = rc_postrotate_new(a.postrotate, ev, &post);
		if (r < 0)
			snprintf(err, sizeof(err), "-z: cannot start: %s", strerror(-r));
	}
	if (r >= 0) {
		if (post) {
			run.r->closed = rc_postrotate_file;
			run.r->closed_arg = post;
		}
		r = rc_run_open_outputs(run.r, err, sizeof(err));
	}
	if (r < 0) {
		if (r == -EBADMSG && a.cap.filter)
			log_err("bad filter expression '%s': %s", a.cap.filter, err);
		else
			log_err("%s", err);
		rc_run_free(run.r);
		if (post) {
			rc_postrotate_finish(post);
			rc_postrotate_free(post);
		}
		rc_events_free(ev);
		rc_args_free(&a);
		return RC_EXIT_USAGE;
	}

	if (sfd < 0)
		sfd = rc_cli_signalfd(true);
	if (sfd >= 0)
		done_fd = eventfd(0, EFD_CLOEXEC);
	if (done_fd >= 0)
		ready_fd = eventfd(0, EFD_CLOEXEC);
	if (sfd < 0 || done_fd < 0 || ready_fd < 0) {
		log_err("cannot set up signal handling: %s", strerror(errno));
		ret = RC_EXIT_FAILURE;
		goto out;
	}
	run.forwarding = a.cap.n_rdmas > 0;
	run.files = a.cap.n_pcaps > 0;
	run.read_file = a.cap.read_file;

	run.start_ns = run.last_ns = mono_ns();
	r = rc_run_start(run.r, a.count, 2 * a.cap.ring.retire_tov_ms + 200, ready_fd, done_fd);
	if (r < 0) {
		log_err("cannot start the capture thread: %s", strerror(-r));
		ret = RC_EXIT_FAILURE;
		goto out;
	}
	r = wait_started(&run, sfd, ready_fd, ev);
	/* a signal before every worker was up, or an output that could not
	 * even be started: stop here */
	if (r <= 0 || output_dead(run.r)) {
		rc_run_request_stop(run.r);
		rc_run_join(run.r);
		rc_events_drain(ev, say_event, NULL);
		if (r < 0) {
			log_err("poll: %s", strerror(-r));
			ret = RC_EXIT_FAILURE;
		} else if (output_dead(run.r)) {
			/* a signal as it started does not make a bad path right */
			ret = RC_EXIT_USAGE;
		} else {
			summary(&run);
		}
		goto out;
	}

	if (a.cap.read_file)
		log_info("reading from file %s, link-type %s, snapshot length %u bytes",
			 strcmp(a.cap.read_file, "-") ? a.cap.read_file : "-",
			 dlt_desc(run.r->workers[0].src->dlt, lt, sizeof(lt)),
			 run.r->workers[0].src->snaplen);
	else if (a.cap.backend == RC_BACKEND_AFXDP)
		log_info("listening on %s, link-type %s, snapshot length %u bytes, AF_XDP on %u "
			 "RX queue%s, UMEM %s per queue", a.cap.iface,
			 dlt_desc(run.r->workers[0].src->dlt, lt, sizeof(lt)), a.cap.snaplen,
			 run.r->nworkers, run.r->nworkers == 1 ? "" : "s",
			 rc_format_size(sz, sizeof(sz),
					(uint64_t)a.cap.xdp.frame_count * a.cap.xdp.frame_size));
	else
		log_info("listening on %s, link-type %s, snapshot length %u bytes, ring %s%s",
			 iface_list(run.r->workers[0].src, names, sizeof(names)),
			 dlt_desc(run.r->workers[0].src->dlt, lt, sizeof(lt)),
			 run.r->workers[0].src->snaplen, rc_format_size(sz, sizeof(sz),
					(uint64_t)a.cap.ring.block_nr * a.cap.ring.block_size),
			 a.cap.n_ifaces > 1 ? " each" : "");
	run.status_line = !a.quiet && isatty(STDERR_FILENO);

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = done_fd, .events = POLLIN },
			{ .fd = rc_events_fd(ev), .events = POLLIN },
		};
		int timeout = run.forwarding || stopping ? 100 : 1000;
		uint64_t now = mono_ns();

		if (a.duration_ns && !stopping) {
			uint64_t end_at = run.start_ns + a.duration_ns;

			if (now >= end_at) {
				stopping = true;
				rc_run_request_stop(run.r);
				stop_seen = mono_ns();
				continue;
			}
			if ((end_at - now) / 1000000 < 1000)
				timeout = (int)((end_at - now) / 1000000) + 1;
		}
		r = poll(pfd, 3, timeout);
		if (r < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			rc_run_request_stop(run.r);
			break;
		}
		if (r > 0 && (pfd[2].revents & POLLIN))
			rc_events_drain(ev, say_event, &run);
		if (r > 0 && (pfd[1].revents & POLLIN))
			break;
		if (r > 0 && (pfd[0].revents & POLLIN)) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGUSR1) {
					status_line(&run, true);
					summary(&run);
				} else if (si.ssi_signo == SIGUSR2) {
					rc_run_rotate(run.r);
				} else if (!stopping) {
					stopping = true;
					rc_run_request_stop(run.r);
					stop_seen = mono_ns();
				} else {
					/* a second signal: the operator will not wait */
					stuck = true;
					break;
				}
			}
			continue;
		}
		if (stopping) {
			/* a writer that makes no progress (a reader that stopped
			 * reading, a hung mount) must not keep us here for good */
			uint64_t p = run_progress(run.r);

			if (p != last_progress) {
				last_progress = p;
				stop_seen = mono_ns();
			} else if (mono_ns() - stop_seen >= STOP_IDLE_NS) {
				stuck = true;
				break;
			}
		}
		if (r == 0 && !stopping && mono_ns() - run.last_ns >= 1000000000ULL)
			status_line(&run, false);
	}
	if (stuck) {
		status_line(&run, true);
		rc_events_drain(ev, say_event, NULL);
		log_err("the capture thread does not stop: it is stuck writing (a reader that "
			"stopped reading, a hung mount?); exiting without it, the files as they are");
		summary(&run);
		rc_events_free(ev);
		rc_args_free(&a);
		return RC_EXIT_FAILURE;  /* never freed: its threads may still use it */
	}
	end = rc_run_join(run.r);
	status_line(&run, true);
	if (post) {
		rc_events_drain(ev, say_event, NULL);  /* "commands wait" before the wait */
		rc_postrotate_finish(post);  /* every file's command, and wait for them */
	}
	rc_events_drain(ev, say_event, NULL);
	if (end == RC_WORKER_SOURCE_FAILED && a.cap.read_file) {
		log_err("%s", run.r->workers[0].w.err);
		ret = RC_EXIT_FAILURE;
	} else if (end == RC_WORKER_SOURCE_FAILED) {
		log_err("capture on %s stopped: %s", a.cap.iface, run.r->workers[0].w.err);
		ret = RC_EXIT_FAILURE;
	} else if (rc_run_sink_error(run.r)) {
		ret = RC_EXIT_FAILURE;
	} else {
		struct rc_run_stats t;

		/* an output that could not write (a FIFO without a reader) lost
		 * frames: a fault while running, whatever else went well */
		rc_run_total_stats(run.r, &t);
		if (t.sink.lost)
			ret = RC_EXIT_FAILURE;
	}
	summary(&run);
out:
	rc_run_free(run.r);
	if (post) {
		rc_postrotate_finish(post);
		rc_postrotate_free(post);
	}
	rc_events_drain(ev, say_event, NULL);
	rc_events_free(ev);
	rc_args_free(&a);
	return ret;
}

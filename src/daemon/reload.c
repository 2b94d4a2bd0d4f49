// SPDX-License-Identifier: MIT
/*
 * ringcapd's reloads (SIGHUP, `ringcap reload`).  The file is loaded and
 * checked on a thread of its own (loader_main), so that a big or hostile
 * file or a slow filter never holds the main loop; the main thread applies
 * the result when the loader says it is done (load_done).  A file with
 * errors changes nothing.  apply_config() stops removed and changed
 * captures first, keeps the others with their rings and files, swaps a
 * changed filter into the running sockets (which change needs what is the
 * engine's decision: rc_run_change_of), and starts the new ones.  Requests
 * that come while a load runs are answered by the next load.
 *
 * Threads: the main thread, but for loader_main(), which reads
 * d->config_path and writes only d->load until it signals d->load_fd;
 * the main thread joins it before it reads d->load.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "../common/log.h"
#include "../config/dropins.h"
#include "../engine/run.h"
#include "control.h"
#include "daemon.h"

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
uint64_t reload_request(struct daemon *d)
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
void load_done(struct daemon *d)
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
	char err[1024], swap_failed[512] = "";
	unsigned n_swap_failed = 0;

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
		else if (capture_running(old) && rc_run_change_of(old->run, nc) == RC_RUN_RESTART)
			/* the gap is counted if the interface stays the same */
			capture_stop_for_restart(d, old, "settings changed, restarting",
						 strcmp(old->conf->iface, nc->iface) ? NULL : nc);
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
			old->gap = (struct rc_run_gap){ .fd = -1 };
			ns->conf = &ncfg->captures[j];
			if (rc_run_change_of(ns->run, ns->conf) == RC_RUN_SWAP_FILTER) {
				int fr = rc_run_set_filter(ns->run, ns->conf->filter, err,
							   sizeof(err));

				if (fr == -EINVAL) {
					/* the kernel refused it: a new run puts it in user space */
					log_info("capture %s: the kernel does not take the new filter "
						 "(%s); restarting the capture", ns->conf->name, err);
					capture_stop_for_restart(d, ns, "new filter, run in user space",
								 ns->conf);
					if (capture_open(d, ns) == 0)
						capture_start(d, ns);
					continue;
				}
				if (fr < 0) {
					log_err("capture %s: new filter not applied: %s",
						ns->conf->name, err);
					n_swap_failed++;
					snprintf(swap_failed, sizeof(swap_failed), "capture %s: new "
						 "filter not applied: %.300s", ns->conf->name, err);
				} else {
					log_info("capture %s: filter is now '%s'%s%s", ns->conf->name,
						 ns->conf->filter ? ns->conf->filter : "",
						 fr > 0 ? "; " : "", fr > 0 ? err : "");
				}
			}
			ns->run->conf = ns->conf;
			continue;
		}
		/* new, changed, stopped or failed before: (re)started */
		if (old) {
			ns->unseen = old->unseen;
			/* a gap still open (its old run left behind) goes on, on
			 * the same interface: the new run ends it */
			if (!strcmp(old->conf->iface, ns->conf->iface)) {
				ns->gap = old->gap;
				old->gap = (struct rc_run_gap){ .fd = -1 };
			}
		}
		if (capture_open(d, ns) == 0)
			capture_start(d, ns);
	}
	for (size_t i = 0; i < d->ncaptures; i++)
		capture_free(&d->captures[i]);
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
		/* the old filter still runs there, the file says another one */
		if (n_swap_failed)
			fprintf(out, "%s\nerror: %u capture%s kept the old filter\n", swap_failed,
				n_swap_failed, n_swap_failed == 1 ? "" : "s");
	}
	sd_notify(0, "READY=1");
	send_status(d);
	return 0;
}

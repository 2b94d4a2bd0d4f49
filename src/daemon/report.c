// SPDX-License-Identifier: MIT
/*
 * Status and counter reports; see report.h.  Every counter comes from
 * rc_run_worker_stats() and rc_run_output(), so the forms always agree.
 *
 * `ringcap stats` is read by people: one block per capture, at most 100
 * columns, only the counters that apply to its backend and its outputs,
 * numbers with thousands separators and sizes in units, and what the
 * capture received kept apart from what each output wrote (a frame
 * written by two outputs is two writes, not two frames).  JSON and
 * Prometheus keep every counter, under the names ringcap(8) lists.
 */
#include "report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/units.h"

/* One table drives the text, JSON and Prometheus forms. */
struct counter {
	const char *key;     /* JSON / text name */
	const char *metric;  /* Prometheus name */
	const char *help;
	uint64_t (*get)(const struct rc_run_stats *s);
};

#define GETTER(name, expr) \
	static uint64_t name(const struct rc_run_stats *s) { return (expr); }
GETTER(g_frames, s->sink.frames)
GETTER(g_bytes, s->sink.bytes)
GETTER(g_received, s->src.received)
GETTER(g_drops, s->src.kernel_drops)
GETTER(g_filtered, s->sink.filtered)
GETTER(g_gaps, s->src.seq_gaps)
GETTER(g_errors, s->sink.errors)
GETTER(g_lost, s->sink.lost + s->lost_at_stop)
GETTER(g_files, s->sink.files)
GETTER(g_removed, s->sink.removed)
GETTER(g_blocks, s->src.blocks)
GETTER(g_xdp_filtered, s->src.xdp_filtered)
GETTER(g_xdp_kfiltered, s->src.xdp_kernel_filtered)
GETTER(g_xdp_fill_empty, s->src.xdp_fill_empty)
GETTER(g_xdp_ring_full, s->src.xdp_ring_full)
GETTER(g_xdp_invalid, s->src.xdp_invalid_descs)
GETTER(g_fwd_frames, s->sink.fwd_frames)
GETTER(g_fwd_bytes, s->sink.fwd_bytes)
GETTER(g_fwd_blocks, s->sink.fwd_blocks)
GETTER(g_fwd_lost, s->sink.fwd_lost)
GETTER(g_fwd_no_credit, s->sink.fwd_no_credit)
GETTER(g_fwd_reconnects, s->sink.fwd_reconnects)
GETTER(g_fwd_held, s->sink.fwd_held)
GETTER(g_fwd_copied, s->sink.fwd_copied)
GETTER(g_fwd_connected, s->sink.g.fwd_connected)
GETTER(g_fwd_credits, s->sink.g.fwd_credits)
GETTER(g_fwd_zero_copy, s->sink.g.fwd_zero_copy)
GETTER(g_delivered, s->delivered)
GETTER(g_delivered_bytes, s->delivered_bytes)
GETTER(g_lost_at_stop, s->lost_at_stop)
GETTER(g_user_filtered, s->src.user_filtered)

static const struct counter counters[] = {
	{ "frames", "ringcap_frames_total",
	  "Frames written, summed over the outputs (a frame two outputs wrote counts twice).",
	  g_frames },
	{ "bytes", "ringcap_bytes_total", "Bytes written to every output.", g_bytes },
	{ "received", "ringcap_received_total", "Frames that passed the kernel filter.",
	  g_received },
	{ "kernel_drops", "ringcap_kernel_drops_total", "Frames the kernel dropped: ring full.",
	  g_drops },
	{ "filter_drops", "ringcap_filter_drops_total",
	  "Frames rejected by an output's own filter.", g_filtered },
	{ "seq_gaps", "ringcap_seq_gaps_total", "Ring blocks missing from the sequence.",
	  g_gaps },
	{ "sink_errors", "ringcap_sink_errors_total", "Output write errors.", g_errors },
	{ "frames_lost", "ringcap_frames_lost_total",
	  "Frames taken in but not written (output error, stop).", g_lost },
	{ "files", "ringcap_files_total", "Files started.", g_files },
	{ "files_removed", "ringcap_files_removed_total", "Files deleted by rotation.",
	  g_removed },
	{ "blocks", "ringcap_blocks_total", "Ring blocks (AF_XDP: batches) taken from the kernel.",
	  g_blocks },
	{ "xdp_filtered", "ringcap_xdp_filtered_total",
	  "AF_XDP: frames rejected by the capture filter in user space.", g_xdp_filtered },
	{ "xdp_kernel_filtered", "ringcap_xdp_kernel_filtered_total",
	  "AF_XDP: frames rejected by the capture filter in the XDP program.", g_xdp_kfiltered },
	{ "xdp_fill_empty", "ringcap_xdp_fill_ring_empty_total", "AF_XDP: FILL ring ran dry.",
	  g_xdp_fill_empty },
	{ "xdp_ring_full", "ringcap_xdp_rx_ring_full_total", "AF_XDP: RX ring full.",
	  g_xdp_ring_full },
	{ "xdp_invalid_descs", "ringcap_xdp_invalid_descs_total", "AF_XDP: invalid descriptors.",
	  g_xdp_invalid },
	{ "rdma_frames", "ringcap_rdma_frames_total", "RDMA: frames the collector received.",
	  g_fwd_frames },
	{ "rdma_bytes", "ringcap_rdma_bytes_total", "RDMA: bytes of frames the collector received.",
	  g_fwd_bytes },
	{ "rdma_blocks", "ringcap_rdma_blocks_total", "RDMA: blocks written to the collector.",
	  g_fwd_blocks },
	{ "rdma_lost", "ringcap_rdma_frames_lost_total",
	  "RDMA: frames not delivered (no credit, not connected, failed write).", g_fwd_lost },
	{ "rdma_no_credit", "ringcap_rdma_no_credit_total",
	  "RDMA: blocks not forwarded for want of credits.", g_fwd_no_credit },
	{ "rdma_held", "ringcap_rdma_held_total",
	  "RDMA: blocks kept leased for want of credits (policy hold).", g_fwd_held },
	{ "rdma_reconnects", "ringcap_rdma_reconnects_total", "RDMA: connections after the first.",
	  g_fwd_reconnects },
	{ "rdma_copied_bytes", "ringcap_rdma_copied_bytes_total",
	  "RDMA: bytes copied in user space to forward (copy mode).", g_fwd_copied },
	{ "rdma_connected", "ringcap_rdma_connected", "RDMA: queue pairs connected now.",
	  g_fwd_connected },
	{ "rdma_credits", "ringcap_rdma_credits", "RDMA: writes that may be posted now.",
	  g_fwd_credits },
	{ "rdma_zero_copy", "ringcap_rdma_zero_copy",
	  "RDMA: queue pairs sending straight from capture memory.", g_fwd_zero_copy },
	{ "delivered", "ringcap_delivered_total",
	  "Frames taken from the kernel and handed to the outputs.", g_delivered },
	{ "delivered_bytes", "ringcap_delivered_bytes_total",
	  "Bytes (original lengths) of the frames handed to the outputs.", g_delivered_bytes },
	{ "lost_at_stop", "ringcap_lost_at_stop_total",
	  "Frames still in the ring at stop, not written.", g_lost_at_stop },
	{ "user_filtered", "ringcap_user_filtered_total",
	  "Frames rejected by a capture filter run in user space (files read).", g_user_filtered },
};

/* Per output, summed over workers (JSON "outputs", Prometheus ringcap_output_*). */
struct out_counter {
	const char *key, *metric, *help;
	size_t off;  /* in struct rc_sink_stats */
};

#define OC(k, m, h, f) { k, m, h, offsetof(struct rc_sink_stats, f) }
static const struct out_counter out_counters[] = {
	OC("frames", "ringcap_output_frames_total", "Frames this output wrote.", frames),
	OC("bytes", "ringcap_output_bytes_total",
	   "Bytes this output wrote, file and record headers included.", bytes),
	OC("filter_drops", "ringcap_output_filter_drops_total",
	   "Frames this output's own filter rejected.", filtered),
	OC("frames_lost", "ringcap_output_frames_lost_total",
	   "Frames this output was handed and did not write.", lost),
	OC("sink_errors", "ringcap_output_errors_total", "Write and open errors.", errors),
	OC("files", "ringcap_output_files_total", "Files this output started.", files),
	OC("files_removed", "ringcap_output_files_removed_total",
	   "Files this output deleted by rotation.", removed),
	OC("rdma_frames", "ringcap_output_rdma_frames_total",
	   "RDMA: frames the collector received.", fwd_frames),
	OC("rdma_lost", "ringcap_output_rdma_frames_lost_total",
	   "RDMA: frames not delivered.", fwd_lost),
};
#define N_OUT_COUNTERS (sizeof(out_counters) / sizeof(out_counters[0]))

static uint64_t oc_get(const struct rc_sink_stats *st, size_t j)
{
	uint64_t v;

	memcpy(&v, (const char *)st + out_counters[j].off, sizeof(v));
	return v;
}

#define N_COUNTERS (sizeof(counters) / sizeof(counters[0]))
#define WIDTH 100

/* JSON string: capture names are [A-Za-z0-9_.-] but paths may hold more */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* A name from outside (a path, an interface, a reason) for the text forms:
 * control characters as \xNN, as in log lines, so that none makes a line
 * of its own or reaches the reader's terminal.  At most 4 bytes a byte. */
#define ESC_LEN(n) (4 * (n) + 1)
static const char *esc(char *buf, size_t len, const char *s)
{
	rc_log_escape(buf, len, s ? s : "", s ? strlen(s) : 0);
	return buf;
}

void rc_report_status(FILE *f, const struct rc_report_capture *caps, size_t n,
		      uint64_t daemon_uptime_s, const char *config_path)
{
	char a[ESC_LEN(4096)], b[ESC_LEN(600)];
	char name[ESC_LEN(256)], iface[ESC_LEN(256)], state[ESC_LEN(1024)];

	fprintf(f, "ringcapd: %zu capture%s, up %" PRIu64 " s, config %s\n", n,
		n == 1 ? "" : "s", daemon_uptime_s, esc(a, sizeof(a), config_path));
	for (size_t i = 0; i < n; i++) {
		const struct rc_report_capture *c = &caps[i];

		esc(name, sizeof(name), c->name);
		esc(iface, sizeof(iface), c->iface);
		esc(state, sizeof(state), c->state);
		if (c->running)
			fprintf(f, "capture %s: %s on %s, up %" PRIu64 " s", name, state, iface,
				c->uptime_s);
		else
			fprintf(f, "capture %s: %s (interface %s)", name, state, iface);
		if (!c->run) {
			fputc('\n', f);
			continue;
		}
		fprintf(f, ", %u worker%s%s\n", c->run->nworkers, c->run->nworkers == 1 ? "" : "s",
			c->running ? "" : "; its last run:");
		for (unsigned k = 0; k < c->run->nworkers; k++) {
			unsigned nout = rc_run_noutputs(c->run, k);

			for (unsigned o = 0; o < nout; o++) {
				struct rc_run_output out;

				rc_run_output(c->run, k, o, &out);
				fprintf(f, "  worker %u output %u: %s (%s", k, o,
					esc(a, sizeof(a), out.path), rc_sink_state_name(out.state));
				if (out.why[0] && out.state != RC_SINK_WRITING)
					fprintf(f, ": %s", esc(b, sizeof(b), out.why));
				fprintf(f, "), %" PRIu64 " frames written, %" PRIu64 " lost\n",
					out.st.frames, out.st.lost);
			}
		}
	}
}

/* ---- ringcap stats: text for people ------------------------------------------ */

/* 12,345,678 */
static const char *num(char *buf, size_t len, uint64_t v)
{
	char tmp[32];
	size_t n, k = 0;

	snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	n = strlen(tmp);
	for (size_t i = 0; i < n && k + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[k++] = ',';
		buf[k++] = tmp[i];
	}
	buf[k] = 0;
	return buf;
}

static const char *dur(char *buf, size_t len, uint64_t s)
{
	if (s >= 86400)
		snprintf(buf, len, "%" PRIu64 "d %02" PRIu64 "h", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%" PRIu64 "h %02" PRIu64 "min", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%" PRIu64 "min %02" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 " s", s);
	return buf;
}

/* @text as lines of at most WIDTH columns, each after @indent spaces (the
 * first after @lead instead); a word longer than a line is broken. */
static void wrap(FILE *f, const char *lead, unsigned indent, const char *text)
{
	unsigned room = WIDTH - indent;
	bool first = true;

	while (*text) {
		size_t n = strlen(text), cut = n;

		if (n > room) {
			cut = room;
			while (cut > 0 && text[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = room;
		}
		if (first)
			fprintf(f, "%-*s", (int)indent, lead);
		else
			fprintf(f, "%*s", (int)indent, "");
		fprintf(f, "%.*s\n", (int)cut, text);
		text += cut;
		while (*text == ' ')
			text++;
		first = false;
	}
}

/* A path that fits: its start and its end, the middle left out. */
static const char *fit(char *buf, size_t len, const char *path, size_t max)
{
	size_t n = strlen(path);

	if (n <= max)
		snprintf(buf, len, "%s", path);
	else
		snprintf(buf, len, "%.*s...%s", (int)(max / 3), path, path + n - (max - max / 3 - 3));
	return buf;
}

static void add_sink_stats(struct rc_sink_stats *d, const struct rc_sink_stats *a)
{
	uint64_t *x = (uint64_t *)d;
	const uint64_t *y = (const uint64_t *)a;

	for (size_t i = 0; i < sizeof(*d) / sizeof(uint64_t); i++)
		x[i] += y[i];
}

/* Output @i of capture @c over all workers: its kind, state, path (worker
 * 0's), and counters summed. */
static void output_total(const struct rc_report_capture *c, unsigned i, struct rc_run_output *ret)
{
	struct rc_run_output o;

	memset(ret, 0, sizeof(*ret));
	for (unsigned k = 0; k < c->run->nworkers; k++) {
		if (i >= rc_run_noutputs(c->run, k))
			continue;
		rc_run_output(c->run, k, i, &o);
		if (k == 0 || (ret->state == RC_SINK_WRITING && o.state != RC_SINK_WRITING)) {
			/* the worst state of any worker's, with its reason */
			ret->kind = o.kind;
			ret->state = o.state;
			memcpy(ret->path, o.path, sizeof(o.path));
			memcpy(ret->why, o.why, sizeof(o.why));
		}
		add_sink_stats(&ret->st, &o.st);
	}
}

/* Append to @line (a buffer of @len bytes). */
__attribute__((format(printf, 3, 4)))
static void cat(char *line, size_t len, const char *fmt, ...)
{
	size_t n = strlen(line);
	va_list ap;

	if (n >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, len - n, fmt, ap);
	va_end(ap);
}

/* What the capture took in: the kernel's side, then the ring's. */
static void text_source(FILE *f, const struct rc_run_stats *t, bool afxdp)
{
	const struct rc_source_stats *s = &t->src;
	char a[32], b[32], d[32], e[32], z[32], line[512];

	snprintf(line, sizeof(line), "received %s frames; dropped by the kernel %s (%.2f %%)",
		 num(a, sizeof(a), s->received), num(b, sizeof(b), s->kernel_drops),
		 s->received ? 100.0 * (double)s->kernel_drops / (double)s->received : 0.0);
	wrap(f, "  capture", 13, line);
	snprintf(line, sizeof(line), "taken from the %s: %s frames (%s)",
		 afxdp ? "AF_XDP sockets" : "ring", num(a, sizeof(a), t->delivered),
		 rc_format_size(z, sizeof(z), t->delivered_bytes));
	if (!afxdp)
		cat(line, sizeof(line), " in %s blocks; %s missing (sequence gaps)",
		    num(a, sizeof(a), s->blocks), num(b, sizeof(b), s->seq_gaps));
	wrap(f, "", 13, line);
	if (t->lost_at_stop) {
		snprintf(line, sizeof(line), "%s frames still in the ring at stop, not written",
			 num(a, sizeof(a), t->lost_at_stop));
		wrap(f, "", 13, line);
	}
	if (afxdp) {
		snprintf(line, sizeof(line), "AF_XDP: %s rejected by the filter, %s RX ring full, "
			 "%s FILL ring empty, %s invalid descriptors",
			 num(a, sizeof(a), s->xdp_filtered), num(b, sizeof(b), s->xdp_ring_full),
			 num(d, sizeof(d), s->xdp_fill_empty), num(e, sizeof(e), s->xdp_invalid_descs));
		wrap(f, "", 13, line);
	}
	if (s->malformed || s->link_down) {
		snprintf(line, sizeof(line), "%s malformed blocks; the link went down %s times",
			 num(a, sizeof(a), s->malformed), num(b, sizeof(b), s->link_down));
		wrap(f, "", 13, line);
	}
}

/* One output, its counters summed over the workers. */
static void text_output(FILE *f, unsigned i, const struct rc_run_output *o)
{
	const struct rc_sink_stats *s = &o->st;
	char lead[32], a[32], b[32], d[32], e[32], g[32], z[32], p[128], line[1024];
	bool rdma = o->kind && !strcmp(o->kind, "rdma");
	char name[ESC_LEN(sizeof(o->path))];

	snprintf(lead, sizeof(lead), "  output %u", i);
	snprintf(line, sizeof(line), "%s %s (%s)", rdma ? "rdma" : "file",
		 fit(p, sizeof(p), esc(name, sizeof(name), o->path), 64),
		 rc_sink_state_name(o->state));
	wrap(f, lead, 13, line);
	if (o->why[0] && o->state != RC_SINK_WRITING)
		wrap(f, "", 15, esc(name, sizeof(name), o->why));
	if (rdma) {
		snprintf(line, sizeof(line), "delivered %s frames (%s) in %s blocks; not delivered %s; "
			 "%s, %s credits, %s reconnects%s",
			 num(a, sizeof(a), s->fwd_frames), rc_format_size(z, sizeof(z), s->fwd_bytes),
			 num(b, sizeof(b), s->fwd_blocks), num(d, sizeof(d), s->fwd_lost),
			 s->g.fwd_connected ? "connected" : "not connected",
			 num(e, sizeof(e), s->g.fwd_credits), num(g, sizeof(g), s->fwd_reconnects),
			 s->fwd_copied ? "; copy mode" : s->g.fwd_zero_copy ? "; zero-copy" : "");
		wrap(f, "", 13, line);
		return;
	}
	snprintf(line, sizeof(line), "wrote %s frames (%s); lost %s", num(a, sizeof(a), s->frames),
		 rc_format_size(z, sizeof(z), s->bytes), num(b, sizeof(b), s->lost));
	if (s->filtered)
		cat(line, sizeof(line), "; rejected by its filter %s", num(d, sizeof(d), s->filtered));
	cat(line, sizeof(line), "; %s file%s", num(d, sizeof(d), s->files), s->files == 1 ? "" : "s");
	if (s->removed)
		cat(line, sizeof(line), ", %s removed", num(d, sizeof(d), s->removed));
	if (s->errors)
		cat(line, sizeof(line), "; %s errors", num(d, sizeof(d), s->errors));
	wrap(f, "", 13, line);
}

/* With several workers: what each one received and took. */
static void text_workers(FILE *f, const struct rc_report_capture *c)
{
	char a[32], b[32], d[32], e[32];

	fprintf(f, "  %-10s %16s %16s %16s %16s\n", "worker", "received", "kernel drops", "taken",
		"lost at stop");
	for (unsigned k = 0; k < c->run->nworkers; k++) {
		struct rc_run_stats w;

		rc_run_worker_stats(c->run, k, &w);
		fprintf(f, "  %-10u %16s %16s %16s %16s\n", k, num(a, sizeof(a), w.src.received),
			num(b, sizeof(b), w.src.kernel_drops), num(d, sizeof(d), w.delivered),
			num(e, sizeof(e), w.lost_at_stop));
	}
}

static void text_stats(FILE *f, const struct rc_report_capture *c)
{
	bool afxdp = c->run && c->run->afxdp;
	char up[32], line[8192], name[ESC_LEN(256)], iface[ESC_LEN(256)], state[ESC_LEN(1024)];
	struct rc_run_stats t;
	unsigned nout;

	snprintf(line, sizeof(line), "capture %s: %s on %s (%s)", esc(name, sizeof(name), c->name),
		 esc(state, sizeof(state), c->state), esc(iface, sizeof(iface), c->iface),
		 afxdp ? "afxdp" : "afpacket");
	if (c->run)
		cat(line, sizeof(line), ", %u worker%s", c->run->nworkers,
		    c->run->nworkers == 1 ? "" : "s");
	if (c->running)
		cat(line, sizeof(line), ", up %s", dur(up, sizeof(up), c->uptime_s));
	wrap(f, "", 0, line);
	if (c->unseen) {
		snprintf(line, sizeof(line), "%s frames went through the interface while reloads "
			 "restarted the capture, and no run took them",
			 num(up, sizeof(up), c->unseen));
		wrap(f, "  restarts", 13, line);
	}
	if (!c->run)
		return;
	rc_run_total_stats(c->run, &t);
	text_source(f, &t, afxdp);
	nout = rc_run_noutputs(c->run, 0);
	for (unsigned i = 0; i < nout; i++) {
		struct rc_run_output o;

		output_total(c, i, &o);
		text_output(f, i, &o);
	}
	if (c->run->nworkers > 1)
		text_workers(f, c);
}

/* ---- JSON -------------------------------------------------------------------- */

static void json_outputs(FILE *f, const struct rc_report_capture *c, int k)
{
	unsigned nout = rc_run_noutputs(c->run, k < 0 ? 0 : (unsigned)k);

	fputs(",\"outputs\":[", f);
	for (unsigned i = 0; i < nout; i++) {
		struct rc_run_output o;

		if (k < 0)
			output_total(c, i, &o);
		else
			rc_run_output(c->run, (unsigned)k, i, &o);
		fprintf(f, "%s{\"output\":%u,\"type\":", i ? "," : "", i);
		json_str(f, o.kind ? o.kind : "?");
		fputs(",\"path\":", f);
		json_str(f, o.path);
		fputs(",\"state\":", f);
		json_str(f, rc_sink_state_name(o.state));
		fputs(",\"why\":", f);
		json_str(f, o.state == RC_SINK_WRITING ? "" : o.why);
		for (size_t j = 0; j < N_OUT_COUNTERS; j++)
			fprintf(f, ",\"%s\":%" PRIu64, out_counters[j].key, oc_get(&o.st, j));
		fputc('}', f);
	}
	fputc(']', f);
}

void rc_report_stats(FILE *f, const struct rc_report_capture *caps, size_t n, bool json)
{
	if (!json) {
		for (size_t i = 0; i < n; i++) {
			if (i)
				fputc('\n', f);
			text_stats(f, &caps[i]);
		}
		return;
	}
	fputs("{\"captures\":[", f);
	for (size_t i = 0; i < n; i++) {
		const struct rc_report_capture *c = &caps[i];
		unsigned nw = c->run ? c->run->nworkers : 0;
		struct rc_run_stats tot;

		if (c->run)
			rc_run_total_stats(c->run, &tot);
		else
			memset(&tot, 0, sizeof(tot));
		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_str(f, c->name);
		fputs(",\"interface\":", f);
		json_str(f, c->iface);
		fputs(",\"state\":", f);
		json_str(f, c->state);
		fputs(",\"backend\":", f);
		json_str(f, c->run && c->run->afxdp ? "afxdp" : "afpacket");
		fprintf(f, ",\"uptime_s\":%" PRIu64 ",\"restart_unseen\":%" PRIu64, c->uptime_s,
			c->unseen);
		for (size_t j = 0; j < N_COUNTERS; j++)
			fprintf(f, ",\"%s\":%" PRIu64, counters[j].key, counters[j].get(&tot));
		if (c->run)
			json_outputs(f, c, -1);
		fputs(",\"workers\":[", f);
		for (unsigned k = 0; k < nw; k++) {
			struct rc_run_stats w;

			rc_run_worker_stats(c->run, k, &w);
			fprintf(f, "%s{\"worker\":%u", k ? "," : "", k);
			for (size_t j = 0; j < N_COUNTERS; j++)
				fprintf(f, ",\"%s\":%" PRIu64, counters[j].key, counters[j].get(&w));
			json_outputs(f, c, (int)k);
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs("]}\n", f);
}

void rc_report_prometheus(FILE *f, const struct rc_report_capture *caps, size_t n)
{
	fputs("# HELP ringcap_up 1 while the capture is running.\n# TYPE ringcap_up gauge\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "ringcap_up{capture=\"%s\"} %d\n", caps[i].name, caps[i].running ? 1 : 0);
	fputs("# HELP ringcap_restart_unseen_frames_total Frames that went through the interface "
	      "while reloads restarted the capture, and that no run took.\n"
	      "# TYPE ringcap_restart_unseen_frames_total counter\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "ringcap_restart_unseen_frames_total{capture=\"%s\"} %" PRIu64 "\n",
			caps[i].name, caps[i].unseen);
	for (size_t j = 0; j < N_COUNTERS; j++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", counters[j].metric, counters[j].help,
			counters[j].metric, strstr(counters[j].metric, "_total") ? "counter" : "gauge");
		for (size_t i = 0; i < n; i++) {
			const struct rc_report_capture *c = &caps[i];

			for (unsigned k = 0; c->run && k < c->run->nworkers; k++) {
				struct rc_run_stats w;

				rc_run_worker_stats(c->run, k, &w);
				fprintf(f, "%s{capture=\"%s\",worker=\"%u\"} %" PRIu64 "\n",
					counters[j].metric, c->name, k, counters[j].get(&w));
			}
		}
	}
	for (size_t j = 0; j < N_OUT_COUNTERS; j++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", out_counters[j].metric,
			out_counters[j].help, out_counters[j].metric);
		for (size_t i = 0; i < n; i++) {
			const struct rc_report_capture *c = &caps[i];

			for (unsigned k = 0; c->run && k < c->run->nworkers; k++) {
				for (unsigned o = 0; o < rc_run_noutputs(c->run, k); o++) {
					struct rc_run_output out;

					rc_run_output(c->run, k, o, &out);
					fprintf(f, "%s{capture=\"%s\",worker=\"%u\",output=\"%u\","
						"type=\"%s\"} %" PRIu64 "\n", out_counters[j].metric,
						c->name, k, o, out.kind ? out.kind : "?",
						oc_get(&out.st, j));
				}
			}
		}
	}
}

// SPDX-License-Identifier: MIT
/*
 * Status and counter reports; see report.h.  Every counter comes from
 * rc_run_worker_stats(), so the three forms always agree.
 */
#include "report.h"

#include <inttypes.h>
#include <string.h>

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
GETTER(g_fwd_connected, s->sink.fwd_connected)
GETTER(g_fwd_credits, s->sink.fwd_credits)
GETTER(g_fwd_zero_copy, s->sink.fwd_zero_copy)

static const struct counter counters[] = {
	{ "frames", "ringcap_frames_total", "Frames written to every output.", g_frames },
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
};

#define N_COUNTERS (sizeof(counters) / sizeof(counters[0]))

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

void rc_report_status(FILE *f, const struct rc_report_capture *caps, size_t n,
		      uint64_t daemon_uptime_s, const char *config_path)
{
	fprintf(f, "ringcapd: %zu capture%s, up %" PRIu64 " s, config %s\n", n,
		n == 1 ? "" : "s", daemon_uptime_s, config_path);
	for (size_t i = 0; i < n; i++) {
		const struct rc_report_capture *c = &caps[i];

		if (c->running)
			fprintf(f, "capture %s: %s on %s, up %" PRIu64 " s", c->name, c->state,
				c->iface, c->uptime_s);
		else
			fprintf(f, "capture %s: %s (interface %s)", c->name, c->state, c->iface);
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
				fprintf(f, "  worker %u output %u: %s (%s", k, o, out.path,
					rc_sink_state_name(out.state));
				if (out.why[0] && out.state != RC_SINK_WRITING)
					fprintf(f, ": %s", out.why);
				fprintf(f, "), %" PRIu64 " frames written, %" PRIu64 " lost\n",
					out.st.frames, out.st.lost);
			}
		}
	}
}

void rc_report_stats(FILE *f, const struct rc_report_capture *caps, size_t n, bool json)
{
	if (json)
		fputs("{\"captures\":[", f);
	for (size_t i = 0; i < n; i++) {
		const struct rc_report_capture *c = &caps[i];
		unsigned nw = c->run ? c->run->nworkers : 0;
		struct rc_run_stats tot;

		if (c->run)
			rc_run_total_stats(c->run, &tot);
		else
			memset(&tot, 0, sizeof(tot));
		if (json) {
			fprintf(f, "%s{\"name\":", i ? "," : "");
			json_str(f, c->name);
			fputs(",\"interface\":", f);
			json_str(f, c->iface);
			fputs(",\"state\":", f);
			json_str(f, c->state);
			for (size_t j = 0; j < N_COUNTERS; j++)
				fprintf(f, ",\"%s\":%" PRIu64, counters[j].key, counters[j].get(&tot));
			fputs(",\"workers\":[", f);
		} else {
			fprintf(f, "capture %s (%s, %s)\n", c->name, c->iface, c->state);
			fprintf(f, "  %-8s", "worker");
			for (size_t j = 0; j < N_COUNTERS; j++)
				fprintf(f, " %14s", counters[j].key);
			fputc('\n', f);
		}
		for (unsigned k = 0; k < nw; k++) {
			struct rc_run_stats w;

			rc_run_worker_stats(c->run, k, &w);
			if (json) {
				fprintf(f, "%s{\"worker\":%u", k ? "," : "", k);
				for (size_t j = 0; j < N_COUNTERS; j++)
					fprintf(f, ",\"%s\":%" PRIu64, counters[j].key,
						counters[j].get(&w));
				fputc('}', f);
			} else {
				fprintf(f, "  %-8u", k);
				for (size_t j = 0; j < N_COUNTERS; j++)
					fprintf(f, " %14" PRIu64, counters[j].get(&w));
				fputc('\n', f);
			}
		}
		if (json) {
			fputs("]}", f);
		} else if (nw > 1) {
			fprintf(f, "  %-8s", "total");
			for (size_t j = 0; j < N_COUNTERS; j++)
				fprintf(f, " %14" PRIu64, counters[j].get(&tot));
			fputc('\n', f);
		}
	}
	if (json)
		fputs("]}\n", f);
}

void rc_report_prometheus(FILE *f, const struct rc_report_capture *caps, size_t n)
{
	fputs("# HELP ringcap_up 1 while the capture is running.\n# TYPE ringcap_up gauge\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "ringcap_up{capture=\"%s\"} %d\n", caps[i].name, caps[i].running ? 1 : 0);
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
}

// SPDX-License-Identifier: MIT
/*
 * `ringcap stats` as people read it, and as scripts do (src/daemon/report.c),
 * over runs made up here: a stopped run answers from the counters it kept,
 * which is all the report reads.  The text fits 100 columns, shows only the
 * counters of the capture's backend and outputs, keeps what the capture
 * received apart from what each output wrote, and puts thousands
 * separators in numbers; JSON and Prometheus keep every counter, per
 * output too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/daemon/report.h"

struct fake {
	struct rc_capture_conf conf;
	struct rc_run run;
	struct rc_run_worker w[2];
	struct rc_run_output out[2][2];
};

/* afpacket, one worker: a full output and one that keeps half (its filter) */
static void fake_afpacket(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->conf.backend = RC_BACKEND_AFPACKET;
	f->run.conf = &f->conf;
	f->run.nworkers = 1;
	f->run.workers = f->w;
	f->run.released = true;
	f->w[0].nsinks = 2;
	f->w[0].final_out = f->out[0];
	f->w[0].final.src.received = 20000;
	f->w[0].final.src.blocks = 38;
	f->w[0].final.delivered = 20000;
	f->w[0].final.delivered_bytes = 15000000;
	f->w[0].final.sink.frames = 30000;  /* 20,000 + 10,000 writes */
	f->out[0][0] = (struct rc_run_output){ .kind = "file", .state = RC_SINK_CLOSED,
					       .path = "/var/lib/ringcap/all_00003.pcapng",
					       .st = { .frames = 20000, .bytes = 15400000, .files = 3,
						       .removed = 1 } };
	f->out[0][1] = (struct rc_run_output){ .kind = "file", .state = RC_SINK_CLOSED,
					       .path = "/var/lib/ringcap/dns.pcap",
					       .st = { .frames = 10000, .bytes = 700000,
						       .filtered = 10000, .files = 1 } };
}

/* afxdp, two workers: a file that failed (a long path and reason) and RDMA */
static void fake_afxdp(struct fake *f)
{
	static char longpath[300];

	memset(f, 0, sizeof(*f));
	memset(longpath, 'd', sizeof(longpath) - 1);
	longpath[0] = '/';
	f->conf.backend = RC_BACKEND_AFXDP;
	f->run.conf = &f->conf;
	f->run.afxdp = true;
	f->run.nworkers = 2;
	f->run.workers = f->w;
	f->run.released = true;
	for (unsigned k = 0; k < 2; k++) {
		f->w[k].nsinks = 2;
		f->w[k].final_out = f->out[k];
		f->w[k].final.src.received = 1000000 + k;
		f->w[k].final.src.kernel_drops = 5;
		f->w[k].final.src.xdp_filtered = 7;
		f->w[k].final.delivered = 1000000 + k;
		f->w[k].final.sink.frames = 900000;  /* the file's; RDMA counts apart */
		f->out[k][0] = (struct rc_run_output){ .kind = "file", .state = RC_SINK_WAITING,
						       .st = { .frames = 900000, .lost = 100000 + k,
							       .files = 2, .errors = 1 } };
		snprintf(f->out[k][0].path, sizeof(f->out[k][0].path), "%s.pcap", longpath);
		snprintf(f->out[k][0].why, sizeof(f->out[k][0].why), "writing %s.pcap failed: No "
			 "space left on device; the file was cut back to its last complete frame; "
			 "trying again in 4 s", longpath);
		f->out[k][1] = (struct rc_run_output){ .kind = "rdma", .state = RC_SINK_WRITING,
						       .path = "rdma://198.18.0.2:7718",
						       .st = { .fwd_frames = 999000, .fwd_lost = 1000,
							       .fwd_blocks = 900, .g.fwd_connected = 1,
							       .g.fwd_credits = 16, .g.fwd_zero_copy = 1 } };
	}
}

static char *render(const struct rc_report_capture *c, int form)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (form == 2)
		rc_report_prometheus(f, c, 1);
	else
		rc_report_stats(f, c, 1, form == 1);
	fclose(f);
	return buf;
}

static void assert_fits(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n > 100)
			fail_msg("a line of %zu columns: %.*s", n, (int)n, p);
		p += n + (nl != NULL);
	}
}

static void test_text_afpacket(void **state)
{
	struct fake f;
	struct rc_report_capture c = { "alpha", "eth0", "stopped", 0, &f.run, false, 0 };
	char *t;

	(void)state;
	fake_afpacket(&f);
	t = render(&c, 0);
	fputs(t, stdout);
	fflush(stdout);
	assert_fits(t);
	assert_non_null(strstr(t, "capture alpha: stopped on eth0 (afpacket), 1 worker\n"));
	assert_non_null(strstr(t, "received 20,000 frames; dropped by the kernel 0 (0.00 %)"));
	assert_non_null(strstr(t, "taken from the ring: 20,000 frames"));
	assert_non_null(strstr(t, "  output 0   file /var/lib/ringcap/all_00003.pcapng (closed)"));
	assert_non_null(strstr(t, "wrote 20,000 frames (14.7 MiB); lost 0; 3 files, 1 removed"));
	assert_non_null(strstr(t, "  output 1   file /var/lib/ringcap/dns.pcap (closed)"));
	assert_non_null(strstr(t, "wrote 10,000 frames"));
	assert_non_null(strstr(t, "rejected by its filter 10,000"));
	/* nothing of other backends or outputs, and no sum of writes as "frames" */
	assert_null(strstr(t, "AF_XDP"));
	assert_null(strstr(t, "xdp"));
	assert_null(strstr(t, "rdma"));
	assert_null(strstr(t, "30,000"));
	assert_null(strstr(t, "worker "));  /* no per-worker table for one worker */
	free(t);
}

static void test_text_afxdp_rdma(void **state)
{
	struct fake f;
	struct rc_report_capture c = { "span", "eth1", "running", 3725, &f.run, true, 1234 };
	char *t;

	(void)state;
	fake_afxdp(&f);
	t = render(&c, 0);
	fputs(t, stdout);
	fflush(stdout);
	assert_fits(t);
	assert_non_null(strstr(t, "capture span: running on eth1 (afxdp), 2 workers, up 1h 02min\n"));
	assert_non_null(strstr(t, "received 2,000,001 frames; dropped by the kernel 10"));
	assert_non_null(strstr(t, "taken from the AF_XDP sockets: 2,000,001 frames"));
	assert_non_null(strstr(t, "AF_XDP: 14 rejected by the filter"));
	assert_non_null(strstr(t, "(not writing)"));
	assert_non_null(strstr(t, "No space left on device"));
	assert_non_null(strstr(t, "wrote 1,800,000 frames"));
	assert_non_null(strstr(t, "lost 200,001"));
	assert_non_null(strstr(t, "  output 1   rdma rdma://198.18.0.2:7718 (writing)"));
	assert_non_null(strstr(t, "delivered 1,998,000 frames"));
	assert_non_null(strstr(t, "not delivered 2,000; connected, 32"));
	assert_non_null(strstr(t, "reconnects; zero-copy"));
	assert_non_null(strstr(t, "  worker"));
	assert_non_null(strstr(t, "1,000,001"));
	assert_null(strstr(t, "sequence gaps"));  /* a ring's, not AF_XDP's */
	assert_non_null(strstr(t, "  restarts   1,234 frames went through the interface while"));
	free(t);
}

static void test_json_keeps_everything(void **state)
{
	struct fake f;
	struct rc_report_capture c = { "alpha", "eth0", "stopped", 0, &f.run, false, 0 };
	char *t;

	(void)state;
	fake_afpacket(&f);
	t = render(&c, 1);
	fputs(t, stdout);
	fflush(stdout);
	/* the old keys, with their old meaning */
	assert_non_null(strstr(t, "\"frames\":30000"));
	assert_non_null(strstr(t, "\"received\":20000"));
	assert_non_null(strstr(t, "\"xdp_filtered\":0"));
	assert_non_null(strstr(t, "\"rdma_frames\":0"));
	/* and what the text shows */
	assert_non_null(strstr(t, "\"backend\":\"afpacket\""));
	assert_non_null(strstr(t, "\"delivered\":20000"));
	assert_non_null(strstr(t, "\"outputs\":[{\"output\":0,\"type\":\"file\",\"path\":"
				  "\"/var/lib/ringcap/all_00003.pcapng\",\"state\":\"closed\",\"why\":\"\","
				  "\"frames\":20000,"));
	assert_non_null(strstr(t, "{\"output\":1,\"type\":\"file\""));
	assert_non_null(strstr(t, "\"filter_drops\":10000"));
	assert_non_null(strstr(t, "\"workers\":[{\"worker\":0,"));
	free(t);
}

static void test_prometheus_per_output(void **state)
{
	struct fake f;
	struct rc_report_capture c = { "span", "eth1", "running", 10, &f.run, true, 77 };
	char *t;
	const char *p;
	unsigned helps = 0;

	(void)state;
	fake_afxdp(&f);
	t = render(&c, 2);
	assert_non_null(strstr(t, "ringcap_frames_total{capture=\"span\",worker=\"1\"} 900000\n"));
	assert_non_null(strstr(t, "ringcap_delivered_total{capture=\"span\",worker=\"1\"} 1000001\n"));
	assert_non_null(strstr(t, "ringcap_output_frames_lost_total{capture=\"span\",worker=\"1\","
				  "output=\"0\",type=\"file\"} 100001\n"));
	assert_non_null(strstr(t, "ringcap_output_rdma_frames_total{capture=\"span\",worker=\"0\","
				  "output=\"1\",type=\"rdma\"} 999000\n"));
	assert_non_null(strstr(t, "ringcap_xdp_filtered_total{capture=\"span\",worker=\"0\"} 7\n"));
	assert_non_null(strstr(t, "ringcap_restart_unseen_frames_total{capture=\"span\"} 77\n"));
	/* every metric described once */
	for (p = t; (p = strstr(p, "# HELP ringcap_output_frames_total ")); p++)
		helps++;
	assert_int_equal(helps, 1);
	free(t);
}

/* Paths, interface names and reasons come from outside: in the text forms
 * a newline or an escape sequence in one must neither make a line of its
 * own nor reach the operator's terminal (as in log lines: \xNN). */
static void assert_no_controls(const char *t)
{
	for (const char *p = t; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\n') || *p == 0x7f)
			fail_msg("control character 0x%02x in: %s", (unsigned char)*p, t);
}

static size_t count_lines(const char *t)
{
	size_t n = 0;

	for (; *t; t++)
		n += *t == '\n';
	return n;
}

static char *render_status(const struct rc_report_capture *c, const char *config)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	rc_report_status(f, c, 1, 5, config);
	fclose(f);
	return buf;
}

static void test_text_escapes_names(void **state)
{
	struct fake f;
	struct rc_report_capture plain = { "alpha", "eth0", "failed: eth0 is gone", 0, &f.run,
					   false, 0 };
	struct rc_report_capture odd = { "alpha", "eth\x1b[2J0", "failed: eth\x1b[2J0\nis gone",
					 0, &f.run, false, 0 };
	char *t_plain, *t_odd, *s_plain, *s_odd;

	(void)state;
	fake_afpacket(&f);
	f.out[0][0].state = RC_SINK_FAILED;
	snprintf(f.out[0][0].why, sizeof(f.out[0][0].why), "cannot write");
	t_plain = render(&plain, 0);
	s_plain = render_status(&plain, "/etc/ringcap/ringcap.yaml");
	snprintf(f.out[0][0].path, sizeof(f.out[0][0].path), "/tmp/a\nb\x1b]0;pwn\x07.pcap");
	snprintf(f.out[0][0].why, sizeof(f.out[0][0].why), "cannot\r\x1b[1A write");
	t_odd = render(&odd, 0);
	s_odd = render_status(&odd, "/etc/ringcap/\x1b[31mringcap.yaml");
	print_message("%s%s", t_odd, s_odd);
	assert_no_controls(t_odd);
	assert_no_controls(s_odd);
	/* as many lines as with plain names: none made by a name */
	assert_int_equal(count_lines(t_odd), count_lines(t_plain));
	assert_int_equal(count_lines(s_odd), count_lines(s_plain));
	assert_non_null(strstr(t_odd, "on eth\\x1b[2J0 (afpacket)"));
	assert_non_null(strstr(t_odd, "file /tmp/a\\x0ab\\x1b]0;pwn\\x07.pcap (failed)"));
	assert_non_null(strstr(t_odd, "cannot\\x0d\\x1b[1A write"));
	assert_non_null(strstr(s_odd, "config /etc/ringcap/\\x1b[31mringcap.yaml\n"));
	assert_non_null(strstr(s_odd, "failed: eth\\x1b[2J0\\x0ais gone (interface eth\\x1b[2J0)"));
	assert_non_null(strstr(s_odd, "output 0: /tmp/a\\x0ab\\x1b]0;pwn\\x07.pcap (failed: "
				      "cannot\\x0d\\x1b[1A write)"));
	free(t_plain);
	free(t_odd);
	free(s_plain);
	free(s_odd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_afpacket),
		cmocka_unit_test(test_text_afxdp_rdma),
		cmocka_unit_test(test_json_keeps_everything),
		cmocka_unit_test(test_prometheus_per_output),
		cmocka_unit_test(test_text_escapes_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

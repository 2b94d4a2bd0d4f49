// SPDX-License-Identifier: MIT
/*
 * Unit tests for `ringcap capture` flag parsing (src/cli/args.h) and the
 * shared configuration rules it relies on (src/config/conf.h).
 *
 * Good command lines are checked field by field; every bad one must fail
 * with -EINVAL and a one-line message that names the flag or the problem.
 * Every parse is followed by rc_args_free(), so the sanitizer build also
 * checks that no path leaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>

#include "../../src/cli/args.h"
#include "../../src/config/conf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include "rc_table.h"

#define MAX_ARGS 20
#define KiB 1024ULL
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)
#define SEC 1000000000ULL

/* Parse "capture" + @args (NULL-terminated); argv is a private copy, as
 * getopt may reorder it. */
static int parse(const char *const *args, struct rc_capture_args *a, char *err, size_t errlen)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0;

	argv[argc++] = (char *)"capture";
	for (size_t i = 0; i < MAX_ARGS && args[i]; i++)
		argv[argc++] = (char *)(uintptr_t)args[i];
	argv[argc] = NULL;
	memset(err, 0, errlen);
	return rc_args_parse_capture(argc, argv, NULL, a, err, errlen);
}

/* ------------------------------------------------------------------ */
/* good command lines                                                  */

/* Zero (or NULL / false) in a field means "the default". */
struct good_case {
	const char *name;
	const char *argv[MAX_ARGS + 1];
	int ret;
	const char *iface, *path, *filter;
	uint32_t snaplen;
	uint64_t count, duration_ns;
	uint64_t max_size, max_time_ns, max_total;
	uint32_t max_files;
	uint32_t block_size, block_nr, frame_size, retire_ms;
	bool no_promisc, quiet, help, version;
	enum rc_file_format format;   /* as rc_file_format_of() resolves it; 0: pcap */
	bool micro;
	unsigned n_ifaces;            /* > 1: cap.ifaces */
	const char *ifaces[3];
	const char *read_file, *postrotate;
	bool list;
	enum rc_tstamp_type tstamp;
	uint64_t stop_size;
	uint32_t stop_files;
	enum rc_io_mode io;
};

/* -F's file: a filter with a comment over two lines */
#define FFILE "/tmp/rc-test-args-filter.txt"
#define FFILE_TEXT "udp port 53 # dns\nand src host 198.18.0.1\n"
#define FFILE_FILTER "udp port 53       and src host 198.18.0.1 "

#define IW "-i", "eth0", "-w", "x.pcap"

static const struct good_case good_cases[] = {
	{ "minimal", { IW }, .iface = "eth0", .path = "x.pcap" },
	{ "forward beside a file", { IW, "--forward", "rdma://198.18.0.1:7718" }, .iface = "eth0",
	  .path = "x.pcap" },
	{ "filter words joined", { IW, "udp", "port", "53" }, .iface = "eth0", .path = "x.pcap",
	  .filter = "udp port 53" },
	{ "filter with -f", { IW, "-f", "tcp and port 80" }, .iface = "eth0", .path = "x.pcap",
	  .filter = "tcp and port 80" },
	{ "filter after --", { IW, "--", "not", "tcp" }, .iface = "eth0", .path = "x.pcap",
	  .filter = "not tcp" },
	{ "one filter word", { "-i", "lo", "-w", "y", "icmp" }, .iface = "lo", .path = "y",
	  .filter = "icmp" },
	{ "-s 0 is the maximum", { IW, "-s", "0" }, .iface = "eth0", .path = "x.pcap",
	  .snaplen = 262144 },
	{ "-s 96", { IW, "-s", "96" }, .iface = "eth0", .path = "x.pcap", .snaplen = 96 },
	{ "-s 262144", { IW, "-s", "262144" }, .iface = "eth0", .path = "x.pcap",
	  .snaplen = 262144 },
	{ "-c 1000", { IW, "-c", "1000" }, .iface = "eth0", .path = "x.pcap", .count = 1000 },
	{ "--duration 30s", { IW, "--duration", "30s" }, .iface = "eth0", .path = "x.pcap",
	  .duration_ns = 30 * SEC },
	{ "--duration 10 (seconds)", { IW, "--duration", "10" }, .iface = "eth0",
	  .path = "x.pcap", .duration_ns = 10 * SEC },
	{ "--duration=2h", { IW, "--duration=2h" }, .iface = "eth0", .path = "x.pcap",
	  .duration_ns = 7200 * SEC },
	{ "-C 100 is millions of bytes", { IW, "-C", "100" }, .iface = "eth0", .path = "x.pcap",
	  .max_size = 100000000 },
	{ "-C 10MiB", { IW, "-C", "10MiB" }, .iface = "eth0", .path = "x.pcap",
	  .max_size = 10 * MiB },
	{ "-C 1GB", { IW, "-C", "1GB" }, .iface = "eth0", .path = "x.pcap",
	  .max_size = 1000000000 },
	{ "-G 60", { IW, "-G", "60" }, .iface = "eth0", .path = "x.pcap",
	  .max_time_ns = 60 * SEC },
	{ "-G 15min", { IW, "-G", "15min" }, .iface = "eth0", .path = "x.pcap",
	  .max_time_ns = 900 * SEC },
	{ "-G 1s, the shortest", { IW, "-G", "1s" }, .iface = "eth0", .path = "x.pcap",
	  .max_time_ns = SEC },
	{ "-W 5 with -C", { IW, "-C", "100", "-W", "5" }, .iface = "eth0", .path = "x.pcap",
	  .max_size = 100000000, .max_files = 5 },
	{ "-W 24 with -G", { IW, "-G", "1h", "-W", "24" }, .iface = "eth0", .path = "x.pcap",
	  .max_time_ns = 3600 * SEC, .max_files = 24 },
	{ "--max-total with -C", { IW, "-C", "100MB", "--max-total", "1GiB" }, .iface = "eth0",
	  .path = "x.pcap", .max_size = 100000000, .max_total = GiB },
	{ "--max-total with -G", { IW, "-G", "60", "--max-total", "10GiB" }, .iface = "eth0",
	  .path = "x.pcap", .max_time_ns = 60 * SEC, .max_total = 10 * GiB },
	{ "strftime path with -G", { "-i", "eth0", "-w", "cap-%Y%m%d.pcap", "-G", "1d" },
	  .iface = "eth0", .path = "cap-%Y%m%d.pcap", .max_time_ns = 86400 * SEC },
	{ "-B 65536 is KiB: 64 MiB", { IW, "-B", "65536" }, .iface = "eth0", .path = "x.pcap",
	  .block_size = 1 << 20, .block_nr = 64 },
	{ "-B 1GiB", { IW, "-B", "1GiB" }, .iface = "eth0", .path = "x.pcap",
	  .block_size = 1 << 20, .block_nr = 1024 },
	{ "-B 8MiB keeps 8 blocks", { IW, "-B", "8MiB" }, .iface = "eth0", .path = "x.pcap",
	  .block_size = 1 << 20, .block_nr = 8 },
	{ "-B 4MiB shrinks blocks to keep 8", { IW, "-B", "4MiB" }, .iface = "eth0",
	  .path = "x.pcap", .block_size = 512 << 10, .block_nr = 8 },
	{ "-B 1MiB shrinks blocks to keep 8", { IW, "-B", "1MiB" }, .iface = "eth0",
	  .path = "x.pcap", .block_size = 128 << 10, .block_nr = 8 },
	{ "-B 256 (KiB): blocks no smaller than 64 KiB", { IW, "-B", "256" }, .iface = "eth0",
	  .path = "x.pcap", .block_size = 64 << 10, .block_nr = 4 },
	{ "flags after the filter words, as tcpdump", { "-i", "eth0", "tcp", "-w", "x.pcap" },
	  .iface = "eth0", .path = "x.pcap", .filter = "tcp" },
	{ "-B 1000 (KiB) rounds down to whole blocks", { IW, "-B", "1000" }, .iface = "eth0",
	  .path = "x.pcap", .block_size = 64 << 10, .block_nr = 15 },
	{ "--block-size 4MiB", { IW, "--block-size", "4MiB" }, .iface = "eth0",
	  .path = "x.pcap", .block_size = 4 << 20, .block_nr = 16 },
	{ "--block-size before -B", { IW, "--block-size", "2MiB", "-B", "64MiB" },
	  .iface = "eth0", .path = "x.pcap", .block_size = 2 << 20, .block_nr = 32 },
	{ "--frame-size 4096", { IW, "--frame-size", "4096" }, .iface = "eth0",
	  .path = "x.pcap", .frame_size = 4096 },
	{ "--retire-timeout 10ms", { IW, "--retire-timeout", "10ms" }, .iface = "eth0",
	  .path = "x.pcap", .retire_ms = 10 },
	{ "--retire-timeout 100 (ms)", { IW, "--retire-timeout", "100" }, .iface = "eth0",
	  .path = "x.pcap", .retire_ms = 100 },
	{ "--retire-timeout 1s", { IW, "--retire-timeout", "1s" }, .iface = "eth0",
	  .path = "x.pcap", .retire_ms = 1000 },
	{ "-p", { IW, "-p" }, .iface = "eth0", .path = "x.pcap", .no_promisc = true },
	{ "-q", { IW, "-q" }, .iface = "eth0", .path = "x.pcap", .quiet = true },
	{ "-n is accepted", { IW, "-n" }, .iface = "eth0", .path = "x.pcap" },
	{ "grouped -pq", { IW, "-pq" }, .iface = "eth0", .path = "x.pcap", .no_promisc = true,
	  .quiet = true },
	{ "attached values", { "-ieth1", "-wout.pcap", "-s128" }, .iface = "eth1",
	  .path = "out.pcap", .snaplen = 128 },
	{ "long options", { "--interface", "eth2", "--write=z.pcap", "--count=5", "--quiet" },
	  .iface = "eth2", .path = "z.pcap", .count = 5, .quiet = true },
	{ "-w - is stdout", { "-i", "eth0", "-w", "-" }, .iface = "eth0", .path = "-" },
	{ "everything at once",
	  { "-i", "eth3", "-w", "a.pcap", "-s", "1500", "-c", "9", "--duration", "5min", "-C",
	    "50", "-W", "3", "-B", "32MiB", "-p", "-q", "tcp" },
	  .iface = "eth3", .path = "a.pcap", .filter = "tcp", .snaplen = 1500, .count = 9,
	  .duration_ns = 300 * SEC, .max_size = 50000000, .max_files = 3, .block_size = 1 << 20,
	  .block_nr = 32, .no_promisc = true, .quiet = true },
	{ "two -i, pcapng", { "-i", "eth0", "-i", "eth1", "-w", "x.pcapng" }, .iface = "eth0",
	  .path = "x.pcapng", .format = RC_FORMAT_PCAPNG, .n_ifaces = 2,
	  .ifaces = { "eth0", "eth1" } },
	{ "three -i, --format pcapng", { "-i", "a", "-i", "b", "-i", "c", "-w", "-", "--format",
	  "pcapng" }, .iface = "a", .path = "-", .format = RC_FORMAT_PCAPNG, .n_ifaces = 3,
	  .ifaces = { "a", "b", "c" } },
	{ "-i any", { "-i", "any", "-w", "x.pcap" }, .iface = "any", .path = "x.pcap" },
	{ "-D alone", { "-D" }, .list = true },
	{ "-D with others", { "-D", "-i", "eth0" }, .iface = "eth0", .list = true },
	{ "-r FILE", { "-r", "in.pcapng", "-w", "out.pcap", "udp" }, .path = "out.pcap",
	  .read_file = "in.pcapng", .filter = "udp" },
	{ "-r - (stdin) with rotation", { "-r", "-", "-w", "o.pcapng", "-C", "10" },
	  .path = "o.pcapng", .read_file = "-", .format = RC_FORMAT_PCAPNG,
	  .max_size = 10000000 },
	{ "-z gzip", { IW, "-C", "1", "-z", "gzip" }, .iface = "eth0", .path = "x.pcap",
	  .max_size = 1000000, .postrotate = "gzip" },
	{ "-F FILE", { IW, "-F", FFILE }, .iface = "eth0", .path = "x.pcap",
	  .filter = FFILE_FILTER },
	{ "-j adapter_unsynced", { IW, "-j", "adapter_unsynced" }, .iface = "eth0",
	  .path = "x.pcap", .tstamp = RC_TSTAMP_ADAPTER_UNSYNCED },
	{ "--time-stamp-type adapter", { IW, "--time-stamp-type", "adapter" }, .iface = "eth0",
	  .path = "x.pcap", .tstamp = RC_TSTAMP_ADAPTER },
	{ "-j host_hiprec is host", { IW, "-j", "host_hiprec" }, .iface = "eth0",
	  .path = "x.pcap" },
	{ "-b filesize:1000 is 1 MB", { IW, "-b", "filesize:1000" }, .iface = "eth0",
	  .path = "x.pcap", .max_size = 1000000 },
	{ "-b filesize -b files: a ring", { IW, "-b", "filesize:1000", "-b", "files:5" },
	  .iface = "eth0", .path = "x.pcap", .max_size = 1000000, .max_files = 5 },
	{ "-b duration:60", { IW, "-b", "duration:60" }, .iface = "eth0", .path = "x.pcap",
	  .max_time_ns = 60 * SEC },
	{ "-a duration:30 is --duration", { IW, "-a", "duration:30" }, .iface = "eth0",
	  .path = "x.pcap", .duration_ns = 30 * SEC },
	{ "-a packets:100 is -c", { IW, "-a", "packets:100" }, .iface = "eth0",
	  .path = "x.pcap", .count = 100 },
	{ "-a filesize:2000 stops at 2 MB", { IW, "-a", "filesize:2000" }, .iface = "eth0",
	  .path = "x.pcap", .stop_size = 2000000 },
	{ "-a filesize with -b filesize: the smaller switches files",
	  { IW, "-b", "filesize:3000", "-a", "filesize:2000" }, .iface = "eth0",
	  .path = "x.pcap", .max_size = 2000000 },
	{ "-a files:3 with -C", { IW, "-C", "1", "-a", "files:3" }, .iface = "eth0",
	  .path = "x.pcap", .max_size = 1000000, .stop_files = 3 },
	/* one limit given twice, by twins or by one flag, with one value: fine */
	{ "-b filesize:1000 and -C 1: one size", { IW, "-b", "filesize:1000", "-C", "1" },
	  .iface = "eth0", .path = "x.pcap", .max_size = 1000000 },
	{ "-C 2 twice", { IW, "-C", "2", "--file-size=2MB" }, .iface = "eth0", .path = "x.pcap",
	  .max_size = 2000000 },
	/* one option again, another value: the last one wins, as in tcpdump */
	{ "-C 1 then -C 2", { IW, "-C", "1", "-C", "2" }, .iface = "eth0", .path = "x.pcap",
	  .max_size = 2000000 },
	{ "-b filesize twice", { IW, "-b", "filesize:1000", "-b", "filesize:3000" },
	  .iface = "eth0", .path = "x.pcap", .max_size = 3000000 },
	{ "-a filesize twice", { IW, "-a", "filesize:100", "-a", "filesize:200" },
	  .iface = "eth0", .path = "x.pcap", .stop_size = 200000 },
	{ "-G 60 and -b duration:1min: one time", { IW, "-G", "60", "-b", "duration:1min" },
	  .iface = "eth0", .path = "x.pcap", .max_time_ns = 60 * SEC },
	{ "-W 5 and -b files:5: one count", { IW, "-C", "1", "-W", "5", "-b", "files:5" },
	  .iface = "eth0", .path = "x.pcap", .max_size = 1000000, .max_files = 5 },
	{ "-c 10 and -a packets:10", { IW, "-c", "10", "-a", "packets:10" }, .iface = "eth0",
	  .path = "x.pcap", .count = 10 },
	{ "--duration 30 and -a duration:30s", { IW, "--duration", "30", "-a", "duration:30s" },
	  .iface = "eth0", .path = "x.pcap", .duration_ns = 30 * SEC },
	{ "a .pcapng name writes pcapng", { "-i", "eth0", "-w", "x.pcapng" }, .iface = "eth0",
	  .path = "x.pcapng", .format = RC_FORMAT_PCAPNG },
	{ "a .PCAPNG name writes pcapng", { "-i", "eth0", "-w", "X.PCAPNG" }, .iface = "eth0",
	  .path = "X.PCAPNG", .format = RC_FORMAT_PCAPNG },
	{ "--format pcapng", { IW, "--format", "pcapng" }, .iface = "eth0", .path = "x.pcap",
	  .format = RC_FORMAT_PCAPNG },
	{ "--format pcap over a .pcapng name", { "-i", "eth0", "-w", "x.pcapng", "--format=pcap" },
	  .iface = "eth0", .path = "x.pcapng", .format = RC_FORMAT_PCAP },
	{ "--format pcapng to stdout", { "-i", "eth0", "-w", "-", "--format", "pcapng" },
	  .iface = "eth0", .path = "-", .format = RC_FORMAT_PCAPNG },
	{ "--time-stamp-precision micro", { IW, "--time-stamp-precision", "micro" },
	  .iface = "eth0", .path = "x.pcap", .micro = true },
	{ "--time-stamp-precision=nano", { IW, "--time-stamp-precision=nano" },
	  .iface = "eth0", .path = "x.pcap" },
	{ "--io direct", { IW, "--io", "direct" }, .iface = "eth0", .path = "x.pcap",
	  .io = RC_IO_DIRECT },
	{ "--io=buffered", { IW, "--io=buffered" }, .iface = "eth0", .path = "x.pcap",
	  .io = RC_IO_BUFFERED },
	{ "--io auto", { IW, "--io", "auto" }, .iface = "eth0", .path = "x.pcap" },
	{ "--io buffered to stdout", { "-i", "eth0", "-w", "-", "--io", "buffered" },
	  .iface = "eth0", .path = "-", .io = RC_IO_BUFFERED },
	{ "--io direct with -r", { "-r", "in.pcap", "-w", "x.pcap", "--io", "direct" },
	  .path = "x.pcap", .read_file = "in.pcap", .io = RC_IO_DIRECT },
	{ "--help", { "--help" }, RC_ARGS_EXIT, .help = true },
	{ "-h with other flags", { "-i", "eth0", "-h" }, RC_ARGS_EXIT, .help = true },
	{ "--version", { "--version" }, RC_ARGS_EXIT, .version = true },
};

static void test_good(void **state)
{
	const struct good_case *tc = *state;
	struct rc_capture_args a;
	char err[512];
	const struct rc_pcap_conf *out;
	int r;

	r = parse(tc->argv, &a, err, sizeof(err));
	if (r != tc->ret)
		print_error("parse returned %d: %s\n", r, err);
	assert_int_equal(r, tc->ret);
	assert_int_equal(a.help, tc->help);
	assert_int_equal(a.version, tc->version);
	if (r == RC_ARGS_EXIT) {
		rc_args_free(&a);
		return;
	}
	assert_string_equal(err, "");
	assert_int_equal(a.list_ifaces, tc->list);
	if (tc->list) {
		if (tc->iface)
			assert_string_equal(a.cap.iface, tc->iface);
		rc_args_free(&a);
		return;
	}
	if (tc->iface) {
		assert_non_null(a.cap.iface);
		assert_string_equal(a.cap.iface, tc->iface);
	} else {
		assert_null(a.cap.iface);
	}
	assert_int_equal(a.cap.n_ifaces, tc->n_ifaces);
	for (unsigned i = 0; i < tc->n_ifaces; i++)
		assert_string_equal(a.cap.ifaces[i], tc->ifaces[i]);
	if (tc->read_file)
		assert_string_equal(a.cap.read_file, tc->read_file);
	else
		assert_null(a.cap.read_file);
	if (tc->postrotate)
		assert_string_equal(a.postrotate, tc->postrotate);
	else
		assert_null(a.postrotate);
	assert_int_equal(a.cap.tstamp, tc->tstamp);
	assert_int_equal(a.cap.n_pcaps, 1);
	out = &a.cap.pcaps[0];
	assert_non_null(out->path);
	assert_string_equal(out->path, tc->path);
	if (tc->filter) {
		assert_non_null(a.cap.filter);
		assert_string_equal(a.cap.filter, tc->filter);
	} else {
		assert_null(a.cap.filter);
	}
	assert_int_equal(a.cap.snaplen, tc->snaplen ? tc->snaplen : RC_SNAPLEN_DEFAULT);
	assert_int_equal(a.count, tc->count);
	assert_int_equal(a.duration_ns, tc->duration_ns);
	assert_int_equal(out->rotate.max_size, tc->max_size);
	assert_int_equal(out->rotate.max_time_ns, tc->max_time_ns);
	assert_int_equal(out->rotate.max_files, tc->max_files);
	assert_int_equal(out->rotate.max_total, tc->max_total);
	assert_int_equal(a.cap.ring.block_size,
			 tc->block_size ? tc->block_size : RC_BLOCK_SIZE_DEFAULT);
	assert_int_equal(a.cap.ring.block_nr,
			 tc->block_nr ? tc->block_nr : RC_RING_SIZE_DEFAULT / RC_BLOCK_SIZE_DEFAULT);
	assert_int_equal(a.cap.ring.frame_size,
			 tc->frame_size ? tc->frame_size : RC_FRAME_SIZE_DEFAULT);
	assert_int_equal(a.cap.ring.retire_tov_ms,
			 tc->retire_ms ? tc->retire_ms : RC_RETIRE_TOV_DEFAULT_MS);
	assert_int_equal(a.cap.promisc, !tc->no_promisc);
	assert_int_equal(a.quiet, tc->quiet);
	assert_int_equal(rc_file_format_of(out), tc->format ? tc->format : RC_FORMAT_PCAP);
	assert_int_equal(out->ts_micro, tc->micro);
	assert_int_equal(out->stop_size, tc->stop_size);
	assert_int_equal(out->stop_files, tc->stop_files);
	assert_int_equal(out->io, tc->io);
	/* whatever was parsed is a ring the kernel can be asked for */
	assert_int_equal(rc_ring_conf_validate(&a.cap.ring, err, sizeof(err)), 0);
	rc_args_free(&a);
	assert_null(a.cap.iface);
	assert_null(a.cap.pcaps);
}

/* ------------------------------------------------------------------ */
/* bad command lines                                                   */

struct bad_case {
	const char *name;
	const char *argv[MAX_ARGS + 1];
	const char *needles[3]; /* each must appear in the message */
};

static const struct bad_case bad_cases[] = {
	{ "nothing at all", { NULL }, { "no interface", "-i" } },
	{ "missing -i", { "-w", "x.pcap" }, { "no interface", "-i IFACE", "-r FILE" } },
	{ "missing -w", { "-i", "eth0" }, { "no output", "-w FILE" } },
	{ "missing -w, filter only", { "-i", "eth0", "udp" }, { "no output", "-w" } },
	{ "empty -i", { "-i", "", "-w", "x.pcap" }, { "-i", "empty interface" } },
	{ "empty -w", { "-i", "eth0", "-w", "" }, { "-w", "empty output" } },
	{ "--forward not rdma", { IW, "--forward", "tcp://h:1" }, { "--forward", "rdma://ADDR:PORT" } },
	{ "--forward without port", { IW, "--forward", "rdma://198.18.0.1" },
	  { "--forward", "'rdma://198.18.0.1' is not ADDR:PORT" } },
	{ "--forward port 70000", { IW, "--forward", "rdma://h:70000" }, { "--forward", "1..65535" } },
	{ "--forward-slots 0", { IW, "--forward", "rdma://h:1", "--forward-slots", "0" },
	  { "--forward-slots", "'0'", "1 to 1024" } },
	{ "--forward-policy keep", { IW, "--forward", "rdma://h:1", "--forward-policy", "keep" },
	  { "--forward-policy", "'keep'", "drop or hold" } },
	{ "--forward-slots alone", { IW, "--forward-slots", "4" },
	  { "--forward-slots", "go with --forward" } },
	{ "rotation without -w", { "-i", "eth0", "--forward", "rdma://h:1", "-C", "10" },
	  { "-C", "give -w FILE" } },
	{ "-s abc", { IW, "-s", "abc" }, { "-s", "'abc'", "262144" } },
	{ "-s 300000", { IW, "-s", "300000" }, { "-s", "'300000'" } },
	{ "-s 262145", { IW, "-s", "262145" }, { "-s", "262145" } },
	{ "-s -1", { IW, "-s", "-1" }, { "-s", "'-1'" } },
	{ "-s 99999999999", { IW, "-s", "99999999999" }, { "-s", "99999999999" } },
	{ "-c 0", { IW, "-c", "0" }, { "-c", "'0'", "positive" } },
	{ "-c x", { IW, "-c", "x" }, { "-c", "'x'" } },
	{ "-c -5", { IW, "-c", "-5" }, { "-c", "'-5'" } },
	{ "--duration abc", { IW, "--duration", "abc" }, { "--duration", "'abc'" } },
	{ "--duration 0", { IW, "--duration", "0" }, { "--duration", "'0'" } },
	{ "--duration 5x", { IW, "--duration", "5x" }, { "--duration", "'5x'" } },
	{ "--duration -5s", { IW, "--duration", "-5s" }, { "--duration", "'-5s'" } },
	{ "-C 0", { IW, "-C", "0" }, { "-C", "'0'" } },
	{ "-C abc", { IW, "-C", "abc" }, { "-C", "'abc'" } },
	{ "-C 10XB", { IW, "-C", "10XB" }, { "-C", "'10XB'" } },
	{ "-C below 4096 bytes", { IW, "-C", "1000B" }, { "file size limit", "1000", "4096" } },
	{ "-G 0", { IW, "-G", "0" }, { "-G", "'0'", "at least 1s" } },
	{ "-G 500ms", { IW, "-G", "500ms" }, { "-G", "'500ms'", "at least 1s" } },
	{ "-G abc", { IW, "-G", "abc" }, { "-G", "'abc'" } },
	{ "-W 0", { IW, "-C", "100", "-W", "0" }, { "-W", "'0'" } },
	{ "-W x", { IW, "-C", "100", "-W", "x" }, { "-W", "'x'" } },
	{ "-W -1", { IW, "-C", "100", "-W", "-1" }, { "-W", "'-1'" } },
	{ "-W without -C or -G", { IW, "-W", "5" }, { "-W", "-C", "-G" } },
	{ "--max-total without -C or -G", { IW, "--max-total", "1GiB" },
	  { "disk budget", "size or time" } },
	{ "--max-total smaller than two files", { IW, "-C", "100MB", "--max-total", "150MB" },
	  { "disk budget", "150000000", "two files" } },
	{ "--max-total 0", { IW, "-C", "100", "--max-total", "0" }, { "--max-total", "'0'" } },
	{ "-C with -w -", { "-i", "eth0", "-w", "-", "-C", "100" }, { "rotation", "stdout" } },
	{ "-G with -w -", { "-i", "eth0", "-w", "-", "-G", "60" }, { "rotation", "stdout" } },
	{ "-W with -w -", { "-i", "eth0", "-w", "-", "-G", "60", "-W", "3" },
	  { "rotation", "stdout" } },
	{ "-B abc", { IW, "-B", "abc" }, { "-B", "'abc'", "ring size" } },
	{ "-B 0", { IW, "-B", "0" }, { "-B", "'0'" } },
	{ "-B 64 (KiB): not 2 blocks", { IW, "-B", "64" }, { "ring size", "65536", "2 blocks" } },
	{ "-B 1 (KiB)", { IW, "-B", "1" }, { "ring size", "1024", "2 blocks" } },
	{ "-B 100 (KiB): under 2 blocks of 64 KiB", { IW, "-B", "100" },
	  { "-B: ring size", "102400", "2 blocks" } },
	{ "--block-size abc", { IW, "--block-size", "abc" }, { "--block-size", "'abc'" } },
	{ "--block-size 0", { IW, "--block-size", "0" }, { "block size 0", "power of two" } },
	{ "--block-size 3000", { IW, "--block-size", "3000" },
	  { "block size 3000", "power of two" } },
	{ "--block-size 3000000 with a small ring", { IW, "--block-size", "3000000", "-B", "8MiB" },
	  { "block size 3000000", "power of two" } },
	{ "--block-size 8GiB", { IW, "--block-size", "8GiB" }, { "--block-size", "'8GiB'" } },
	{ "--frame-size 100", { IW, "--frame-size", "100" }, { "frame size 100" } },
	{ "--frame-size 2050", { IW, "--frame-size", "2050" }, { "frame size 2050", "16" } },
	{ "--frame-size over the block", { IW, "--frame-size", "2MiB" },
	  { "frame size 2097152", "block size" } },
	{ "--frame-size abc", { IW, "--frame-size", "abc" }, { "--frame-size", "'abc'" } },
	{ "--retire-timeout 0", { IW, "--retire-timeout", "0" }, { "--retire-timeout", "'0'" } },
	{ "--retire-timeout 500us", { IW, "--retire-timeout", "500us" },
	  { "--retire-timeout", "'500us'", "1ms" } },
	{ "--retire-timeout 2min", { IW, "--retire-timeout", "2min" },
	  { "retire timeout", "120000" } },
	{ "filter both ways", { IW, "-f", "tcp", "udp", "port", "53" },
	  { "filter given twice", "-f", "udp ..." } },
	{ "filter both ways, one word", { IW, "-f", "tcp", "udp" },
	  { "filter given twice", "(udp)" } },
	{ "--format pcapx", { IW, "--format", "pcapx" }, { "--format", "'pcapx'", "pcap or pcapng" } },
	{ "--io fast", { IW, "--io", "fast" }, { "--io", "'fast'", "auto, direct or buffered" } },
	{ "--io direct to stdout", { "-i", "eth0", "-w", "-", "--io", "direct" },
	  { "--io direct", "standard output", "--io auto or buffered" } },
	{ "--io without -w", { "-i", "eth0", "--forward", "rdma://198.18.0.1:7718", "--io",
	  "direct" }, { "--io", "give -w FILE" } },
	{ "--time-stamp-precision milli", { IW, "--time-stamp-precision", "milli" },
	  { "--time-stamp-precision", "'milli'", "micro or nano" } },
	{ "-i twice", { "-i", "eth0", "-i", "eth0", "-w", "x.pcapng" }, { "-i eth0 given twice" } },
	{ "-i any with another", { "-i", "eth0", "-i", "any", "-w", "x.pcapng" },
	  { "-i any already captures every interface" } },
	{ "two -i into pcap", { "-i", "eth0", "-i", "eth1", "-w", "x.pcap" },
	  { "-w x.pcap", "one interface", "--format pcapng" } },
	{ "two -i into pcap on stdout", { "-i", "eth0", "-i", "eth1", "-w", "-" },
	  { "-w -", "one interface", "pcapng" } },
	{ "two -i with afxdp", { "-i", "eth0", "-i", "eth1", "-w", "x.pcapng", "--backend",
	  "afxdp", "--dedicated-port" }, { "several -i go with neither --backend afxdp" } },
	{ "two -i with --forward", { "-i", "eth0", "-i", "eth1", "-w", "x.pcapng", "--forward",
	  "rdma://198.18.0.1:7718" }, { "several -i", "--forward" } },
	{ "-r with -i", { "-r", "in.pcap", "-i", "eth0", "-w", "x.pcap" },
	  { "-r reads frames from a file", "-i" } },
	{ "-r without -w", { "-r", "in.pcap" }, { "-r needs -w FILE" } },
	{ "-r with --forward", { "-r", "in.pcap", "-w", "x", "--forward", "rdma://h:1" },
	  { "-r goes with neither --forward nor --backend" } },
	{ "-r with -j", { "-r", "in.pcap", "-w", "x", "-j", "adapter" },
	  { "-j goes with a capture, not with -r" } },
	{ "-r empty", { "-r", "", "-w", "x" }, { "-r: empty file name" } },
	{ "-z empty", { IW, "-z", "" }, { "-z: empty command" } },
	{ "-z with -w -", { "-i", "eth0", "-w", "-", "-z", "gzip" },
	  { "-z runs on the files -w writes" } },
	{ "-z without -w", { "-i", "eth0", "--forward", "rdma://h:1", "-z", "gzip" },
	  { "-z and -a filesize/files act on the -w file" } },
	{ "-F: no such file", { IW, "-F", "/nonexistent/rc-filter" },
	  { "-F: cannot read /nonexistent/rc-filter", "No such file" } },
	{ "-F and -f", { IW, "-F", FFILE, "-f", "tcp" }, { "filter given twice: with -F and with -f" } },
	{ "-f and -F", { IW, "-f", "tcp", "-F", FFILE }, { "filter given twice: with -f and with -F" } },
	{ "-F and words", { IW, "-F", FFILE, "tcp" },
	  { "filter given twice: with -F and as words", "(tcp)" } },
	{ "-j bogus", { IW, "-j", "bogus" }, { "-j: 'bogus' is not a time stamp type",
	  "adapter_unsynced" } },
	{ "-j adapter on any", { "-i", "any", "-w", "x", "-j", "adapter" },
	  { "-j: 'any' has no one adapter clock" } },
	{ "-j adapter with afxdp", { IW, "-j", "adapter_unsynced", "--backend", "afxdp",
	  "--dedicated-port" }, { "-j: the afxdp backend stamps frames in its XDP program" } },
	{ "-b without a colon", { IW, "-b", "filesize" }, { "-b: 'filesize' is not KEY:VALUE" } },
	{ "-b without a value", { IW, "-b", "files:" }, { "-b: 'files:' is not KEY:VALUE" } },
	{ "-b interval", { IW, "-b", "interval:60" }, { "-b: 'interval' is not supported", "-G" } },
	{ "-b filesize:0", { IW, "-b", "filesize:0" }, { "-b filesize: '0' is not a size in kB" } },
	{ "-b duration:0", { IW, "-b", "duration:0" }, { "-b duration: '0'", "at least 1s" } },
	{ "-b files:x", { IW, "-b", "files:x" }, { "-b files: 'x' is not a positive number" } },
	{ "-b files alone", { IW, "-b", "files:5" }, { "-W", "-C", "-G" } },
	{ "-a bogus", { IW, "-a", "bogus:1" }, { "-a: 'bogus' is not supported" } },
	{ "-a without a colon", { IW, "-a", "duration" }, { "-a: 'duration' is not KEY:VALUE" } },
	{ "-a duration:x", { IW, "-a", "duration:x" }, { "-a duration: 'x' is not a duration" } },
	{ "-a packets:0", { IW, "-a", "packets:0" }, { "-a packets: '0' is not a positive number" } },
	{ "-a filesize:1", { IW, "-a", "filesize:1" },
	  { "-a filesize: '1' is not a size of at least 5 kB" } },
	{ "-a files:0", { IW, "-C", "1", "-a", "files:0" }, { "-a files: '0' is not a positive" } },
	{ "-a files without rotation", { IW, "-a", "files:3" },
	  { "-a files: stops after that many files", "rotation" } },
	{ "-a filesize without -w", { "-i", "eth0", "--forward", "rdma://h:1", "-a",
	  "filesize:100" }, { "-z and -a filesize/files act on the -w file" } },
	/* one limit, two values: neither may silently win */
	{ "-b filesize and -C differ", { IW, "-b", "filesize:1000", "-C", "2" },
	  { "-b filesize:1000 and -C 2", "file size", "give one" } },
	{ "-C and -b filesize differ", { IW, "-C", "2", "-b", "filesize:1000" },
	  { "-C 2 and -b filesize:1000", "file size" } },
	{ "-G and -b duration differ", { IW, "-G", "60", "-b", "duration:30" },
	  { "-G 60 and -b duration:30", "rotation time" } },
	{ "-W and -b files differ", { IW, "-C", "1", "-W", "5", "-b", "files:3" },
	  { "-W 5 and -b files:3", "file count" } },
	{ "-c and -a packets differ", { IW, "-c", "10", "-a", "packets:20" },
	  { "-c 10 and -a packets:20", "count" } },
	{ "--duration and -a duration differ", { IW, "--duration", "10", "-a", "duration:20" },
	  { "--duration 10 and -a duration:20" } },
	{ "unknown short option", { IW, "-x" }, { "unknown option", "-x" } },
	{ "unknown long option", { IW, "--bogus" }, { "unknown option", "--bogus" } },
	{ "unknown option in a group", { IW, "-qK" }, { "unknown option", "-K" } },
	{ "-Z empty", { IW, "-Z", "" }, { "-Z", "empty user name" } },
	{ "-Z with afxdp", { IW, "-Z", "nobody", "--backend", "afxdp", "--dedicated-port" },
	  { "-Z cannot go with --backend afxdp" } },
	{ "afxdp without consent", { IW, "--backend", "afxdp", "udp" },
	  { "--dedicated-port (every frame is taken)", "--take-matching (the frames that match",
	    "the others reach the host" } },
	{ "afxdp, both consents", { IW, "--backend", "afxdp", "--dedicated-port",
				    "--take-matching", "udp" },
	  { "--dedicated-port and --take-matching exclude each other" } },
	{ "--take-matching without a filter", { IW, "--backend", "afxdp", "--take-matching" },
	  { "--take-matching", "give a filter" } },
	{ "--xdp-frame-size 3000", { IW, "--backend", "afxdp", "--dedicated-port",
				     "--xdp-frame-size", "3000" },
	  { "--xdp-frame-size", "'3000'", "2048 or 4096" } },
	{ "--xdp-frame-size with afpacket", { IW, "--xdp-frame-size", "4096" },
	  { "--xdp-frame-size", "go with --backend afxdp" } },
	{ "--take-matching with afpacket", { IW, "--take-matching", "udp" },
	  { "--take-matching", "go with --backend afxdp" } },
	{ "-i without its value", { "-w", "x.pcap", "-i" }, { "-i", "needs a value" } },
	{ "-w without its value", { "-i", "eth0", "-w" }, { "-w", "needs a value" } },
	{ "-s without its value", { IW, "-s" }, { "-s", "needs a value" } },
	{ "--duration without its value", { IW, "--duration" },
	  { "--duration", "needs a value" } },
	{ "--block-size without its value", { IW, "--block-size" },
	  { "--block-size", "needs a value" } },
};

static void test_bad(void **state)
{
	const struct bad_case *tc = *state;
	struct rc_capture_args a;
	char err[512];
	int r;

	r = parse(tc->argv, &a, err, sizeof(err));
	print_message("    message: %s\n", err);
	assert_int_equal(r, -EINVAL);
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n')); /* one line: the caller adds the program name */
	for (size_t i = 0; i < ARRAY_SIZE(tc->needles) && tc->needles[i]; i++) {
		if (!strstr(err, tc->needles[i]))
			print_error("'%s' is not in '%s'\n", tc->needles[i], err);
		assert_non_null(strstr(err, tc->needles[i]));
	}
	rc_args_free(&a);
}

/* getopt keeps state between calls: a parse that stopped inside a group of
 * short options must not leak into the next one. */
static void test_reparse_after_error(void **state)
{
	static const char *const bad[] = { "-i", "eth0", "-qX", "-w", "x.pcap", NULL };
	static const char *const good[] = { "-pw", "y.pcap", "-i", "eth9", NULL };
	struct rc_capture_args a;
	char err[256];

	(void)state;
	assert_int_equal(parse(bad, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "-X"));
	rc_args_free(&a);
	assert_int_equal(parse(good, &a, err, sizeof(err)), RC_ARGS_OK);
	assert_string_equal(a.cap.iface, "eth9");
	assert_string_equal(a.cap.pcaps[0].path, "y.pcap");
	assert_false(a.cap.promisc);
	assert_false(a.quiet);
	rc_args_free(&a);
}

/* A short error buffer still gets a terminated (cut) message. */
static void test_short_error_buffer(void **state)
{
	static const char *const bad[] = { "-w", "x.pcap", NULL };
	struct rc_capture_args a;
	char err[8];

	(void)state;
	assert_int_equal(parse(bad, &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_memory_equal(err, "no inte", 8);
	rc_args_free(&a);
}

static void test_usage_names_flags(void **state)
{
	static const char *const flags[] = { "-i IFACE", "-w FILE", "-s SNAPLEN", "-c COUNT",
					     "--duration", "-C SIZE", "-G TIME", "-W FILES",
					     "--max-total", "-B RING_SIZE", "--block-size",
					     "--frame-size", "--retire-timeout", "-p", "-q",
					     "--dedicated-port", "--take-matching", "--xdp-frame-size" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		assert_non_null(strstr(rc_capture_usage, flags[i]));
}

/* AF_XDP's consents and UMEM frame size land where the source reads them. */
static void test_afxdp_flags(void **state)
{
	static const char *const shared[] = { IW, "--backend", "afxdp", "--take-matching",
					      "vlan", "7", NULL };
	static const char *const dedicated[] = { IW, "--backend", "afxdp", "--dedicated-port",
						 "--xdp-frame-size", "4KiB", NULL };
	struct rc_capture_args a;
	char err[512];

	(void)state;
	assert_int_equal(parse(shared, &a, err, sizeof(err)), 0);
	assert_true(a.cap.xdp.take_matching);
	assert_false(a.cap.xdp.dedicated_port);
	assert_string_equal(a.cap.filter, "vlan 7");
	assert_int_equal(a.cap.xdp.frame_size, RC_XDP_FRAME_SIZE_DEFAULT);
	rc_args_free(&a);
	assert_int_equal(parse(dedicated, &a, err, sizeof(err)), 0);
	assert_true(a.cap.xdp.dedicated_port);
	assert_false(a.cap.xdp.take_matching);
	assert_int_equal(a.cap.xdp.frame_size, 4096);
	rc_args_free(&a);
}

/* ------------------------------------------------------------------ */
/* rc_ring_conf_validate                                               */

struct ring_case {
	const char *name;
	struct rc_ring_conf ring;
	const char *needles[3]; /* NULL first: valid */
};

#define RING(bs, nr, fs, tov) { .block_size = (bs), .block_nr = (nr), .frame_size = (fs), \
				.retire_tov_ms = (tov) }

static const struct ring_case ring_cases[] = {
	{ "defaults", RING(1 << 20, 64, 2048, 40), { NULL } },
	{ "smallest", RING(4096, 2, 128, 1), { NULL } },
	{ "largest block, 60 s", RING(1u << 30, 2, 2048, 60000), { NULL } },
	{ "exactly 64 GiB", RING(1 << 20, 65536, 2048, 40), { NULL } },
	{ "frame as large as the block", RING(4096, 8, 4096, 40), { NULL } },
	{ "block size 0", RING(0, 64, 2048, 40), { "block size 0", "power of two" } },
	{ "block below the page", RING(2048, 64, 2048, 40), { "block size 2048", "page size" } },
	{ "block not a power of two", RING(3 * 4096, 64, 2048, 40),
	  { "block size 12288", "power of two" } },
	{ "block over 1 GiB", RING(1u << 31, 2, 2048, 40), { "block size 2147483648", "1 GiB" } },
	{ "one block", RING(1 << 20, 1, 2048, 40), { "at least 2 blocks", "count 1" } },
	{ "no blocks", RING(1 << 20, 0, 2048, 40), { "at least 2 blocks", "count 0" } },
	{ "over 64 GiB", RING(1 << 20, 65537, 2048, 40), { "65537 blocks", "64 GiB" } },
	{ "frame too small", RING(1 << 20, 64, 64, 40), { "frame size 64", "128" } },
	{ "frame not a multiple of 16", RING(1 << 20, 64, 2056, 40),
	  { "frame size 2056", "multiple of 16" } },
	{ "frame over the block", RING(4096, 64, 8192, 40), { "frame size 8192", "block size" } },
	{ "timeout 0", RING(1 << 20, 64, 2048, 0), { "retire timeout 0", "1 ms" } },
	{ "timeout over 60 s", RING(1 << 20, 64, 2048, 60001), { "retire timeout 60001", "60 s" } },
};

static void test_ring_validate(void **state)
{
	const struct ring_case *tc = *state;
	char err[256] = "";
	int r;

	r = rc_ring_conf_validate(&tc->ring, err, sizeof(err));
	if (!tc->needles[0]) {
		if (r != 0)
			print_error("unexpected: %s\n", err);
		assert_int_equal(r, 0);
		return;
	}
	print_message("    message: %s\n", err);
	assert_int_equal(r, -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(tc->needles) && tc->needles[i]; i++)
		assert_non_null(strstr(err, tc->needles[i]));
}

/* ------------------------------------------------------------------ */
/* rc_rotate_conf_validate                                             */

struct rot_case {
	const char *name;
	const char *path;
	struct rc_rotate_conf rot;
	const char *needles[3]; /* NULL first: valid */
};

static const struct rot_case rot_cases[] = {
	{ "no rotation", "x.pcap", { 0 }, { NULL } },
	{ "no rotation to stdout", "-", { 0 }, { NULL } },
	{ "size", "x.pcap", { .max_size = 4096 }, { NULL } },
	{ "time and count", "x.pcap", { .max_time_ns = SEC, .max_files = 3 }, { NULL } },
	{ "size and budget of exactly two files", "x.pcap",
	  { .max_size = 1000000, .max_total = 2000000 }, { NULL } },
	{ "time and budget", "x.pcap", { .max_time_ns = SEC, .max_total = 1 }, { NULL } },
	{ "no path given", NULL, { .max_size = 1000000 }, { NULL } },
	{ "size to stdout", "-", { .max_size = 1000000 }, { "rotation", "stdout" } },
	{ "time to stdout", "-", { .max_time_ns = SEC }, { "rotation", "stdout" } },
	{ "count to stdout", "-", { .max_files = 2 }, { "rotation", "stdout" } },
	{ "budget to stdout", "-", { .max_total = GiB }, { "rotation", "stdout" } },
	{ "size below 4096", "x.pcap", { .max_size = 4095 }, { "4095", "4096" } },
	{ "budget under two files", "x.pcap", { .max_size = 1000000, .max_total = 1999999 },
	  { "disk budget 1999999", "two files of 1000000" } },
	{ "budget alone", "x.pcap", { .max_total = GiB }, { "disk budget", "size or time" } },
	{ "count alone", "x.pcap", { .max_files = 5 }, { "(-W)", "(-C)", "(-G)" } },
};

static void test_rotate_validate(void **state)
{
	const struct rot_case *tc = *state;
	char err[256] = "";
	int r;

	r = rc_rotate_conf_validate(&tc->rot, tc->path, err, sizeof(err));
	if (!tc->needles[0]) {
		if (r != 0)
			print_error("unexpected: %s\n", err);
		assert_int_equal(r, 0);
		return;
	}
	print_message("    message: %s\n", err);
	assert_int_equal(r, -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(tc->needles) && tc->needles[i]; i++)
		assert_non_null(strstr(err, tc->needles[i]));
}

/* ------------------------------------------------------------------ */
/* -i N: the N-th interface of `ringcap -D` (tcpdump's numbers)         */

/* As pcap_findalldevs() orders them: loopback after the others, "any"
 * among them, pseudo-devices, and an interface whose name is a number. */
static const char *const fake_ifaces[] = { "advc1", "advc0", "any", "lo", "nflog", "7" };
static unsigned fake_calls;

static int fake_list(char ***ret, size_t *ret_n, char *err, size_t errlen)
{
	char **v = calloc(ARRAY_SIZE(fake_ifaces), sizeof(*v));

	(void)err;
	(void)errlen;
	fake_calls++;
	assert_non_null(v);
	for (size_t i = 0; i < ARRAY_SIZE(fake_ifaces); i++)
		v[i] = strdup(fake_ifaces[i]);
	*ret = v;
	*ret_n = ARRAY_SIZE(fake_ifaces);
	return 0;
}

static int failing_list(char ***ret, size_t *ret_n, char *err, size_t errlen)
{
	(void)ret;
	(void)ret_n;
	snprintf(err, errlen, "socket: Permission denied");
	return -EACCES;
}

static int parse_numbered(const char *const *args, rc_args_iface_list list,
			  struct rc_capture_args *a, char *err, size_t errlen)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0;

	argv[argc++] = (char *)"capture";
	for (size_t i = 0; i < MAX_ARGS && args[i]; i++)
		argv[argc++] = (char *)(uintptr_t)args[i];
	argv[argc] = NULL;
	memset(err, 0, errlen);
	return rc_args_parse_capture(argc, argv, list, a, err, errlen);
}

static void test_iface_numbers(void **state)
{
	static const struct {
		const char *argv[8];
		const char *iface, *iface2;   /* NULL iface: bad, @needle in the message */
		const char *needle;
	} cases[] = {
		{ { "-i", "1", "-w", "x.pcap" }, "advc1", NULL, NULL },
		{ { "-i", "2", "-w", "x.pcap" }, "advc0", NULL, NULL },
		{ { "-i", "4", "-w", "x.pcap" }, "lo", NULL, NULL },
		{ { "-i", "02", "-w", "x.pcap" }, "advc0", NULL, NULL },
		{ { "-i", "3", "-w", "x.pcap" }, "any", NULL, NULL },
		/* "7" is an interface's name: the name wins, as in tcpdump */
		{ { "-i", "7", "-w", "x.pcap" }, "7", NULL, NULL },
		{ { "-i", "1", "-i", "4", "-w", "x.pcapng" }, "advc1", "lo", NULL },
		{ { "-i", "0", "-w", "x.pcap" }, NULL, NULL, "-i 0: no interface has number 0" },
		{ { "-i", "8", "-w", "x.pcap" }, NULL, NULL,
		  "-i 8: no interface has number 8 (ringcap -D lists 6" },
		{ { "-i", "99999999999999999999", "-w", "x.pcap" }, NULL, NULL,
		  "-i 99999999999999999999: no interface has number" },
		/* the checks see the interface the number names */
		{ { "-i", "3", "-w", "x", "-j", "adapter" }, NULL, NULL, "-j: 'any'" },
		{ { "-i", "1", "-i", "advc1", "-w", "x.pcapng" }, NULL, NULL,
		  "-i advc1 given twice" },
	};
	struct rc_capture_args a;
	char err[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = parse_numbered(cases[i].argv, fake_list, &a, err, sizeof(err));

		print_message("    -i %s: %d %s\n", cases[i].argv[1], r, err);
		if (cases[i].iface) {
			assert_int_equal(r, RC_ARGS_OK);
			assert_string_equal(a.cap.iface, cases[i].iface);
			if (cases[i].iface2) {
				assert_int_equal(a.cap.n_ifaces, 2);
				assert_string_equal(a.cap.ifaces[1], cases[i].iface2);
			}
		} else {
			assert_int_equal(r, -EINVAL);
			assert_non_null(strstr(err, cases[i].needle));
		}
		rc_args_free(&a);
	}
	/* a name is a name: the list is not even asked for */
	fake_calls = 0;
	assert_int_equal(parse_numbered((const char *const[]){ "-i", "eth0", "-w", "x", NULL },
					fake_list, &a, err, sizeof(err)), RC_ARGS_OK);
	rc_args_free(&a);
	assert_int_equal(fake_calls, 0);
	/* the list asked once for several numbers */
	assert_int_equal(parse_numbered((const char *const[]){ "-i", "1", "-i", "2", "-w",
							 "x.pcapng", NULL },
					fake_list, &a, err, sizeof(err)), RC_ARGS_OK);
	rc_args_free(&a);
	assert_int_equal(fake_calls, 1);
	/* no list to ask: the number stays a name */
	assert_int_equal(parse_numbered((const char *const[]){ "-i", "2", "-w", "x", NULL }, NULL,
					&a, err, sizeof(err)), RC_ARGS_OK);
	assert_string_equal(a.cap.iface, "2");
	rc_args_free(&a);
	/* the list cannot be had: said so */
	assert_int_equal(parse_numbered((const char *const[]){ "-i", "2", "-w", "x", NULL },
					failing_list, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "-i 2: cannot list the interfaces: socket: Permission denied"));
	rc_args_free(&a);
}

int main(void)
{
	FILE *f = fopen(FFILE, "w");

	if (!f || fputs(FFILE_TEXT, f) < 0 || fclose(f) != 0) {
		perror(FFILE);
		return 1;
	}
	static const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_reparse_after_error),
		cmocka_unit_test(test_short_error_buffer),
		cmocka_unit_test(test_usage_names_flags),
		cmocka_unit_test(test_afxdp_flags),
		cmocka_unit_test(test_iface_numbers),
	};
	static const struct table tables[] = {
		TABLE("good", test_good, good_cases),
		TABLE("bad", test_bad, bad_cases),
		TABLE("ring", test_ring_validate, ring_cases),
		TABLE("rotate", test_rotate_validate, rot_cases),
	};

	return run_tables("args", plain, ARRAY_SIZE(plain), tables, ARRAY_SIZE(tables));
}

// SPDX-License-Identifier: MIT
/*
 * Unit tests for the daemon's configuration file (src/config/yaml.h).
 *
 * Every message the loader can give has at least one row in bad_cases: a
 * small YAML text, written to a temporary file, must fail with -EINVAL and
 * exactly the listed messages, each compared whole ("FILE:LINE:COL: key:
 * text"), so a wrong line, column or key name fails as surely as a wrong
 * word.  Good files are checked field by field.  Every load is followed by
 * rc_config_free(), so the sanitizer build also checks that no path leaks.
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
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/config/outpaths.h"
#include "../../src/config/yaml.h"
#include "../../src/engine/ifaces.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include "rc_table.h"

#define KiB 1024ULL
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)
#define SEC 1000000000ULL
#define MSEC 1000000ULL

/* ------------------------------------------------------------------ */
/* helpers                                                             */

/* The YAML text in a fresh temporary file; the caller unlinks it. */
static void write_tmp(const char *yaml, char *path, size_t len)
{
	rc_test_write_tmp(yaml, ".yaml", path, len);
}

static struct rc_diag diag; /* 32 KiB: not on cmocka's stack */

/* Load @yaml; the test fails, showing every message, unless it loads. */
static struct rc_config *load_ok(const char *yaml)
{
	struct rc_config *c = NULL;
	char path[256];
	int r;

	write_tmp(yaml, path, sizeof(path));
	r = rc_config_load(path, &c, &diag);
	unlink(path);
	if (r != 0) {
		rc_diag_print(&diag, stderr, "  unexpected: ");
		fail_msg("rc_config_load returned %d", r);
	}
	assert_int_equal(diag.n, 0);
	assert_non_null(c);
	return c;
}

/* A capture with its three required keys; @extra goes between them, one
 * key per line at column 5, starting on line 4. */
#define CAP(extra) \
	"captures:\n" \
	"  - name: a\n" \
	"    interface: eth0\n" \
	extra \
	"    outputs:\n" \
	"      - pcap: { path: /x/a.pcap }\n"

/* An output whose extra keys sit at column 11 from line 7 on. */
#define OUT(extra) \
	"captures:\n" \
	"  - name: a\n" \
	"    interface: eth0\n" \
	"    outputs:\n" \
	"      - pcap:\n" \
	"          path: /x/a.pcap\n" \
	extra

/* ------------------------------------------------------------------ */
/* one row per message                                                 */

#define MAX_MSGS 4

/*
 * @msgs are the expected messages after "FILE:", in order.  In them,
 * "{PAGE}" stands for the page size, and a trailing '*' makes the rest
 * libpcap's own words, not compared.
 */
struct bad_case {
	const char *name;
	const char *yaml;
	const char *msgs[MAX_MSGS];
};

static const struct bad_case bad_cases[] = {
	/* YAML itself */
	{ "syntax error", "captures:\n  - name: a\n   interface: x\n",
	  { "3:4: YAML syntax error: did not find expected '-' indicator "
	    "(while parsing a block collection at 2:3)" } },
	{ "syntax error: unclosed flow sequence", "captures: [a, b\n",
	  { "2:1: YAML syntax error: did not find expected ',' or ']' "
	    "(while parsing a flow sequence at 1:11)" } },
	{ "syntax error: invalid UTF-8", "captures: a\xff\n",
	  { "1:12: YAML syntax error: invalid leading UTF-8 octet" } },
	{ "second document", CAP("") "---\ncaptures: []\n",
	  { "6:1: a second YAML document; the file must hold exactly one" } },

	/* keys */
	{ "unknown key, near one", CAP("    interfce: eth1\n"),
	  { "4:5: captures[0]: unknown key 'interfce', did you mean 'interface'?" } },
	{ "unknown key, swapped letters", CAP("    snpalen: 96\n"),
	  { "4:5: captures[0]: unknown key 'snpalen', did you mean 'snaplen'?" } },
	{ "unknown key, top level", "deamon: {}\n" CAP(""),
	  { "1:1: top level: unknown key 'deamon', did you mean 'daemon'?" } },
	{ "unknown key, none near", CAP("    colour: red\n"),
	  { "4:5: captures[0]: unknown key 'colour' (known keys: backend, fanout, fanout_flags, "
	    "filter, interface, name, outputs, promiscuous, ring, snaplen, workers, xdp)" } },
	{ "unknown output type", OUT("      - kafka: { host: x }\n"),
	  { "7:9: captures[0].outputs[1]: unknown key 'kafka' (known keys: pcap, rdma)" } },
	{ "rdma without a peer", OUT("      - rdma: { slots: 4 }\n"),
	  { "7:15: captures[0].outputs[1].rdma: missing required key 'peer'" } },
	{ "rdma peer without a port", OUT("      - rdma: { peer: 198.18.0.1 }\n"),
	  { "7:23: captures[0].outputs[1].rdma.peer: '198.18.0.1' is not ADDR:PORT "
	    "(a port 1..65535; IPv6 as [ADDR]:PORT)" } },
	{ "rdma peer port 0", OUT("      - rdma: { peer: \"[fd00::1]:0\" }\n"),
	  { "7:23: captures[0].outputs[1].rdma.peer: '[fd00::1]:0' is not ADDR:PORT "
	    "(a port 1..65535; IPv6 as [ADDR]:PORT)" } },
	{ "rdma slots out of range", OUT("      - rdma: { peer: \"h:1\", slots: 5000 }\n"),
	  { "7:37: captures[0].outputs[1].rdma.slots: 5000 is out of range (1 to 1024)" } },
	{ "rdma unknown policy", OUT("      - rdma: { peer: \"h:1\", on_backpressure: block }\n"),
	  { "7:47: captures[0].outputs[1].rdma.on_backpressure: unknown policy 'block' "
	    "(expected drop or hold)" } },
	{ "rdma and pcap in one item",
	  OUT("      - { pcap: { path: /x/b.pcap }, rdma: { peer: \"h:1\" } }\n"),
	  { "7:38: captures[0].outputs[1]: one output is either pcap or rdma: make two list items" } },
	{ "duplicate key", CAP("    snaplen: 100\n    snaplen: 200\n"),
	  { "5:5: captures[0]: duplicate key 'snaplen' (first given at 4:5)" } },

	/* types */
	{ "mapping for an integer", CAP("    snaplen: { a: 1 }\n"),
	  { "4:14: captures[0].snaplen: expected an integer, got a mapping" } },
	{ "list for a string",
	  "captures:\n  - name: a\n    interface: [eth0, eth1]\n"
	  "    outputs: [ { pcap: { path: /x/a.pcap } } ]\n",
	  { "3:16: captures[0].interface: expected a string, got a list" } },
	{ "words for a boolean", CAP("    promiscuous: yes please\n"),
	  { "4:18: captures[0].promiscuous: expected a boolean (true/false, yes/no, on/off), "
	    "got 'yes please'" } },
	{ "words for an integer", CAP("    workers: two\n"),
	  { "4:14: captures[0].workers: expected an integer, got 'two'" } },
	{ "nothing for an integer", CAP("    snaplen:\n"),
	  { "4:13: captures[0].snaplen: expected an integer, got nothing" } },
	{ "list for a section", "daemon: [a]\n" CAP(""),
	  { "1:9: daemon: expected a mapping, got a list" } },
	{ "top level is a list", "- captures\n",
	  { "1:1: top level: expected a mapping, got a list" } },
	{ "key is a list", "? [a]\n: 1\n" CAP(""),
	  { "1:3: top level: expected a key name, got a list" } },
	{ "captures is a mapping", "captures:\n  name: a\n",
	  { "2:3: captures: expected a list of captures, got a mapping" } },
	{ "NUL in a string", CAP("    filter: \"a\\0b\"\n"),
	  { "4:13: captures[0].filter: contains a NUL character" } },
	{ "empty name",
	  "captures:\n  - name: \"\"\n    interface: eth0\n"
	  "    outputs: [ { pcap: { path: /x/a.pcap } } ]\n",
	  { "2:11: captures[0].name: expected a non-empty string, got ''" } },
	{ "file mode not octal", OUT("          file_mode: \"0689\"\n"),
	  { "7:22: captures[0].outputs[0].pcap.file_mode: expected an octal file mode such as "
	    "\"0640\", got '0689'" } },

	/* units */
	{ "not a size", CAP("    ring: { size: 12 parsecs }\n"),
	  { "4:19: captures[0].ring.size: '12 parsecs' is not a size (a number of bytes, or "
	    "with B, KiB, MiB, GiB, TiB, kB, MB, GB or TB)" } },
	{ "not a duration", CAP("    ring: { retire_timeout: 5 fortnights }\n"),
	  { "4:29: captures[0].ring.retire_timeout: '5 fortnights' is not a duration (a number "
	    "of seconds, or with ns, us, ms, s, min, h or d)" } },
	{ "not whole milliseconds", CAP("    ring: { retire_timeout: 1500us }\n"),
	  { "4:29: captures[0].ring.retire_timeout: 1500us is not a whole number of "
	    "milliseconds" } },

	/* ranges */
	{ "snaplen 0", CAP("    snaplen: 0\n"),
	  { "4:14: captures[0].snaplen: 0 is out of range (1 to 262144)" } },
	{ "snaplen 300000", CAP("    snaplen: 300000\n"),
	  { "4:14: captures[0].snaplen: 300000 is out of range (1 to 262144)" } },
	{ "workers 0", CAP("    workers: 0\n"),
	  { "4:14: captures[0].workers: 0 is out of range (1 to 64)" } },
	{ "workers 65", CAP("    workers: 65\n"),
	  { "4:14: captures[0].workers: 65 is out of range (1 to 64)" } },
	{ "negative number", CAP("    workers: -2\n"),
	  { "4:14: captures[0].workers: -2 is out of range (1 to 64)" } },
	{ "huge number", CAP("    workers: 99999999999999999999999\n"),
	  { "4:14: captures[0].workers: 99999999999999999999999 is out of range (1 to 64)" } },
	{ "output format pcapx", OUT("          format: pcapx\n"),
	  { "7:19: captures[0].outputs[0].pcap.format: unknown file format 'pcapx' "
	    "(expected pcap or pcapng)" } },
	{ "output format a list", OUT("          format: [pcapng]\n"),
	  { "7:19: captures[0].outputs[0].pcap.format: expected a file format, got a list" } },
	{ "output io fast", OUT("          io: fast\n"),
	  { "7:15: captures[0].outputs[0].pcap.io: unknown way of writing 'fast' "
	    "(expected auto, direct or buffered)" } },
	{ "output io a list", OUT("          io: [direct]\n"),
	  { "7:15: captures[0].outputs[0].pcap.io: expected a way of writing, got a list" } },
	{ "output snaplen 300000", OUT("          snaplen: 300000\n"),
	  { "7:20: captures[0].outputs[0].pcap.snaplen: 300000 is out of range (1 to 262144)" } },
	{ "duration below minimum", "daemon:\n  status_interval: 500ms\n" CAP(""),
	  { "2:20: daemon.status_interval: 500ms is out of range (at least 1s)" } },
	{ "duration too large", "daemon:\n  status_interval: 99999999999999999999d\n" CAP(""),
	  { "2:20: daemon.status_interval: 99999999999999999999d is out of range (too large)" } },
	{ "retire timeout 2min", CAP("    ring: { retire_timeout: 2min }\n"),
	  { "4:29: captures[0].ring.retire_timeout: 2min is out of range (1ms to 60s)" } },
	{ "block size 2GiB", CAP("    ring: { block_size: 2GiB }\n"),
	  { "4:25: captures[0].ring.block_size: 2GiB is out of range (1 to 1GiB)" } },
	{ "rotation time 0.5s", OUT("          rotate: { time: 0.5s }\n"),
	  { "7:27: captures[0].outputs[0].pcap.rotate.time: 0.5s is out of range (at least 1s)" } },
	{ "file mode 1777", OUT("          file_mode: 1777\n"),
	  { "7:22: captures[0].outputs[0].pcap.file_mode: 1777 is out of range (0001 to 0777)" } },
	{ "file mode 0", OUT("          file_mode: 0\n"),
	  { "7:22: captures[0].outputs[0].pcap.file_mode: 0 is out of range (0001 to 0777)" } },

	/* ring geometry, worded by conf.c */
	{ "block size not a power of two", CAP("    ring: { block_size: 3000 }\n"),
	  { "4:25: captures[0].ring.block_size: block size 3000 is not a power of two between "
	    "the page size ({PAGE}) and 1 GiB" } },
	{ "frame size", CAP("    ring: { frame_size: 100 }\n"),
	  { "4:25: captures[0].ring.frame_size: frame size 100 must be a multiple of 16 between "
	    "128 and the block size" } },
	{ "one block", CAP("    ring: { blocks: 1 }\n"),
	  { "4:21: captures[0].ring.blocks: ring needs at least 2 blocks (block count 1)" } },
	{ "ring larger than 64 GiB", CAP("    ring: { blocks: 65537 }\n"),
	  { "4:21: captures[0].ring.blocks: ring of 65537 blocks of 1048576 bytes is larger "
	    "than 64 GiB" } },
	{ "ring size too small", CAP("    ring: { size: 1MiB, block_size: 1MiB }\n"),
	  { "4:19: captures[0].ring.size: ring size 1048576 bytes is too small: it must hold "
	    "at least 2 blocks of 1048576 bytes" } },
	{ "size and blocks", CAP("    ring: { size: 64MiB, blocks: 8 }\n"),
	  { "4:26: captures[0].ring: 'size' and 'blocks' cannot both be given (size is at "
	    "4:13)" } },

	/* rotation, worded by conf.c without the CLI's flags */
	{ "file count alone", OUT("          rotate: { files: 3 }\n"),
	  { "7:19: captures[0].outputs[0].pcap.rotate: a file count needs rotation by size or "
	    "time" } },
	{ "disk budget alone", OUT("          rotate: { total: 10GiB }\n"),
	  { "7:19: captures[0].outputs[0].pcap.rotate: a disk budget needs rotation by size or "
	    "time, or no file could ever be removed" } },
	{ "rotation size below 4096", OUT("          rotate: { size: 100 }\n"),
	  { "7:19: captures[0].outputs[0].pcap.rotate: file size limit 100 bytes is below the "
	    "minimum of 4096" } },
	{ "a worker's share of the budget below two files",
	  "captures:\n"
	  "  - name: a\n"
	  "    interface: eth0\n"
	  "    workers: 4\n"
	  "    outputs:\n"
	  "      - pcap:\n"
	  "          path: /x/a.pcap\n"
	  "          rotate: { size: 8KiB, total: 16KiB }\n",
	  { "8:19: captures[0].outputs[0].pcap.rotate: with 4 workers each writes its own files "
	    "with 1/4 of the limits: disk budget 4096 bytes must hold at least two files of "
	    "8192 bytes" } },
	{ "nested too deep (libyaml would take quadratic time)",
	  "captures: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	  { "1:75: nested more than 64 levels deep" } },
	{ "disk budget below two files", OUT("          rotate: { size: 1MiB, total: 1MiB }\n"),
	  { "7:19: captures[0].outputs[0].pcap.rotate: disk budget 1048576 bytes must hold at "
	    "least two files of 1048576 bytes" } },

	/* required keys */
	{ "missing name",
	  "captures:\n  - interface: eth0\n    outputs: [ { pcap: { path: /x/a.pcap } } ]\n",
	  { "2:5: captures[0]: missing required key 'name'" } },
	{ "missing interface",
	  "captures:\n  - name: a\n    outputs: [ { pcap: { path: /x/a.pcap } } ]\n",
	  { "2:5: captures[0]: missing required key 'interface'" } },
	{ "missing outputs", "captures:\n  - name: a\n    interface: eth0\n",
	  { "2:5: captures[0]: missing required key 'outputs'" } },
	{ "missing path", "captures:\n  - name: a\n    interface: eth0\n"
			  "    outputs:\n      - pcap: { file_mode: \"0600\" }\n",
	  { "5:15: captures[0].outputs[0].pcap: missing required key 'path'" } },
	{ "missing output type", "captures:\n  - name: a\n    interface: eth0\n"
				 "    outputs:\n      - {}\n",
	  { "5:9: captures[0].outputs[0]: missing required key 'pcap'" } },
	{ "missing captures", "daemon: { user: ringcap }\n",
	  { "1:1: missing required key 'captures'" } },
	{ "empty file", "", { "1:1: missing required key 'captures'" } },
	{ "no captures", "captures: []\n",
	  { "1:11: captures: the list is empty: at least one capture is required" } },
	{ "no outputs", "captures:\n  - name: a\n    interface: eth0\n    outputs: []\n",
	  { "4:14: captures[0].outputs: the list is empty: at least one output is required" } },
	{ "missing prometheus path", "daemon:\n  prometheus: { interval: 1min }\n" CAP(""),
	  { "2:15: daemon.prometheus: missing required key 'path'" } },

	/* names and paths used twice */
	{ "duplicate capture name",
	  CAP("") "  - name: a\n    interface: eth1\n    outputs: [ { pcap: { path: /x/b.pcap } } ]\n",
	  { "6:11: captures[1].name: capture 'a' is already defined at 2:11" } },
	{ "same path in two captures",
	  CAP("") "  - name: b\n    interface: eth1\n    outputs: [ { pcap: { path: /x/a.pcap } } ]\n",
	  { "8:32: captures[1].outputs[0].pcap.path: outputs '/x/a.pcap' and '/x/a.pcap' (capture "
	    "'a' at 5:23) would both write /x/a.pcap" } },
	{ "same path twice in one capture", OUT("      - pcap: { path: /x/a.pcap }\n"),
	  { "7:23: captures[0].outputs[1].pcap.path: outputs '/x/a.pcap' and '/x/a.pcap' (capture "
	    "'a' at 6:17) would both write /x/a.pcap" } },
	{ "worker file of another capture", CAP("    workers: 2\n")
	  "  - name: b\n    interface: eth1\n    outputs: [ { pcap: { path: /x/a_w0.pcap } } ]\n",
	  { "9:32: captures[1].outputs[0].pcap.path: outputs '/x/a_w0.pcap' and '/x/a.pcap' "
	    "(capture 'a' at 6:23) would both write /x/a_w0.pcap, a per-worker name of "
	    "'/x/a.pcap'" } },
	{ "worker file, the workers' capture second",
	  "captures:\n  - name: a\n    interface: eth0\n"
	  "    outputs: [ { pcap: { path: /x/a_w1.pcap } } ]\n"
	  "  - name: b\n    interface: eth1\n    workers: 3\n"
	  "    outputs: [ { pcap: { path: /x/a.pcap } } ]\n",
	  { "8:32: captures[1].outputs[0].pcap.path: outputs '/x/a.pcap' and '/x/a_w1.pcap' "
	    "(capture 'a' at 4:32) would both write /x/a_w1.pcap, a per-worker name of "
	    "'/x/a.pcap'" } },
	{ "worker file, AF_XDP with a worker per RX queue",
	  "captures:\n  - name: a\n    interface: eth0\n"
	  "    backend: afxdp\n    xdp: { dedicated_port: true }\n"
	  "    outputs: [ { pcap: { path: /x/a.pcap } } ]\n"
	  "  - name: b\n    interface: eth1\n"
	  "    outputs: [ { pcap: { path: /x/a_w17.pcap } } ]\n",
	  { "9:32: captures[1].outputs[0].pcap.path: outputs '/x/a_w17.pcap' and '/x/a.pcap' "
	    "(capture 'a' at 6:32) would both write /x/a_w17.pcap, a per-worker name of "
	    "'/x/a.pcap'" } },
	{ "same file after // and /./", OUT("      - pcap: { path: \"//x/.//a.pcap\" }\n"),
	  { "7:23: captures[0].outputs[1].pcap.path: outputs '//x/.//a.pcap' and '/x/a.pcap' "
	    "(capture 'a' at 6:17) would both write /x/a.pcap" } },
	{ "same file after ..", OUT("      - pcap: { path: /x/d/../a.pcap }\n"),
	  { "7:23: captures[0].outputs[1].pcap.path: outputs '/x/d/../a.pcap' and '/x/a.pcap' "
	    "(capture 'a' at 6:17) would both write /x/a.pcap" } },
	{ "rotation number", OUT("          rotate: { size: 1MiB }\n"
				 "      - pcap: { path: /x/a_00001.pcap }\n"),
	  { "8:23: captures[0].outputs[1].pcap.path: outputs '/x/a_00001.pcap' and '/x/a.pcap' "
	    "(capture 'a' at 6:17) would both write /x/a_00001.pcap, a numbered name of "
	    "'/x/a.pcap'" } },
	{ "number of a file that existed", OUT("      - pcap: { path: /x/a_00007.pcap }\n"),
	  { "7:23: captures[0].outputs[1].pcap.path: outputs '/x/a_00007.pcap' and '/x/a.pcap' "
	    "(capture 'a' at 6:17) would both write /x/a_00007.pcap, a numbered name of "
	    "'/x/a.pcap'" } },
	{ "numbered worker file", CAP("    workers: 2\n")
	  "  - name: b\n    interface: eth1\n"
	  "    outputs: [ { pcap: { path: /x/a_w1_00003.pcap } } ]\n",
	  { "9:32: captures[1].outputs[0].pcap.path: outputs '/x/a_w1_00003.pcap' and "
	    "'/x/a.pcap' (capture 'a' at 6:23) would both write /x/a_w1_00003.pcap, a numbered "
	    "per-worker name of '/x/a.pcap'" } },
	{ "strftime fields that can agree",
	  "captures:\n  - name: a\n    interface: eth0\n    outputs:\n"
	  "      - pcap: { path: /x/a-%H.pcap }\n      - pcap: { path: /x/a-%M.pcap }\n",
	  { "6:23: captures[0].outputs[1].pcap.path: outputs '/x/a-%M.pcap' and '/x/a-%H.pcap' "
	    "(capture 'a' at 5:23) would both write /x/a-00.pcap" } },
	{ "strftime and a literal date",
	  "captures:\n  - name: a\n    interface: eth0\n    outputs:\n"
	  "      - pcap: { path: /x/%Y/a-%m%d.pcap }\n      - pcap: { path: /x/2026/a-1201.pcap }\n",
	  { "6:23: captures[0].outputs[1].pcap.path: outputs '/x/2026/a-1201.pcap' and "
	    "'/x/%Y/a-%m%d.pcap' (capture 'a' at 5:23) would both write /x/2026/a-1201.pcap" } },
	{ "one message per output, naming the first it meets",
	  OUT("      - pcap: { path: /x/b.pcap }\n      - pcap: { path: /x/./a.pcap }\n"
	      "      - pcap: { path: /x/b.pcap }\n"),
	  { "8:23: captures[0].outputs[2].pcap.path: outputs '/x/./a.pcap' and '/x/a.pcap' "
	    "(capture 'a' at 6:17) would both write /x/a.pcap",
	    "9:23: captures[0].outputs[3].pcap.path: outputs '/x/b.pcap' and '/x/b.pcap' "
	    "(capture 'a' at 7:23) would both write /x/b.pcap" } },

	/* values from a fixed set */
	{ "bad capture filter", CAP("    filter: \"port port\"\n"),
	  { "4:13: captures[0].filter: bad filter expression 'port port': *" } },
	{ "bad output filter", OUT("          filter: \"udp port\"\n"),
	  { "7:19: captures[0].outputs[0].pcap.filter: bad filter expression 'udp port': *" } },
	{ "backend afxdp without consent", CAP("    backend: afxdp\n"),
	  { "4:14: captures[0].backend: backend 'afxdp' takes the frames it captures away from "
	    "the host's network stack: on a dedicated capture port (SPAN/TAP) say so with xdp: "
	    "{ dedicated_port: true } (every frame is taken); on a port the host uses, give a "
	    "filter and xdp: { take_matching: true } (the frames that match it are taken, the "
	    "others reach the host)" } },
	{ "backend afxdp with both consents",
	  CAP("    backend: afxdp\n    filter: udp\n"
	      "    xdp: { dedicated_port: true, take_matching: true }\n"),
	  { "4:14: captures[0].backend: xdp: dedicated_port and take_matching exclude each "
	    "other: a dedicated port gives every frame to the capture, take_matching only those "
	    "that match the filter" } },
	{ "backend afxdp, take_matching without a filter",
	  CAP("    backend: afxdp\n    xdp: { take_matching: true }\n"),
	  { "4:14: captures[0].backend: xdp: { take_matching: true } takes the frames that "
	    "match the capture filter from the host: give a filter" } },
	{ "xdp take_matching not a bool", CAP("    xdp: { take_matching: maybe }\n"),
	  { "4:27: captures[0].xdp.take_matching: expected a boolean (true/false, yes/no, "
	    "on/off), got 'maybe'" } },
	{ "xdp frame size", CAP("    xdp: { frame_size: 3000 }\n"),
	  { "4:24: captures[0].xdp.frame_size: 3000 is not a UMEM frame size (2048 or 4096)" } },
	{ "xdp ring size", CAP("    xdp: { ring_size: 1000 }\n"),
	  { "4:23: captures[0].xdp.ring_size: 1000 is not a power of two" } },
	{ "xdp mode", CAP("    xdp: { mode: turbo }\n"),
	  { "4:18: captures[0].xdp.mode: unknown XDP mode 'turbo' (expected auto, native or skb)" } },
	{ "unknown backend", CAP("    backend: pfring\n"),
	  { "4:14: captures[0].backend: unknown backend 'pfring' (expected afpacket or afxdp)" } },
	{ "unknown fanout mode", CAP("    fanout: rr\n"),
	  { "4:13: captures[0].fanout: unknown fanout mode 'rr' (expected hash, lb, cpu, qm, "
	    "rollover or random)" } },
	{ "unknown fanout flag", CAP("    fanout_flags: [defrag, ignore]\n"),
	  { "4:28: captures[0].fanout_flags[1]: unknown fanout flag 'ignore' (expected defrag "
	    "or rollover)" } },
	{ "fanout flags not a list", CAP("    fanout_flags: defrag\n"),
	  { "4:19: captures[0].fanout_flags: expected a list of fanout flags, got 'defrag'" } },
	{ "invalid capture name",
	  "captures:\n  - name: up link\n    interface: eth0\n"
	  "    outputs: [ { pcap: { path: /x/a.pcap } } ]\n",
	  { "2:11: captures[0].name: 'up link' is not a valid capture name (1 to 32 of A-Z a-z "
	    "0-9 _ . -)" } },
	{ "invalid interface name",
	  "captures:\n  - name: a\n    interface: eth0/1\n"
	  "    outputs: [ { pcap: { path: /x/a.pcap } } ]\n",
	  { "3:16: captures[0].interface: 'eth0/1' is not a valid interface name (1 to 15 "
	    "characters, no '/', ':' or blanks)" } },

	/* paths */
	{ "relative output path",
	  "captures:\n  - name: a\n    interface: eth0\n    outputs:\n"
	  "      - pcap: { path: rel.pcap }\n",
	  { "5:23: captures[0].outputs[0].pcap.path: 'rel.pcap' is not an absolute path" } },
	{ "stdout as output path",
	  "captures:\n  - name: a\n    interface: eth0\n    outputs:\n"
	  "      - pcap: { path: \"-\" }\n",
	  { "5:23: captures[0].outputs[0].pcap.path: '-' is not an absolute path" } },
	{ "relative runtime directory", "daemon: { runtime_directory: run }\n" CAP(""),
	  { "1:30: daemon.runtime_directory: 'run' is not an absolute path" } },
	{ "prometheus file not .prom",
	  "daemon:\n  prometheus: { path: /var/lib/node/ringcap.txt }\n" CAP(""),
	  { "2:23: daemon.prometheus.path: '/var/lib/node/ringcap.txt' does not end in .prom, "
	    "which node_exporter's textfile collector requires" } },

	/* daemon identity */
	{ "group without user", "daemon:\n  user: \"\"\n  group: wheel\n" CAP(""),
	  { "3:10: daemon.group: group 'wheel' needs a user: with user \"\" the daemon keeps its "
	    "identity" } },

	/* several at once, reported in file order whatever order they are found in */
	{ "every error of a file, in file order",
	  "captures:\n"
	  "  - name: a\n"
	  "    interface: eth0\n"
	  "    snaplen: 0\n"
	  "    outputs: [ { pcap: { path: rel.pcap } } ]\n"
	  "defaults:\n"
	  "  workers: 100\n"
	  "daemon:\n"
	  "  usr: x\n",
	  { "4:14: captures[0].snaplen: 0 is out of range (1 to 262144)",
	    "5:32: captures[0].outputs[0].pcap.path: 'rel.pcap' is not an absolute path",
	    "7:12: defaults.workers: 100 is out of range (1 to 64)",
	    "9:3: daemon: unknown key 'usr', did you mean 'user'?" } },
	{ "a bad default is reported once, not per capture",
	  "defaults:\n  ring: { block_size: 3000 }\n" CAP("")
	  "  - name: b\n    interface: eth1\n    outputs: [ { pcap: { path: /x/b.pcap } } ]\n",
	  { "2:23: defaults.ring.block_size: block size 3000 is not a power of two between the "
	    "page size ({PAGE}) and 1 GiB" } },
};

/* @want with {PAGE} replaced by the page size. */
static void expand(const char *want, char *buf, size_t len)
{
	const char *p = strstr(want, "{PAGE}");

	if (!p) {
		snprintf(buf, len, "%s", want);
		return;
	}
	snprintf(buf, len, "%.*s%ld%s", (int)(p - want), want, sysconf(_SC_PAGESIZE), p + 6);
}

static void test_bad(void **state)
{
	const struct bad_case *tc = *state;
	struct rc_config *c = (struct rc_config *)(uintptr_t)0x1;
	size_t n_want = 0;
	char path[256];
	int r;

	write_tmp(tc->yaml, path, sizeof(path));
	r = rc_config_load(path, &c, &diag);
	unlink(path);
	rc_diag_print(&diag, stderr, "  got: ");
	assert_int_equal(r, -EINVAL);
	assert_ptr_equal(c, (struct rc_config *)(uintptr_t)0x1); /* untouched */
	while (n_want < MAX_MSGS && tc->msgs[n_want])
		n_want++;
	assert_int_equal(diag.n, n_want);
	assert_int_equal(diag.dropped, 0);
	for (size_t i = 0; i < n_want; i++) {
		char want[RC_DIAG_MSG_LEN + 300], exp[RC_DIAG_MSG_LEN];
		size_t len;

		expand(tc->msgs[i], exp, sizeof(exp));
		snprintf(want, sizeof(want), "%s:%s", path, exp);
		len = strlen(want);
		if (want[len - 1] == '*') {
			/* libpcap's words: only that there are some */
			assert_int_equal(strncmp(diag.msg[i].text, want, len - 1), 0);
			assert_true(strlen(diag.msg[i].text) > len);
		} else {
			assert_string_equal(diag.msg[i].text, want);
		}
		assert_true(diag.msg[i].line > 0 && diag.msg[i].col > 0);
	}
}

/* ------------------------------------------------------------------ */
/* the file itself                                                     */

static void test_missing_file(void **state)
{
	struct rc_config *c = (struct rc_config *)(uintptr_t)0x1;

	(void)state;
	assert_int_equal(rc_config_load("/nonexistent/ringcap.yaml", &c, &diag), -ENOENT);
	assert_ptr_equal(c, (struct rc_config *)(uintptr_t)0x1);
	assert_int_equal(diag.n, 1);
	assert_string_equal(diag.msg[0].text,
			    "/nonexistent/ringcap.yaml: cannot read configuration: "
			    "No such file or directory");
	assert_int_equal(diag.msg[0].line, 0);
}

static void test_directory(void **state)
{
	struct rc_config *c = NULL;

	(void)state;
	assert_int_equal(rc_config_load("/", &c, &diag), -EISDIR);
	assert_null(c);
	assert_int_equal(diag.n, 1);
	assert_string_equal(diag.msg[0].text, "/: cannot read configuration: Is a directory");
}

/* More errors than RC_DIAG_MAX: the first ones are kept, the rest counted. */
static void test_too_many_errors(void **state)
{
	char *yaml = NULL, path[256], *p;
	size_t len = 0;
	struct rc_config *c = NULL;
	FILE *f;
	char buf[RC_DIAG_MSG_LEN + 16];

	(void)state;
	f = open_memstream(&yaml, &len);
	assert_non_null(f);
	fprintf(f, "captures:\n");
	for (int i = 0; i < 70; i++)
		fprintf(f, "  - { name: c%d, interface: eth0, snaplen: 0, "
			   "outputs: [ { pcap: { path: /x/%d.pcap } } ] }\n", i, i);
	fclose(f);
	write_tmp(yaml, path, sizeof(path));
	free(yaml);
	assert_int_equal(rc_config_load(path, &c, &diag), -EINVAL);
	unlink(path);
	assert_int_equal(diag.n, RC_DIAG_MAX);
	assert_int_equal(diag.dropped, 70 - RC_DIAG_MAX);
	assert_non_null(strstr(diag.msg[63].text, ":65:"));

	/* the printed form ends with the count of the rest */
	f = open_memstream(&p, &len);
	assert_non_null(f);
	rc_diag_print(&diag, f, "ringcapd: ");
	fclose(f);
	snprintf(buf, sizeof(buf), "ringcapd: %s\n", diag.msg[0].text);
	assert_int_equal(strncmp(p, buf, strlen(buf)), 0);
	assert_non_null(strstr(p, "\nringcapd: ... and 6 more errors\n"));
	free(p);
}

/* ------------------------------------------------------------------ */
/* good files                                                          */

static void test_shipped_config(void **state)
{
	const char *top = getenv("RC_TOP");
	struct rc_config *c = NULL;
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/conf/ringcap.yaml", top && *top ? top : ".");
	if (rc_config_load(path, &c, &diag) != 0) {
		rc_diag_print(&diag, stderr, "  ");
		fail_msg("%s does not load", path);
	}
	assert_int_equal(c->n_captures, 1);
	assert_string_equal(c->captures[0].name, "demo");
	assert_string_equal(c->captures[0].iface, "rcdemo0");
	assert_int_equal(c->captures[0].backend, RC_BACKEND_AFPACKET);
	assert_null(c->captures[0].filter);
	assert_int_equal(c->captures[0].n_pcaps, 1);
	assert_string_equal(c->captures[0].pcaps[0].path,
			    "/var/lib/ringcap/demo-%Y%m%d-%H%M%S.pcap");
	assert_int_equal(c->captures[0].pcaps[0].rotate.max_size, 100 * MiB);
	assert_int_equal(c->captures[0].pcaps[0].rotate.max_files, 10);
	assert_int_equal(c->captures[0].pcaps[0].rotate.max_time_ns, 0);
	assert_int_equal(c->captures[0].pcaps[0].rotate.max_total, 0);
	assert_string_equal(c->user, "ringcap");
	assert_string_equal(c->runtime_dir, "/run/ringcap");
	assert_null(c->prometheus_path);
	rc_config_free(c);
}

static const char full_yaml[] =
	"daemon:\n"
	"  user: capture\n"
	"  group: pcap\n"
	"  runtime_directory: /run/rc\n"
	"  status_interval: 10s\n"
	"  prometheus:\n"
	"    path: /var/lib/prometheus/node-exporter/ringcap.prom\n"
	"    interval: 30s\n"
	"defaults:\n"
	"  snaplen: 9000\n"
	"  promiscuous: no\n"
	"  ring: { size: 32MiB, block_size: 2MiB, frame_size: 4096, retire_timeout: 20ms }\n"
	"  workers: 2\n"
	"  fanout: cpu\n"
	"  fanout_flags: [defrag]\n"
	"  file_mode: \"0600\"\n"
	"captures:\n"
	"  - name: uplink\n"
	"    interface: eth0\n"
	"    backend: afpacket\n"
	"    filter: \"not port 22\"\n"
	"    snaplen: 65535\n"
	"    promiscuous: true\n"
	"    ring: { size: 256MiB, block_size: 4MiB, frame_size: 2048, retire_timeout: 10ms }\n"
	"    workers: 4\n"
	"    fanout: qm\n"
	"    fanout_flags: [defrag, rollover]\n"
	"    outputs:\n"
	"      - pcap:\n"
	"          path: /var/lib/ringcap/uplink-%Y%m%d-%H%M%S.pcap\n"
	"          rotate: { size: 1GiB, time: 1h, files: 48, total: 100GiB }\n"
	"          file_mode: \"0644\"\n"
	"          filter: \"udp port 53\"\n"
	"          snaplen: 512\n"
	"          format: pcapng\n"
	"          io: direct\n"
	"      - pcap:\n"
	"          path: /var/lib/ringcap/all.pcap\n"
	"  - name: span.2\n"
	"    interface: eth1\n"
	"    outputs: [ { pcap: { path: /data/span.pcap } } ]\n";

static void test_full_example(void **state)
{
	struct rc_config *c = load_ok(full_yaml);
	const struct rc_capture_conf *a, *b;
	const struct rc_pcap_conf *p;

	(void)state;
	assert_non_null(strstr(c->path, "ringcap-test-"));
	assert_string_equal(c->user, "capture");
	assert_string_equal(c->group, "pcap");
	assert_string_equal(c->runtime_dir, "/run/rc");
	assert_int_equal(c->status_interval_ns, 10 * SEC);
	assert_string_equal(c->prometheus_path, "/var/lib/prometheus/node-exporter/ringcap.prom");
	assert_int_equal(c->prometheus_interval_ns, 30 * SEC);
	assert_int_equal(c->n_captures, 2);

	a = &c->captures[0];
	assert_string_equal(a->name, "uplink");
	assert_string_equal(a->iface, "eth0");
	assert_int_equal(a->backend, RC_BACKEND_AFPACKET);
	assert_string_equal(a->filter, "not port 22");
	assert_int_equal(a->snaplen, 65535);
	assert_true(a->promisc);
	assert_int_equal(a->ring.block_size, 4 * MiB);
	assert_int_equal(a->ring.block_nr, 64);
	assert_int_equal(a->ring.frame_size, 2048);
	assert_int_equal(a->ring.retire_tov_ms, 10);
	assert_int_equal(a->workers, 4);
	assert_int_equal(a->fanout, RC_FANOUT_QM);
	assert_true(a->fanout_defrag);
	assert_true(a->fanout_rollover);
	assert_int_equal(a->line, 18);
	assert_int_equal(a->col, 5);
	assert_int_equal(a->iface_line, 19);
	assert_int_equal(a->iface_col, 5);
	assert_int_equal(a->n_pcaps, 2);
	p = &a->pcaps[0];
	assert_string_equal(p->path, "/var/lib/ringcap/uplink-%Y%m%d-%H%M%S.pcap");
	assert_int_equal(p->rotate.max_size, GiB);
	assert_int_equal(p->rotate.max_time_ns, 3600 * SEC);
	assert_int_equal(p->rotate.max_files, 48);
	assert_int_equal(p->rotate.max_total, 100 * GiB);
	assert_int_equal(p->file_mode, 0644);
	assert_string_equal(p->filter, "udp port 53");
	assert_int_equal(p->snaplen, 512);
	assert_int_equal(p->format, RC_FORMAT_PCAPNG);
	assert_int_equal(p->io, RC_IO_DIRECT);
	p = &a->pcaps[1];
	assert_int_equal(p->io, RC_IO_AUTO);
	assert_int_equal(p->format, RC_FORMAT_AUTO);
	assert_int_equal(rc_file_format_of(p), RC_FORMAT_PCAP);
	assert_string_equal(p->path, "/var/lib/ringcap/all.pcap");
	assert_false(rc_rotate_conf_active(&p->rotate));
	assert_int_equal(p->file_mode, 0600); /* from defaults */
	assert_null(p->filter);
	assert_int_equal(p->snaplen, 0);

	/* the second capture is all defaults */
	b = &c->captures[1];
	assert_string_equal(b->name, "span.2");
	assert_string_equal(b->iface, "eth1");
	assert_null(b->filter);
	assert_int_equal(b->snaplen, 9000);
	assert_false(b->promisc);
	assert_int_equal(b->ring.block_size, 2 * MiB);
	assert_int_equal(b->ring.block_nr, 16);
	assert_int_equal(b->ring.frame_size, 4096);
	assert_int_equal(b->ring.retire_tov_ms, 20);
	assert_int_equal(b->workers, 2);
	assert_int_equal(b->fanout, RC_FANOUT_CPU);
	assert_true(b->fanout_defrag);
	assert_false(b->fanout_rollover);
	assert_int_equal(b->n_pcaps, 1);
	assert_string_equal(b->pcaps[0].path, "/data/span.pcap");
	assert_int_equal(b->pcaps[0].file_mode, 0600);
	rc_config_free(c);
}

/* io: each way of writing, and a reload sees a change of it (the capture's
 * outputs are made again). */
static void test_io_modes(void **state)
{
	static const char *const words[] = { "auto", "direct", "buffered" };
	static const enum rc_io_mode modes[] = { RC_IO_AUTO, RC_IO_DIRECT, RC_IO_BUFFERED };
	struct rc_config *c[3];

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		char yaml[512];

		snprintf(yaml, sizeof(yaml), OUT("          io: %s\n"), words[i]);
		c[i] = load_ok(yaml);
		assert_int_equal(c[i]->captures[0].pcaps[0].io, modes[i]);
		assert_string_equal(rc_io_mode_name(modes[i]), words[i]);
	}
	assert_true(rc_capture_conf_equal(&c[0]->captures[0], &c[0]->captures[0], false));
	assert_false(rc_capture_conf_equal(&c[0]->captures[0], &c[1]->captures[0], false));
	assert_false(rc_capture_conf_equal(&c[1]->captures[0], &c[2]->captures[0], true));
	for (unsigned i = 0; i < 3; i++)
		rc_config_free(c[i]);
}

/* Nothing but the required keys: every default of yaml.h and conf.h. */
static void test_built_in_defaults(void **state)
{
	struct rc_config *c = load_ok(CAP(""));
	const struct rc_capture_conf *a = &c->captures[0];

	(void)state;
	assert_string_equal(c->user, "ringcap");
	assert_null(c->group);
	assert_string_equal(c->runtime_dir, "/run/ringcap");
	assert_int_equal(c->status_interval_ns, 5 * SEC);
	assert_null(c->prometheus_path);
	assert_int_equal(a->backend, RC_BACKEND_AFPACKET);
	assert_null(a->filter);
	assert_int_equal(a->snaplen, RC_SNAPLEN_DEFAULT);
	assert_true(a->promisc);
	assert_int_equal(a->ring.block_size, RC_BLOCK_SIZE_DEFAULT);
	assert_int_equal((uint64_t)a->ring.block_nr * a->ring.block_size, RC_RING_SIZE_DEFAULT);
	assert_int_equal(a->ring.frame_size, RC_FRAME_SIZE_DEFAULT);
	assert_int_equal(a->ring.retire_tov_ms, RC_RETIRE_TOV_DEFAULT_MS);
	assert_int_equal(a->workers, 1);
	assert_int_equal(a->fanout, RC_FANOUT_HASH);
	assert_false(a->fanout_defrag || a->fanout_rollover);
	assert_int_equal(a->pcaps[0].file_mode, 0640);
	assert_int_equal(a->pcaps[0].snaplen, 0);
	rc_config_free(c);
}

/* AF_XDP: settings land, and without `workers` every RX queue gets one. */
static void test_afxdp(void **state)
{
	struct rc_config *c = load_ok(
		"captures:\n"
		"  - name: x\n"
		"    interface: eth0\n"
		"    backend: afxdp\n"
		"    xdp: { dedicated_port: true, frame_size: 2048, frames: 8192, ring_size: 2048,"
		" mode: skb }\n"
		"    outputs: [ { pcap: { path: /x/a.pcap } } ]\n"
		"  - name: y\n"
		"    interface: eth0\n"
		"    backend: afxdp\n"
		"    workers: 2\n"
		"    xdp: { dedicated_port: yes }\n"
		"    outputs: [ { pcap: { path: /x/b.pcap } } ]\n"
		"  - name: z\n"
		"    interface: eth1\n"
		"    backend: afxdp\n"
		"    filter: vlan 7\n"
		"    xdp: { take_matching: true, frame_size: 4096 }\n"
		"    outputs: [ { pcap: { path: /x/c.pcap } } ]\n");
	const struct rc_capture_conf *x = &c->captures[0], *y = &c->captures[1];
	const struct rc_capture_conf *z = &c->captures[2];

	(void)state;
	assert_int_equal(x->backend, RC_BACKEND_AFXDP);
	assert_true(x->xdp.dedicated_port);
	assert_int_equal(x->xdp.frame_size, 2048);
	assert_int_equal(x->xdp.frame_count, 8192);
	assert_int_equal(x->xdp.ring_size, 2048);
	assert_int_equal(x->xdp.mode, RC_XDP_MODE_SKB);
	assert_int_equal(x->workers, 0);
	assert_int_equal(y->workers, 2);
	assert_int_equal(y->xdp.frame_size, RC_XDP_FRAME_SIZE_DEFAULT);
	assert_int_equal(y->xdp.mode, RC_XDP_MODE_AUTO);
	assert_false(y->xdp.take_matching);
	assert_true(z->xdp.take_matching);
	assert_false(z->xdp.dedicated_port);
	assert_int_equal(z->xdp.frame_size, 4096);
	rc_config_free(c);
}

/* `defaults` applies wherever it stands, and a capture overrides key by key. */
static void test_defaults_inheritance(void **state)
{
	struct rc_config *c = load_ok(
		"captures:\n"
		"  - name: a\n"
		"    interface: eth0\n"
		"    outputs: [ { pcap: { path: /x/a.pcap } } ]\n"
		"  - name: b\n"
		"    interface: eth0\n"
		"    snaplen: 128\n"
		"    fanout: lb\n"
		"    fanout_flags: []\n"
		"    ring: { block_size: 4MiB }\n"
		"    outputs: [ { pcap: { path: /x/b.pcap, file_mode: 640 } } ]\n"
		"  - name: c\n"
		"    interface: eth0\n"
		"    ring: { size: 8MiB }\n"
		"    outputs: [ { pcap: { path: /x/c.pcap } } ]\n"
		"defaults:\n"
		"  snaplen: 1500\n"
		"  fanout: random\n"
		"  fanout_flags: [rollover]\n"
		"  ring: { blocks: 16, retire_timeout: 100ms }\n"
		"  file_mode: 0o600\n");
	const struct rc_capture_conf *a = &c->captures[0], *b = &c->captures[1],
				     *cc = &c->captures[2];

	(void)state;
	assert_int_equal(a->snaplen, 1500);
	assert_int_equal(a->fanout, RC_FANOUT_RANDOM);
	assert_true(a->fanout_rollover);
	assert_int_equal(a->ring.block_size, MiB);
	assert_int_equal(a->ring.block_nr, 16);
	assert_int_equal(a->ring.retire_tov_ms, 100);
	assert_int_equal(a->pcaps[0].file_mode, 0600);

	assert_int_equal(b->snaplen, 128);
	assert_int_equal(b->fanout, RC_FANOUT_LB);
	assert_false(b->fanout_rollover); /* an empty list clears the flags */
	assert_int_equal(b->ring.block_size, 4 * MiB); /* inherited block count stays */
	assert_int_equal(b->ring.block_nr, 16);
	assert_int_equal(b->ring.retire_tov_ms, 100);
	assert_int_equal(b->pcaps[0].file_mode, 0640);

	/* a size replaces the inherited block count; small rings get smaller blocks */
	assert_int_equal(cc->ring.block_size, MiB);
	assert_int_equal(cc->ring.block_nr, 8);
	assert_int_equal(cc->snaplen, 1500);
	rc_config_free(c);
}

/* An inherited ring size with the capture's block size: kept fixed. */
static void test_defaults_ring_size(void **state)
{
	struct rc_config *c = load_ok("defaults: { ring: { size: 32MiB } }\n"
				      CAP("    ring: { block_size: 4MiB }\n"));

	(void)state;
	assert_int_equal(c->captures[0].ring.block_size, 4 * MiB);
	assert_int_equal(c->captures[0].ring.block_nr, 8);
	rc_config_free(c);
}

static void test_empty_sections(void **state)
{
	struct rc_config *c = load_ok("daemon:\n  user: \"\"\n  group:\n  prometheus:\n"
				      "defaults:\n" CAP("    filter: \"\"\n    fanout_flags:\n"));

	(void)state;
	assert_null(c->user); /* keep the identity it was started with */
	assert_null(c->group);
	assert_null(c->prometheus_path);
	assert_null(c->captures[0].filter);
	assert_int_equal(c->captures[0].snaplen, RC_SNAPLEN_DEFAULT);
	rc_config_free(c);
}

/* YAML's own means of saying a thing once. */
static void test_anchors(void **state)
{
	struct rc_config *c = load_ok("captures:\n"
				      "  - name: a\n"
				      "    interface: eth0\n"
				      "    ring: &ring { size: 16MiB, retire_timeout: 5ms }\n"
				      "    outputs: [ { pcap: { path: /x/a.pcap } } ]\n"
				      "  - name: b\n"
				      "    interface: eth1\n"
				      "    ring: *ring\n"
				      "    outputs: [ { pcap: { path: /x/b.pcap } } ]\n");

	(void)state;
	assert_int_equal(c->captures[1].ring.block_nr, 16);
	assert_int_equal(c->captures[1].ring.retire_tov_ms, 5);
	rc_config_free(c);
}

/* Outputs that look alike but can never write the same file. */
static void test_distinct_outputs(void **state)
{
	struct rc_config *c = load_ok(
		"captures:\n"
		"  - name: a\n"
		"    interface: eth0\n"
		"    workers: 2\n"
		"    outputs:\n"
		"      - pcap: { path: /x/a.pcap, rotate: { size: 1MiB } }\n"
		/* same capture: its files are a_w0_w0.pcap and a_w0_w1.pcap */
		"      - pcap: { path: /x/a_w0.pcap }\n"
		"      - pcap: { path: /x/b.pcap }\n"
		"      - pcap: { path: /x/a.pcapng }\n"
		"      - pcap: { path: /x/a }\n"
		"  - name: b\n"
		"    interface: eth1\n"
		"    outputs:\n"
		"      - pcap: { path: /x/a_w2.pcap }\n"     /* only w0 and w1 above */
		"      - pcap: { path: /x/cap.pcap }\n"
		"      - pcap: { path: /x/cap_dns.pcap }\n"  /* _dns: no tag, no number */
		"      - pcap: { path: /x/a_1.pcap }\n"      /* numbers have five digits */
		"      - pcap: { path: /x/a_000001.pcap }\n" /* ... and no sixth leading 0 */
		"      - pcap: { path: /x/a-%Y%m%d.pcap }\n"
		"      - pcap: { path: /x/a-dns.pcap }\n"
		"      - pcap: { path: /x/%Y/a.pcap }\n"
		"      - pcap: { path: /x/y/a.pcap }\n"
		"      - pcap: { path: /x/y/z/../../c.pcap }\n"
		"      - pcap: { path: /x/.pcap }\n"
		"      - pcap: { path: /y/a.pcap }\n");

	(void)state;
	assert_int_equal(c->n_captures, 2);
	assert_int_equal(c->captures[0].n_pcaps, 5);
	assert_int_equal(c->captures[1].n_pcaps, 12);
	rc_config_free(c);
}

/* A directory with real/sub, link -> real and up -> real/sub, removed
 * whatever the test's outcome. */
static int disk_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	static char dir[256];
	char p[300];

	snprintf(dir, sizeof(dir), "%s/ringcap-paths-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	*state = dir;
	snprintf(p, sizeof(p), "%s/real", dir);
	if (mkdir(p, 0700) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/real/sub", dir);
	if (mkdir(p, 0700) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/link", dir);
	if (symlink("real", p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/up", dir);
	return symlink("real/sub", p);
}

static int disk_teardown(void **state)
{
	const char *dir = *state;
	char p[300];

	snprintf(p, sizeof(p), "%s/up", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/link", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/real/sub", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/real", dir);
	rmdir(p);
	return rmdir(dir);
}

/*
 * Directories that exist are resolved as the kernel will resolve them: a
 * symlinked directory is the directory it points to, and ".." after a
 * symlink goes up from its target, not from the link.
 */
static void test_outputs_on_disk(void **state)
{
	const char *dir = *state;
	char real[PATH_MAX], yaml[4096], want[8192], file[256];
	struct rc_config *c = (struct rc_config *)(uintptr_t)0x1;
	int r;

	assert_non_null(realpath(dir, real));
	snprintf(yaml, sizeof(yaml),
		 "captures:\n"
		 "  - name: a\n"
		 "    interface: eth0\n"
		 "    outputs:\n"
		 "      - pcap: { path: %s/real/a.pcap }\n"
		 "      - pcap: { path: %s/link/a.pcap }\n"     /* the same directory */
		 "      - pcap: { path: %s/up/../b.pcap }\n"    /* real/b.pcap */
		 "      - pcap: { path: %s/real/b.pcap }\n"
		 "      - pcap: { path: %s/c.pcap }\n"          /* up/../c.pcap is not this */
		 "      - pcap: { path: %s/up/../c.pcap }\n"
		 "      - pcap: { path: %s/real/sub/../d.pcap }\n"
		 "      - pcap: { path: %s/link/d.pcap }\n",
		 dir, dir, dir, dir, dir, dir, dir, dir);
	write_tmp(yaml, file, sizeof(file));
	r = rc_config_load(file, &c, &diag);
	unlink(file);
	rc_diag_print(&diag, stderr, "  got: ");
	assert_int_equal(r, -EINVAL);
	assert_ptr_equal(c, (struct rc_config *)(uintptr_t)0x1);
	assert_int_equal(diag.n, 3);
	snprintf(want, sizeof(want),
		 "%s:6:23: captures[0].outputs[1].pcap.path: outputs '%s/link/a.pcap' and "
		 "'%s/real/a.pcap' (capture 'a' at 5:23) would both write %s/real/a.pcap",
		 file, dir, dir, real);
	assert_string_equal(diag.msg[0].text, want);
	snprintf(want, sizeof(want),
		 "%s:8:23: captures[0].outputs[3].pcap.path: outputs '%s/real/b.pcap' and "
		 "'%s/up/../b.pcap' (capture 'a' at 7:23) would both write %s/real/b.pcap",
		 file, dir, dir, real);
	assert_string_equal(diag.msg[1].text, want);
	snprintf(want, sizeof(want),
		 "%s:12:23: captures[0].outputs[7].pcap.path: outputs '%s/link/d.pcap' and "
		 "'%s/real/sub/../d.pcap' (capture 'a' at 11:23) would both write %s/real/d.pcap",
		 file, dir, dir, real);
	assert_string_equal(diag.msg[2].text, want);
}

/* ------------------------------------------------------------------ */
/* values: spellings that must be accepted                             */

enum field { F_ROT_SIZE, F_ROT_TIME, F_ROT_TOTAL, F_STATUS, F_PROMISC, F_MODE, F_FRAME,
	     F_RDMA_SLOTS, F_RDMA_POLICY, F_RDMA_HOLD, F_N_PCAPS };

struct value_case {
	const char *name;
	const char *yaml;
	enum field field;
	uint64_t want;
};

#define ROT(kv) OUT("          rotate: { " kv " }\n")

static const struct value_case value_cases[] = {
	{ "size in MiB", ROT("size: 100MiB"), F_ROT_SIZE, 100 * MiB },
	{ "size in MB", ROT("size: 100MB"), F_ROT_SIZE, 100000000 },
	{ "size with a blank", ROT("size: 2 GiB"), F_ROT_SIZE, 2 * GiB },
	{ "size in G", ROT("size: 1G"), F_ROT_SIZE, GiB },
	{ "size with a fraction", ROT("size: 1.5GiB"), F_ROT_SIZE, 3 * GiB / 2 },
	{ "size bare is bytes", ROT("size: 65536"), F_ROT_SIZE, 65536 },
	{ "size quoted", ROT("size: \"10KiB\""), F_ROT_SIZE, 10 * KiB },
	{ "total in TiB", ROT("time: 1h, total: 2TiB"), F_ROT_TOTAL, 2048 * GiB },
	{ "time in min", ROT("time: 15min"), F_ROT_TIME, 900 * SEC },
	{ "time in h", ROT("time: 1h"), F_ROT_TIME, 3600 * SEC },
	{ "time in d", ROT("time: 1d"), F_ROT_TIME, 86400 * SEC },
	{ "time bare is seconds", ROT("time: 90"), F_ROT_TIME, 90 * SEC },
	{ "time with a fraction", ROT("time: 1.5min"), F_ROT_TIME, 90 * SEC },
	{ "time in ms", ROT("time: 2500ms"), F_ROT_TIME, 2500 * MSEC },
	{ "duration in s", "daemon: { status_interval: 30s }\n" CAP(""), F_STATUS, 30 * SEC },
	{ "duration in sec", "daemon: { status_interval: 2sec }\n" CAP(""), F_STATUS, 2 * SEC },
	{ "frame size in KiB", CAP("    ring: { frame_size: 4KiB }\n"), F_FRAME, 4096 },
	{ "boolean true", CAP("    promiscuous: true\n"), F_PROMISC, 1 },
	{ "boolean false", CAP("    promiscuous: false\n"), F_PROMISC, 0 },
	{ "boolean yes", CAP("    promiscuous: yes\n"), F_PROMISC, 1 },
	{ "boolean no", CAP("    promiscuous: no\n"), F_PROMISC, 0 },
	{ "boolean on", CAP("    promiscuous: on\n"), F_PROMISC, 1 },
	{ "boolean off", CAP("    promiscuous: off\n"), F_PROMISC, 0 },
	{ "boolean False", CAP("    promiscuous: False\n"), F_PROMISC, 0 },
	{ "mode quoted", OUT("          file_mode: \"0640\"\n"), F_MODE, 0640 },
	{ "mode plain with 0", OUT("          file_mode: 0600\n"), F_MODE, 0600 },
	{ "mode plain without 0", OUT("          file_mode: 644\n"), F_MODE, 0644 },
	{ "mode 0o", OUT("          file_mode: 0o660\n"), F_MODE, 0660 },
	{ "rdma slots default", OUT("      - rdma: { peer: \"198.18.0.1:7718\" }\n"), F_RDMA_SLOTS,
	  RC_RDMA_SLOTS_DEFAULT },
	{ "rdma slots", OUT("      - rdma: { peer: \"h:1\", slots: 64 }\n"), F_RDMA_SLOTS, 64 },
	{ "rdma policy default", OUT("      - rdma: { peer: \"h:1\" }\n"), F_RDMA_POLICY,
	  RC_RDMA_DROP },
	{ "rdma policy hold", OUT("      - rdma: { peer: \"h:1\", on_backpressure: hold }\n"),
	  F_RDMA_POLICY, RC_RDMA_HOLD },
	{ "rdma hold blocks", OUT("      - rdma: { peer: \"h:1\", hold_blocks: 3 }\n"),
	  F_RDMA_HOLD, 3 },
	{ "rdma beside one pcap", OUT("      - rdma: { peer: \"h:1\" }\n"), F_N_PCAPS, 1 },
};

static void test_value(void **state)
{
	const struct value_case *tc = *state;
	struct rc_config *c = load_ok(tc->yaml);
	const struct rc_capture_conf *a = &c->captures[0];
	uint64_t got = 0;

	switch (tc->field) {
	case F_ROT_SIZE: got = a->pcaps[0].rotate.max_size; break;
	case F_ROT_TIME: got = a->pcaps[0].rotate.max_time_ns; break;
	case F_ROT_TOTAL: got = a->pcaps[0].rotate.max_total; break;
	case F_STATUS: got = c->status_interval_ns; break;
	case F_PROMISC: got = a->promisc; break;
	case F_MODE: got = a->pcaps[0].file_mode; break;
	case F_FRAME: got = a->ring.frame_size; break;
	case F_RDMA_SLOTS: assert_int_equal(a->n_rdmas, 1); got = a->rdmas[0].slots; break;
	case F_RDMA_POLICY: assert_int_equal(a->n_rdmas, 1); got = a->rdmas[0].policy; break;
	case F_RDMA_HOLD: assert_int_equal(a->n_rdmas, 1); got = a->rdmas[0].hold_blocks; break;
	case F_N_PCAPS: got = a->n_pcaps; break;
	}
	assert_int_equal(got, tc->want);
	rc_config_free(c);
}

/* ------------------------------------------------------------------ */
/* interfaces                                                          */

static void test_interfaces(void **state)
{
	struct rc_config *c = load_ok("captures:\n"
				      "  - name: a\n"
				      "    interface: lo\n"
				      "    outputs: [ { pcap: { path: /x/a.pcap } } ]\n"
				      "  - name: b\n"
				      "    interface: rcnosuch0\n"
				      "    outputs: [ { pcap: { path: /x/b.pcap } } ]\n");
	char want[512];

	(void)state;
	rc_diag_init(&diag);
	assert_int_equal(rc_ifaces_check(c, &diag), -ENODEV);
	assert_int_equal(diag.n, 1);
	snprintf(want, sizeof(want),
		 "%s:6:5: captures[1].interface: no such network interface 'rcnosuch0'", c->path);
	assert_string_equal(diag.msg[0].text, want);

	/* lo exists in every network namespace */
	c->n_captures = 1;
	rc_diag_init(&diag);
	assert_int_equal(rc_ifaces_check(c, &diag), 0);
	assert_int_equal(diag.n, 0);
	c->n_captures = 2;
	rc_config_free(c);
}

/* ------------------------------------------------------------------ */
/* the rule of outpaths.h, one pair of outputs at a time               */

#define ANY RC_OUTPATHS_ANY

struct outpath_case {
	const char *name;
	const char *first;
	unsigned first_workers;
	const char *second;
	unsigned second_workers;
	const char *what;     /* NULL: no name in common */
};

static const struct outpath_case outpath_cases[] = {
	{ "other name", "/x/a.pcap", 1, "/x/b.pcap", 1, NULL },
	{ "other extension", "/x/a.pcap", 1, "/x/a.pcapng", 1, NULL },
	{ "a suffix that is no tag or number", "/x/cap.pcap", 1, "/x/cap_dns.pcap", 1, NULL },
	{ "other directory", "/x/a.pcap", 1, "/y/a.pcap", 1, NULL },
	{ "same template", "/x/a.pcap", 1, "/x/a.pcap", 1, "would both write /x/a.pcap" },
	{ "same template, one side per worker", "/x/a.pcap", 2, "/x/a.pcap", 1, NULL },
	{ "same template, both per worker", "/x/a.pcap", 2, "/x/a.pcap", 3,
	  "would both write /x/a_w0.pcap, a per-worker name of '/x/a.pcap'" },
	{ "worker below the count", "/x/a.pcap", 2, "/x/a_w1.pcap", 1,
	  "would both write /x/a_w1.pcap, a per-worker name of '/x/a.pcap'" },
	{ "worker at the count", "/x/a.pcap", 2, "/x/a_w2.pcap", 1, NULL },
	{ "worker 63 of 64", "/x/a.pcap", 64, "/x/a_w63.pcap", 1,
	  "would both write /x/a_w63.pcap, a per-worker name of '/x/a.pcap'" },
	{ "worker 64 of 64", "/x/a.pcap", 64, "/x/a_w64.pcap", 1, NULL },
	{ "worker with a leading zero", "/x/a.pcap", 12, "/x/a_w01.pcap", 1, NULL },
	{ "a worker per RX queue: untagged", "/x/a.pcap", ANY, "/x/a.pcap", 1,
	  "would both write /x/a.pcap" },
	{ "a worker per RX queue: any number", "/x/a.pcap", ANY, "/x/a_w300.pcap", 1,
	  "would both write /x/a_w300.pcap, a per-worker name of '/x/a.pcap'" },
	{ "number 99999", "/x/a.pcap", 1, "/x/a_99999.pcap", 1,
	  "would both write /x/a_99999.pcap, a numbered name of '/x/a.pcap'" },
	{ "number 100000", "/x/a.pcap", 1, "/x/a_100000.pcap", 1,
	  "would both write /x/a_100000.pcap, a numbered name of '/x/a.pcap'" },
	{ "number 0 is never written", "/x/a.pcap", 1, "/x/a_00000.pcap", 1, NULL },
	{ "four digits are no number", "/x/a.pcap", 1, "/x/a_1234.pcap", 1, NULL },
	{ "six digits with a leading zero", "/x/a.pcap", 1, "/x/a_012345.pcap", 1, NULL },
	{ "number of a numbered template", "/x/a_00001.pcap", 1, "/x/a_00001_00002.pcap", 1,
	  "would both write /x/a_00001_00002.pcap, a numbered name of '/x/a_00001.pcap'" },
	{ "number and worker on both sides", "/x/a.pcap", 2, "/x/a_w0.pcap", 1,
	  "would both write /x/a_w0.pcap, a per-worker name of '/x/a.pcap'" },
	{ "number after the last dot only", "/x/a.b.pcap", 1, "/x/a_00001.b.pcap", 1, NULL },
	{ "number before the last dot", "/x/a.b.pcap", 1, "/x/a.b_00001.pcap", 1,
	  "would both write /x/a.b_00001.pcap, a numbered name of '/x/a.b.pcap'" },
	{ "no extension", "/x/a", 2, "/x/a_w1_00001", 1,
	  "would both write /x/a_w1_00001, a numbered per-worker name of '/x/a'" },
	{ "hidden name: no extension", "/x/.pcap", 1, "/x/.pcap_00001", 1,
	  "would both write /x/.pcap_00001, a numbered name of '/x/.pcap'" },
	{ "hidden name: nothing before the dot", "/x/.pcap", 1, "/x/_00001.pcap", 1, NULL },
	{ "a directory is no file", "/x/", 1, "/x/", 1,
	  "would both write /x/_00001, a numbered name of '/x/'" },
	{ "a directory, per worker", "/x/..", 2, "/x/._w1.", 1,
	  "would both write /x/._w1., a per-worker name of '/x/..'" },
	{ "// . and ..", "/x//y/./../a.pcap", 1, "/x/a.pcap", 1, "would both write /x/a.pcap" },
	{ ".. above the root", "/../a.pcap", 1, "/a.pcap", 1, "would both write /a.pcap" },
	{ "strftime: two fields of two digits", "/x/%H.pcap", 1, "/x/%M.pcap", 1,
	  "would both write /x/00.pcap" },
	{ "strftime: four digits two ways", "/x/%Y.pcap", 1, "/x/%m%d.pcap", 1,
	  "would both write /x/0000.pcap" },
	{ "strftime: digits and letters", "/x/a-%Y%m%d.pcap", 1, "/x/a-dns.pcap", 1, NULL },
	{ "strftime: a day name", "/x/%a.pcap", 1, "/x/Mon.pcap", 1,
	  "would both write /x/Mon.pcap" },
	{ "strftime: too long for a day name", "/x/%a.pcap", 1, "/x/Mond.pcap", 1, NULL },
	{ "strftime: seconds since 1970", "/x/%s.pcap", 1, "/x/1700000000.pcap", 1,
	  "would both write /x/1700000000.pcap" },
	{ "strftime: %d is two digits", "/x/%d.pcap", 1, "/x/1.pcap", 1, NULL },
	{ "strftime: %-d is one or two", "/x/%-d.pcap", 1, "/x/1.pcap", 1,
	  "would both write /x/1.pcap" },
	{ "strftime: a width pads", "/x/%5d.pcap", 1, "/x/ 0012.pcap", 1,
	  "would both write /x/ 0012.pcap" },
	{ "strftime: %D makes directories", "/x/%D", 1, "/x/12/01/26_00001", 1,
	  "would both write /x/12/01/26_00001, a numbered name of '/x/%D'" },
	{ "strftime: %D then an extension", "/x/%D.pcap", 1, "/x/12/01/26_00001.pcap", 1,
	  "would both write /x/12/01/26_00001.pcap, a numbered name of '/x/%D.pcap'" },
	{ "strftime: in a directory", "/x/%Y/a.pcap", 1, "/x/2026/a.pcap", 1,
	  "would both write /x/2026/a.pcap" },
	{ "strftime: a directory and ..", "/x/%Y/../a.pcap", 1, "/x/a.pcap", 1,
	  "would both write /x/a.pcap" },
	{ "strftime: unknown conversions are printed", "/x/a%Q.pcap", 1, "/x/a%Q.pcap", 1,
	  "would both write /x/a%Q.pcap" },
	{ "strftime: an unknown one is no wildcard", "/x/a%Q.pcap", 1, "/x/aQ.pcap", 1, NULL },
	{ "strftime: the worker tag ends a conversion", "/x/cap%.pcap", 2, "/x/cap10.pcap", 1,
	  "would both write /x/cap10.pcap, a per-worker name of '/x/cap%.pcap'" },
	{ "strftime: a newline in the example", "/x/a%n.pcap", 1, "/x/a%n.pcap", 1,
	  "would both write /x/a\\n.pcap" },
	{ "too many variable fields", "/x/"
	  "%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s"
	  "%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s"
	  ".pcap", 1, "/x/"
	  "%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s"
	  "%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s"
	  ".pcapng", 1,
	  "may write the same file: their names have too many variable fields to tell apart" },
};

static void test_outpath_pair(void **state)
{
	const struct outpath_case *tc = *state;
	struct rc_outpaths_clash clash = { .other = 99 };
	struct rc_outpaths *s = NULL;
	int r;

	assert_int_equal(rc_outpaths_new(&s), 0);
	assert_int_equal(rc_outpaths_add(s, tc->first, tc->first_workers, &clash), 0);
	r = rc_outpaths_add(s, tc->second, tc->second_workers, &clash);
	assert_int_equal(rc_outpaths_count(s), 2);
	rc_outpaths_free(s);
	if (r > 0)
		fprintf(stderr, "  got: %s\n", clash.what);
	assert_int_equal(r, tc->what ? 1 : 0);
	if (tc->what) {
		assert_int_equal(clash.other, 0);
		assert_string_equal(clash.what, tc->what);
	}
}

/* The first earlier output that clashes is named, and a template that is
 * not absolute is refused. */
static void test_outpaths_set(void **state)
{
	struct rc_outpaths_clash clash;
	struct rc_outpaths *s = NULL;
	char buf[64];

	(void)state;
	assert_int_equal(rc_outpaths_new(&s), 0);
	assert_int_equal(rc_outpaths_add(s, "/x/a.pcap", 1, &clash), 0);
	assert_int_equal(rc_outpaths_add(s, "/x/b.pcap", 1, &clash), 0);
	assert_int_equal(rc_outpaths_add(s, "/x/./b.pcap", 1, &clash), 1);
	assert_int_equal(clash.other, 1);
	assert_int_equal(rc_outpaths_add(s, "/x/a.pcap", ANY, &clash), 1);
	assert_int_equal(clash.other, 0);
	assert_int_equal(rc_outpaths_add(s, "x/a.pcap", 1, &clash), -EINVAL);
	assert_int_equal(rc_outpaths_count(s), 4);
	assert_null(rc_outpaths_free(s));
	assert_null(rc_outpaths_free(NULL));

	assert_int_equal(rc_outpaths_normalise("//x/./y/../a.pcap", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/x/a.pcap");
	assert_int_equal(rc_outpaths_normalise("/../../a.pcap", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/a.pcap");
	assert_int_equal(rc_outpaths_normalise("/x/%Y/./../b/%H.pcap", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/x/b/%H.pcap");
	assert_int_equal(rc_outpaths_normalise("/x/y/..", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/x/y/.."); /* the last component is the file's name */
	assert_int_equal(rc_outpaths_normalise("a.pcap", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(rc_outpaths_normalise("/x/a.pcap", buf, 5), -ENAMETOOLONG);
}

int main(void)
{
	static const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_too_many_errors),
		cmocka_unit_test(test_shipped_config),
		cmocka_unit_test(test_full_example),
		cmocka_unit_test(test_io_modes),
		cmocka_unit_test(test_built_in_defaults),
		cmocka_unit_test(test_defaults_inheritance),
		cmocka_unit_test(test_afxdp),
		cmocka_unit_test(test_defaults_ring_size),
		cmocka_unit_test(test_empty_sections),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_distinct_outputs),
		cmocka_unit_test_setup_teardown(test_outputs_on_disk, disk_setup, disk_teardown),
		cmocka_unit_test(test_interfaces),
		cmocka_unit_test(test_outpaths_set),
	};
	static const struct table tables[] = {
		TABLE("bad", test_bad, bad_cases),
		TABLE("value", test_value, value_cases),
		TABLE("outpaths", test_outpath_pair, outpath_cases),
	};

	return run_tables("config", plain, ARRAY_SIZE(plain), tables, ARRAY_SIZE(tables));
}

# SPDX-License-Identifier: MIT
# ringcap build.  GNU make + pkg-config.
#   make                  build binaries and test tools into $(BUILD)
#   make test             install deps, build, run every test
#   make demo             the README's demo: capture real traffic in a throw-away netns
#   make bench            benchmark against tcpdump, dumpcap, netsniff-ng, xdpdump (root)
#   make stress           the integration suite STRESS_RUNS=10 times with every CPU busy (root)
#   make deps             install the Debian packages build, tests and demo need
#   make install          PREFIX=/usr/local DESTDIR=
#   make tsan-unit        the unit tests under ThreadSanitizer (in build-tsan)
#   make CC=clang | SANITIZE=address,undefined | SANITIZE=thread | V=1

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
DESTDIR    ?=
CC         ?= cc
PKG_CONFIG ?= pkg-config
SANITIZE   ?=
# ThreadSanitizer cannot be combined with ASan: it gets a directory of its own
BUILD      ?= build$(if $(SANITIZE),$(if $(filter thread,$(SANITIZE)),-tsan,-san))$(if $(filter clang%,$(notdir $(CC))),-clang)

ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS     := libpcap yaml-0.1
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS += -D_GNU_SOURCE -DRC_VERSION='"$(VERSION)"'
ALL_CFLAGS  = -std=gnu11 $(WARN) -pthread $(CFLAGS) $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
ALL_LDFLAGS = -pthread $(LDFLAGS)
LIBS        = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || echo -lpcap)
ifneq ($(SANITIZE),)
ALL_CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

# the engine, shared by every binary and the unit tests
CORE_SRCS := $(wildcard src/common/*.c src/config/*.c src/capture/*.c src/fanout/*.c src/sink/*.c src/rdma/*.c src/engine/*.c)
CLI_SRCS  := src/cli/args.c src/cli/capture.c src/cli/ctl.c src/cli/ifaces.c src/cli/postrotate.c \
	src/cli/rdma_recv.c
DAEMON_SRCS := $(wildcard src/daemon/*.c)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
DAEMON_LIBS  = $(shell $(PKG_CONFIG) --libs libsystemd 2>/dev/null || echo -lsystemd)
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/%.o)

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
TOOL_BINS  := $(BUILD)/tests/rcgen $(BUILD)/tests/fanout_wrap

BINS := $(BUILD)/ringcap $(BUILD)/ringcapd

.PHONY: all test unit unit-bins tsan-unit integration demo bench deps install uninstall clean lint-man stress
all: $(BINS) $(UNIT_BINS) $(TOOL_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/ringcap: $(BUILD)/src/cli/main.o $(CLI_OBJS) $(CORE_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/ringcapd: $(DAEMON_OBJS) $(CORE_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(DAEMON_LIBS)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(CLI_OBJS) $(CORE_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

# the daemon's reports are plain formatting: unit-tested over a made-up run
$(BUILD)/tests/unit/test_report: $(BUILD)/src/daemon/report.o

$(BUILD)/tests/rcgen: tests/tools/rcgen.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -O2 -g -o $@ $<

$(BUILD)/tests/fanout_wrap: tests/tools/fanout_wrap.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -O2 -g -pthread -o $@ $<

# Debian packages for build, tests, demo and benchmark.  Idempotent: only
# what is missing is installed.
DEB_PKGS := gcc make pkg-config clang llvm libpcap-dev libcmocka-dev \
	libyaml-dev libsystemd-dev systemd \
	tcpdump tshark wireshark-common netsniff-ng xdp-tools gnuplot-nox iproute2 procps \
	util-linux mandoc python3 kmod python3-fusepy fuse \
	mmdebstrap systemd-container
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all packages present"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then echo "deps: missing packages:$$missing (run 'make deps' as root)" >&2; exit 1; fi; \
	echo "deps: installing$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null && echo "deps: done"

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tests/run

unit: all
	$(Q)BUILD=$(BUILD) tests/run unit

unit-bins: $(UNIT_BINS)

# Every unit test under ThreadSanitizer; a reported race fails the test
# (halt_on_error).  Only the unit tests: they need no root and are quick.
TSAN_OPTIONS_UNIT := halt_on_error=1 second_deadlock_stack=1 history_size=4
tsan-unit:
ifeq ($(filter thread,$(SANITIZE)),)
	$(Q)$(MAKE) --no-print-directory SANITIZE=thread tsan-unit
else
	$(Q)$(MAKE) --no-print-directory unit-bins
	$(Q)TSAN_OPTIONS="$(TSAN_OPTIONS_UNIT) $$TSAN_OPTIONS" BUILD=$(BUILD) tests/run unit
endif

integration: all
	$(Q)BUILD=$(BUILD) tests/run integration

stress: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tests/stress.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tests/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) bench/run.sh

lint-man:
	$(Q)for m in man/*.[0-9]; do mandoc -Tlint -W warning $$m || exit 1; done

# The unit is written for PREFIX=/usr/local and SYSCONFDIR=/etc; each of
# its command lines that names an installed file is rewritten for the paths
# given here (and checked, so that an edit of the unit cannot silently
# defeat the rewrite).  An existing configuration file is never replaced.
# The unit's drop-ins for the backends that need more than it grants
# (afxdp.conf, rdma.conf) go to $(DATADIR)/ringcap/systemd, where the
# administrator links the ones `ringcapd -n` names; the path in their
# comments is rewritten too.  Without DESTDIR, the ringcap user is created
# at once with systemd-sysusers when that is available.
RC_CONF      = $(SYSCONFDIR)/ringcap/ringcap.yaml
RC_EXECSTART = ExecStart=$(SBINDIR)/ringcapd -c $(RC_CONF)
RC_EXECRELOAD = ExecReload=$(BINDIR)/ringcap reload --timeout 1h
RC_DROPINDIR = $(DATADIR)/ringcap/systemd
RC_DROPINS   = afxdp.conf rdma.conf
install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/ringcap $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(RC_DROPINDIR)
	install -m 0755 $(BUILD)/ringcap $(DESTDIR)$(BINDIR)/ringcap
	install -m 0755 $(BUILD)/ringcapd $(DESTDIR)$(SBINDIR)/ringcapd
	install -m 0644 $(wildcard man/*.8) $(DESTDIR)$(MANDIR)/man8/
	$(if $(wildcard man/*.5),install -m 0644 $(wildcard man/*.5) $(DESTDIR)$(MANDIR)/man5/)
	sed -e 's|^ExecStart=/usr/local/sbin/ringcapd -c /etc/ringcap/ringcap\.yaml$$|$(RC_EXECSTART)|' \
		-e 's|^ExecReload=/usr/local/bin/ringcap reload --timeout 1h$$|$(RC_EXECRELOAD)|' \
		-e 's|^\(#.*\)/usr/local/share/ringcap/systemd|\1$(RC_DROPINDIR)|' \
		systemd/ringcapd.service >$(DESTDIR)$(UNITDIR)/ringcapd.service.tmp
	@for l in '$(RC_EXECSTART)' '$(RC_EXECRELOAD)'; do \
		grep -qxF "$$l" $(DESTDIR)$(UNITDIR)/ringcapd.service.tmp || \
		{ rm -f $(DESTDIR)$(UNITDIR)/ringcapd.service.tmp; \
		  echo "install: cannot set '$$l' in systemd/ringcapd.service" >&2; exit 1; }; \
	done
	chmod 0644 $(DESTDIR)$(UNITDIR)/ringcapd.service.tmp
	mv -f $(DESTDIR)$(UNITDIR)/ringcapd.service.tmp $(DESTDIR)$(UNITDIR)/ringcapd.service
	sed -e 's|^ExecStart=/usr/local/bin/ringcap |ExecStart=$(BINDIR)/ringcap |' \
		-e 's|/etc/ringcap/|$(SYSCONFDIR)/ringcap/|g' \
		systemd/ringcap-rdma-recv.service >$(DESTDIR)$(UNITDIR)/ringcap-rdma-recv.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/ringcap-rdma-recv.service
	@for f in $(RC_DROPINS); do \
		echo "install -m 0644 systemd/$$f $(DESTDIR)$(RC_DROPINDIR)/$$f"; \
		sed -e 's|/usr/local/share/ringcap/systemd/|$(RC_DROPINDIR)/|g' systemd/$$f \
			>$(DESTDIR)$(RC_DROPINDIR)/$$f.tmp && \
		chmod 0644 $(DESTDIR)$(RC_DROPINDIR)/$$f.tmp && \
		mv -f $(DESTDIR)$(RC_DROPINDIR)/$$f.tmp $(DESTDIR)$(RC_DROPINDIR)/$$f || exit 1; \
	done
	install -m 0644 systemd/ringcap.sysusers $(DESTDIR)$(SYSUSERSDIR)/ringcap.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/ringcap/ringcap.yaml ]; then \
		echo "install: keeping the existing $(DESTDIR)$(SYSCONFDIR)/ringcap/ringcap.yaml"; \
	else \
		echo "install -m 0644 conf/ringcap.yaml $(DESTDIR)$(SYSCONFDIR)/ringcap/ringcap.yaml"; \
		install -m 0644 conf/ringcap.yaml $(DESTDIR)$(SYSCONFDIR)/ringcap/ringcap.yaml; \
	fi
	@if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null 2>&1; then \
		echo "systemd-sysusers $(SYSUSERSDIR)/ringcap.conf"; \
		systemd-sysusers $(SYSUSERSDIR)/ringcap.conf; \
	fi

# The configuration file and the user are left in place, and so are the
# administrator's links to the drop-ins under
# /etc/systemd/system/ringcapd.service.d.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ringcap $(DESTDIR)$(SBINDIR)/ringcapd \
		$(DESTDIR)$(MANDIR)/man8/ringcap.8 $(DESTDIR)$(MANDIR)/man8/ringcapd.8 \
		$(DESTDIR)$(MANDIR)/man5/ringcap.yaml.5 \
		$(DESTDIR)$(UNITDIR)/ringcapd.service $(DESTDIR)$(UNITDIR)/ringcap-rdma-recv.service \
		$(DESTDIR)$(SYSUSERSDIR)/ringcap.conf \
		$(addprefix $(DESTDIR)$(RC_DROPINDIR)/,$(RC_DROPINS))
	rmdir $(DESTDIR)$(RC_DROPINDIR) $(DESTDIR)$(DATADIR)/ringcap 2>/dev/null || true

clean:
	rm -rf build build-san build-clang build-san-clang build-tsan build-tsan-clang

# the XDP program and the AF_XDP backend's build rules
-include bpf/bpf.mk
# RDMA forwarding (libibverbs, librdmacm) and the Soft-RoCE VM test's packages
-include src/rdma/rdma.mk
# direct I/O through io_uring (liburing)
-include src/sink/dio.mk
-include tests/vm/vm.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# SPDX-License-Identifier: MIT
# ringcap build.  GNU make + pkg-config.
#   make                  build binaries and test tools into $(BUILD)
#   make test             install deps, build, run every test
#   make demo             the README's demo: capture real traffic in a throw-away netns
#   make bench            benchmark against tcpdump, dumpcap, netsniff-ng, xdpdump (root)
#   make deps             install the Debian packages build, tests and demo need
#   make install          PREFIX=/usr/local DESTDIR=
#   make tsan-unit        the unit tests under ThreadSanitizer (in build-tsan)
#   make CC=clang | SANITIZE=address,undefined | SANITIZE=thread | V=1

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
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
CORE_SRCS := $(wildcard src/common/*.c src/config/*.c src/capture/*.c src/fanout/*.c src/sink/*.c src/engine/*.c)
CLI_SRCS  := src/cli/args.c src/cli/capture.c src/cli/ctl.c src/cli/rdma_recv.c
DAEMON_SRCS := $(wildcard src/daemon/*.c)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(BUILD)/%.o)
DAEMON_LIBS  = $(shell $(PKG_CONFIG) --libs libsystemd 2>/dev/null || echo -lsystemd)
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/%.o)

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
TOOL_BINS  := $(BUILD)/tests/rcgen

BINS := $(BUILD)/ringcap $(BUILD)/ringcapd

.PHONY: all test unit unit-bins tsan-unit integration demo bench deps install uninstall clean lint-man
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

$(BUILD)/tests/rcgen: tests/tools/rcgen.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -O2 -g -o $@ $<

# Debian packages for build, tests, demo and benchmark.  Idempotent: only
# what is missing is installed.
DEB_PKGS := gcc make pkg-config clang llvm libpcap-dev libcmocka-dev \
	libyaml-dev libsystemd-dev systemd \
	tcpdump tshark wireshark-common netsniff-ng xdp-tools gnuplot-nox iproute2 procps \
	util-linux mandoc python3 kmod python3-fusepy fuse
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

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tests/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) bench/run.sh

lint-man:
	$(Q)for m in man/*.[0-9]; do mandoc -Tlint -W warning $$m || exit 1; done

# The unit is written for PREFIX=/usr/local and SYSCONFDIR=/etc; its
# ExecStart= is rewritten for the paths given here (and checked, so that an
# edit of the unit cannot silently defeat the rewrite).  An existing
# configuration file is never replaced.  Without DESTDIR, the ringcap user
# is created at once with systemd-sysusers when that is available.
RC_EXECSTART = ExecStart=$(SBINDIR)/ringcapd -c $(SYSCONFDIR)/ringcap/ringcap.yaml
install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/ringcap $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(BUILD)/ringcap $(DESTDIR)$(BINDIR)/ringcap
	install -m 0755 $(BUILD)/ringcapd $(DESTDIR)$(SBINDIR)/ringcapd
	install -m 0644 $(wildcard man/*.8) $(DESTDIR)$(MANDIR)/man8/
	$(if $(wildcard man/*.5),install -m 0644 $(wildcard man/*.5) $(DESTDIR)$(MANDIR)/man5/)
	sed -e 's|^ExecStart=/usr/local/sbin/ringcapd -c /etc/ringcap/ringcap\.yaml$$|$(RC_EXECSTART)|' \
		systemd/ringcapd.service >$(DESTDIR)$(UNITDIR)/ringcapd.service.tmp
	@grep -qxF '$(RC_EXECSTART)' $(DESTDIR)$(UNITDIR)/ringcapd.service.tmp || \
		{ rm -f $(DESTDIR)$(UNITDIR)/ringcapd.service.tmp; \
		  echo "install: cannot set '$(RC_EXECSTART)' in systemd/ringcapd.service" >&2; exit 1; }
	chmod 0644 $(DESTDIR)$(UNITDIR)/ringcapd.service.tmp
	mv -f $(DESTDIR)$(UNITDIR)/ringcapd.service.tmp $(DESTDIR)$(UNITDIR)/ringcapd.service
	sed -e 's|^ExecStart=/usr/local/bin/ringcap |ExecStart=$(BINDIR)/ringcap |' \
		-e 's|/etc/ringcap/|$(SYSCONFDIR)/ringcap/|g' \
		systemd/ringcap-rdma-recv.service >$(DESTDIR)$(UNITDIR)/ringcap-rdma-recv.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/ringcap-rdma-recv.service
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

# The configuration file and the user are left in place.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ringcap $(DESTDIR)$(SBINDIR)/ringcapd \
		$(DESTDIR)$(MANDIR)/man8/ringcap.8 $(DESTDIR)$(MANDIR)/man8/ringcapd.8 \
		$(DESTDIR)$(MANDIR)/man5/ringcap.yaml.5 \
		$(DESTDIR)$(UNITDIR)/ringcapd.service $(DESTDIR)$(UNITDIR)/ringcap-rdma-recv.service \
		$(DESTDIR)$(SYSUSERSDIR)/ringcap.conf

clean:
	rm -rf build build-san build-clang build-san-clang build-tsan build-tsan-clang

# the XDP program and the AF_XDP backend's build rules
-include bpf/bpf.mk
# RDMA forwarding (libibverbs, librdmacm) and the Soft-RoCE VM test's packages
-include src/sink/rdma.mk
# direct I/O through io_uring (liburing)
-include src/sink/dio.mk
-include tests/vm/vm.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

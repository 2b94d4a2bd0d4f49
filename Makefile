# SPDX-License-Identifier: MIT
# ringcap build.  GNU make + pkg-config.
#   make                  build binaries and test tools into $(BUILD)
#   make test             install deps, build, run every test
#   make demo             the README's demo: capture real traffic in a throw-away netns
#   make bench            benchmark against tcpdump (root)
#   make deps             install the Debian packages build, tests and demo need
#   make install          PREFIX=/usr/local DESTDIR=
#   make CC=clang | SANITIZE=address,undefined | V=1

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DESTDIR    ?=
CC         ?= cc
PKG_CONFIG ?= pkg-config
SANITIZE   ?=
BUILD      ?= build$(if $(SANITIZE),-san)$(if $(filter clang%,$(notdir $(CC))),-clang)

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
CLI_SRCS  := src/cli/args.c src/cli/capture.c
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/%.o)

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
TOOL_BINS  := $(BUILD)/tests/rcgen

BINS := $(BUILD)/ringcap

.PHONY: all test unit integration demo bench deps install uninstall clean lint-man
all: $(BINS) $(UNIT_BINS) $(TOOL_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/ringcap: $(BUILD)/src/cli/main.o $(CLI_OBJS) $(CORE_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

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
	libyaml-dev libsystemd-dev \
	tcpdump tshark netsniff-ng iproute2 procps util-linux mandoc python3 kmod
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

install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BUILD)/ringcap $(DESTDIR)$(BINDIR)/ringcap
	for m in man/*.8; do [ -e "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man8/ || true; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ringcap $(DESTDIR)$(MANDIR)/man8/ringcap.8

clean:
	rm -rf build build-san build-clang build-san-clang

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

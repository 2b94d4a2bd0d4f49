# SPDX-License-Identifier: MIT
# The XDP program and the AF_XDP backend (included by the top Makefile).
#
#   bpf/rc_xdp.bpf.c --clang -target bpf--> $(BUILD)/bpf/rc_xdp.bpf.o
#                    --bpftool gen skeleton--> $(BUILD)/bpf/rc_xdp.skel.h
#
# The skeleton carries the object's bytes, so src/capture/xdp_prog.c opens the
# program from memory: nothing under bpf/ is needed at run time.
#
# AF_XDP needs libbpf, libxdp (pkg-config), clang and bpftool.  When one is
# missing the rest of ringcap still builds: the AF_XDP files (capture/afxdp.c,
# afxdp_setup.c, umem.c, xdp_prog.c, xdp_owner.c, xdp_env.c) compile to nothing,
# RC_HAVE_AFXDP stays undefined (--backend afxdp then says so) and the
# AF_XDP tests skip.  `make deps` installs all of them.
#   make BPF_CLANG=clang-14 BPFTOOL=/path/to/bpftool   other tools
#   make AFXDP=0                                       build without AF_XDP

BPF_CLANG ?= clang
BPFTOOL   ?= $(or $(shell command -v bpftool 2>/dev/null),$(wildcard /usr/sbin/bpftool),bpftool)
# clang -target bpf does not look in the multiarch include directory,
# where Debian keeps <asm/types.h>.
BPF_MULTIARCH := $(shell $(BPF_CLANG) -print-multiarch 2>/dev/null || gcc -print-multiarch 2>/dev/null)
BPF_CFLAGS ?= -O2 -g
BPF_ALL_CFLAGS = -target bpf $(BPF_CFLAGS) -Wall -Wextra -Wno-unused-parameter \
	$(if $(BPF_MULTIARCH),-idirafter /usr/include/$(BPF_MULTIARCH))

DEB_PKGS += libbpf-dev libxdp-dev bpftool

ifeq ($(origin AFXDP),undefined)
AFXDP := $(shell $(PKG_CONFIG) --exists libbpf libxdp 2>/dev/null && \
	command -v $(BPF_CLANG) >/dev/null 2>&1 && \
	{ command -v $(BPFTOOL) >/dev/null 2>&1 || test -x $(BPFTOOL); } && echo 1 || echo 0)
endif

ifeq ($(AFXDP),1)

PKGS     += libbpf libxdp
CPPFLAGS += -DRC_HAVE_AFXDP -I$(BUILD)/bpf

$(BUILD)/bpf/rc_xdp.bpf.o: bpf/rc_xdp.bpf.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BPF     $<")
	$(Q)$(BPF_CLANG) $(BPF_ALL_CFLAGS) -c -o $@ $<

$(BUILD)/bpf/rc_xdp.skel.h: $(BUILD)/bpf/rc_xdp.bpf.o
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(BPFTOOL) gen skeleton $< name rc_xdp >$@.tmp && mv -f $@.tmp $@

# xdp_prog.c includes the skeleton; -MMD picks the dependency up after the
# first build, this line makes the first build work.
$(BUILD)/src/capture/xdp_prog.o: $(BUILD)/bpf/rc_xdp.skel.h

# the filter's translation against libpcap's interpreter, in the kernel
# (tests/integration/afxdp_filter_translate.sh runs it as root)
all: $(BUILD)/tests/xdpfilter_check
$(BUILD)/tests/xdpfilter_check: $(BUILD)/tests/tools/xdpfilter_check.o \
		$(BUILD)/src/capture/xdp_filter.o $(BUILD)/src/capture/filter.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# a bare AF_XDP socket that holds a queue (tests/integration/afxdp_restart.sh)
all: $(BUILD)/tests/xsk_hold
$(BUILD)/tests/xsk_hold: $(BUILD)/tests/tools/xsk_hold.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

else

ifeq ($(origin AFXDP),command line)
$(info AF_XDP backend not built (AFXDP=$(AFXDP)))
else
$(info AF_XDP backend not built: needs libbpf and libxdp (pkg-config), $(BPF_CLANG) and $(BPFTOOL); run 'make deps')
endif

endif

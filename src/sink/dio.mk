# SPDX-License-Identifier: MIT
# Direct I/O (included by the top Makefile): src/sink/dio.c writes capture
# files with O_DIRECT through io_uring and needs liburing (pkg-config).
# Without it the rest of ringcap builds as before: dio.c compiles to stubs
# that say -EOPNOTSUPP, so every file is written through the page cache,
# and the direct-I/O tests skip.  `make deps` installs it.
#   make URING=0       build without direct I/O

DEB_PKGS += liburing-dev

ifeq ($(origin URING),undefined)
URING := $(shell $(PKG_CONFIG) --exists liburing 2>/dev/null && echo 1 || echo 0)
endif

ifeq ($(URING),1)
PKGS     += liburing
CPPFLAGS += -DRC_HAVE_URING
else ifeq ($(origin URING),command line)
$(info direct I/O not built (URING=$(URING)))
else
$(info direct I/O not built: needs liburing (pkg-config); run 'make deps')
endif

# bench/diobw: the writer alone, at disk speed (bench/run.sh, scenario e)
ifeq ($(URING),1)
all: $(BUILD)/bench/diobw
$(BUILD)/bench/diobw: $(BUILD)/bench/diobw.o $(BUILD)/src/sink/dio.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
endif

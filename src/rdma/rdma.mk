# SPDX-License-Identifier: MIT
# RDMA forwarding, src/rdma/ (included by the top Makefile): the sender
# sink and the `ringcap rdma-recv` collector need libibverbs and
# librdmacm.  Without
# them the rest of ringcap builds as before and says so when asked to
# forward.  `make deps` installs them.
#   make RDMA=0        build without RDMA

DEB_PKGS += libibverbs-dev librdmacm-dev rdma-core ibverbs-providers

ifeq ($(origin RDMA),undefined)
RDMA := $(shell $(PKG_CONFIG) --exists libibverbs librdmacm 2>/dev/null && echo 1 || echo 0)
endif

ifeq ($(RDMA),1)
PKGS     += libibverbs librdmacm
CPPFLAGS += -DRC_HAVE_RDMA
else
$(info RDMA forwarding not built: needs libibverbs and librdmacm (pkg-config); run 'make deps')
endif

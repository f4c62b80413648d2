# SPDX-License-Identifier: Apache-2.0
# warren: one non-recursive GNU Makefile. Sources are found by directory (each directory is a
# tier built as a static library), so adding a file needs no edit here.

BUILDDIR ?= build
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/warren
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SYSTEMDUSERUNITDIR ?= $(PREFIX)/lib/systemd/user
DESTDIR ?=
CC ?= cc
CLANG ?= clang
PKG_CONFIG ?= pkg-config
WERROR ?= 0
SANITIZE ?=
VERSION := 0.1.0

# Libraries warren links, each wrapped by exactly one file of ours (STYLE.md).
PKGS := libseccomp libcap yajl libarchive libcrypto libcurl libmicrohttpd slirp

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# libarchive (storage/layer-reader.c) and libcrypto (storage/digest.c) are dlopen()ed on first
# use (see there): compiled against, not linked, so that commands that read no archive and hash
# nothing do not pay for loading them.
PKGS_DLOPEN := libarchive libcrypto
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(filter-out $(PKGS_DLOPEN),$(PKGS)) 2>/dev/null)
ifeq ($(filter deps clean fmt fmt-check help,$(MAKECMDGOALS)),)
ifeq ($(shell $(PKG_CONFIG) --exists $(PKGS) && echo ok),)
$(warning some of $(PKGS) are missing: run `make deps` first)
endif
endif

WARNINGS := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Werror=shadow -Werror=strict-prototypes -Werror=missing-prototypes \
	-Werror=implicit-function-declaration -Werror=format=2 -Werror=format-security \
	-Werror=return-type -Werror=incompatible-pointer-types -Wformat-nonliteral
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif

BASE_CFLAGS := -std=gnu11 -O2 -g -D_GNU_SOURCE -DWARREN_VERSION=\"$(VERSION)\" \
	-DLIBEXECDIR=\"$(LIBEXECDIR)\" -fno-strict-aliasing -fstack-protector-strong \
	-I. -Isrc $(WARNINGS) $(PKG_CFLAGS)
BASE_LDFLAGS := -Wl,--as-needed -Wl,-z,relro -Wl,-z,now
ifneq ($(SANITIZE),)
BASE_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
BASE_LDFLAGS += -fsanitize=$(SANITIZE)
endif
# User CFLAGS/LDFLAGS are appended last so they win.
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(BASE_LDFLAGS) $(LDFLAGS)

# Tiers, lowest first. A tier may use only the tiers before it; tests link one tier and below,
# so an upward call fails to link.
TIER_DIRS := src/basic userns storage src/runtime src/core
TIER_NAMES := basic userns storage runtime core
tier_lib = $(BUILDDIR)/lib/lib$(1).a
tier_srcs = $(wildcard $(1)/*.c)
tier_objs = $(patsubst %.c,$(BUILDDIR)/obj/%.o,$(call tier_srcs,$(1)))

$(foreach i,1 2 3 4 5,$(eval LIB_$(word $(i),$(TIER_NAMES)) := $(call tier_lib,$(word $(i),$(TIER_NAMES)))))
$(foreach i,1 2 3 4 5,$(eval OBJS_$(word $(i),$(TIER_NAMES)) := $(call tier_objs,$(word $(i),$(TIER_DIRS)))))

# Link order: highest tier first.
ALL_LIBS := $(LIB_core) $(LIB_runtime) $(LIB_storage) $(LIB_userns) $(LIB_basic)

# Programs: src/cmd/NAME/*.c -> build/bin/NAME
PROGRAMS := $(notdir $(wildcard src/cmd/*))
PROGRAM_BINS := $(addprefix $(BUILDDIR)/bin/,$(PROGRAMS))

# Unit tests: tests/unit/test-NAME.c; a tests/unit/test-NAME.mk may set LDFLAGS_test-NAME
# (for -Wl,--wrap= mocks) and TIER_test-NAME (the highest tier it links; default core).
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILDDIR)/tests/unit/%,$(UNIT_SRCS))
-include $(wildcard tests/unit/*.mk)

# Fuzz harnesses: tests/fuzz/fuzz-NAME.c (LLVMFuzzerTestOneInput), corpus in
# tests/fuzz/corpus/NAME/. `make check` replays the corpus with a plain driver;
# `make fuzz` builds libFuzzer binaries with clang.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_REPLAY_BINS := $(patsubst tests/fuzz/%.c,$(BUILDDIR)/tests/fuzz/%,$(FUZZ_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILDDIR)/fuzz/%,$(FUZZ_SRCS))

# Test payloads: tests/payload/NAME.c -> build/tests/payload/NAME, static.
PAYLOAD_SRCS := $(wildcard tests/payload/*.c)
PAYLOAD_BINS := $(patsubst tests/payload/%.c,$(BUILDDIR)/tests/payload/%,$(PAYLOAD_SRCS))

# Program-specific fragments (extra install rules and the like).
-include $(wildcard src/cmd/*/program.mk)

# Programs that run once per container (their memory is a reported figure) are linked
# statically against musl when musl-gcc is here: MUSL_PROGRAMS += NAME in its program.mk, with
# MUSL_SRCS_NAME listing every source it needs (a missing one fails the link). Without musl-gcc,
# or in a sanitizer build, they are linked like every other program.
MUSL_CC ?= $(shell command -v musl-gcc 2>/dev/null)
ifneq ($(MUSL_CC),)
ifeq ($(SANITIZE),)
MUSL_BUILT := $(MUSL_PROGRAMS)
endif
endif
MUSL_CFLAGS = -std=gnu11 -O2 -g -D_GNU_SOURCE -DWARREN_VERSION=\"$(VERSION)\" \
	-DLIBEXECDIR=\"$(LIBEXECDIR)\" -fno-strict-aliasing -fstack-protector-strong \
	-ffunction-sections -fdata-sections -I. -Isrc $(WARNINGS) $(CFLAGS)

.PHONY: all install uninstall clean deps check check-unit check-integration check-fuzz fuzz \
	tests demo valgrind fmt fmt-check lint help bench
all: $(PROGRAM_BINS)

help:
	@echo "targets: all install uninstall clean deps demo check check-unit check-integration"
	@echo "         check-fuzz fuzz bench valgrind fmt fmt-check lint"
	@echo "variables: PREFIX DESTDIR BUILDDIR WERROR=1 SANITIZE=address,undefined CFLAGS LDFLAGS"

ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

$(BUILDDIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(foreach t,$(TIER_NAMES),$(eval $(LIB_$(t)): $(OBJS_$(t)) ; @mkdir -p $$(dir $$@) && rm -f $$@ && $(AR) rcs $$@ $$^))

define STATIC_PROGRAM_RULE
$(BUILDDIR)/bin/$(1): $(wildcard src/cmd/$(1)/*.c)
	@mkdir -p $$(dir $$@)
	$$(call say,STATIC,$$@)
	$$(Q)$$(CC) -std=gnu11 -O2 -D_GNU_SOURCE -Wall -Wextra -static $$(STATIC_CFLAGS_$(1)) -o $$@ $$^
endef
$(foreach p,$(STATIC_PROGRAMS),$(eval $(call STATIC_PROGRAM_RULE,$(p))))

$(BUILDDIR)/musl/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,MUSLCC,$<)
	$(Q)$(MUSL_CC) $(MUSL_CFLAGS) -MMD -MP -c $< -o $@

define MUSL_PROGRAM_RULE
$(BUILDDIR)/bin/$(1): $(patsubst %.c,$(BUILDDIR)/musl/%.o,$(MUSL_SRCS_$(1)))
	@mkdir -p $$(dir $$@)
	$$(call say,MUSL,$$@)
	$$(Q)$(MUSL_CC) -static -Wl,--gc-sections $(LDFLAGS) -o $$@ $$^
endef
$(foreach p,$(MUSL_BUILT),$(eval $(call MUSL_PROGRAM_RULE,$(p))))

define PROGRAM_RULE
$(BUILDDIR)/bin/$(1): $(patsubst %.c,$(BUILDDIR)/obj/%.o,$(wildcard src/cmd/$(1)/*.c)) $(ALL_LIBS)
	@mkdir -p $$(dir $$@)
	$$(call say,LINK,$$@)
	$$(Q)$$(CC) $$(ALL_LDFLAGS) -o $$@ $$(filter %.o,$$^) $(ALL_LIBS) $$(PKG_LIBS)
endef
$(foreach p,$(filter-out $(STATIC_PROGRAMS) $(MUSL_BUILT),$(PROGRAMS)),$(eval $(call PROGRAM_RULE,$(p))))

# Libraries for a test whose highest tier is T: T and every tier below it, highest first.
libs_upto = $(foreach t,$(call reverse,$(call upto,$(1),$(TIER_NAMES))),$(LIB_$(t)))
upto = $(if $(filter $(1),$(firstword $(2))),$(1),$(firstword $(2)) $(call upto,$(1),$(wordlist 2,99,$(2))))
reverse = $(if $(1),$(call reverse,$(wordlist 2,99,$(1))) $(firstword $(1)))

.SECONDEXPANSION:
$(BUILDDIR)/tests/unit/%: $(BUILDDIR)/obj/tests/unit/%.o $$(call libs_upto,$$(or $$(TIER_$$*),core))
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $(LDFLAGS_$*) -o $@ $< $(call libs_upto,$(or $(TIER_$*),core)) \
		$(PKG_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

$(BUILDDIR)/tests/fuzz/%: $(BUILDDIR)/obj/tests/fuzz/%.o $(BUILDDIR)/obj/tests/fuzz/replay-main.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(ALL_LIBS) $(PKG_LIBS)

$(BUILDDIR)/fuzz/%: tests/fuzz/%.c $(patsubst %.c,%.c,$(foreach t,$(TIER_DIRS),$(call tier_srcs,$(t))))
	@mkdir -p $(dir $@)
	$(CLANG) -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -Isrc $(PKG_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -o $@ $< \
		$(foreach t,$(TIER_DIRS),$(call tier_srcs,$(t))) $(PKG_LIBS)

$(BUILDDIR)/tests/payload/%: tests/payload/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -D_GNU_SOURCE -static -o $@ $<

tests: all $(UNIT_BINS) $(FUZZ_REPLAY_BINS) $(PAYLOAD_BINS)

# check and demo work on a fresh machine: they install what is missing first, then build in a
# second make (so that pkg-config sees the newly installed libraries).
check:
	@bash tests/deps.sh
	@$(MAKE) --no-print-directory tests
	@bash tests/check.sh all

check-unit: tests
	@bash tests/check.sh unit

check-fuzz: tests
	@bash tests/check.sh fuzz

check-integration: tests
	@bash tests/check.sh integration

fuzz: $(FUZZ_BINS)

bench: all $(PAYLOAD_BINS)
	@for b in tests/bench/*.sh; do echo "== $$b"; bash $$b || exit 1; done

valgrind: tests
	@for t in $(UNIT_BINS); do valgrind -q --error-exitcode=1 --leak-check=full $$t || exit 1; done

demo:
	@bash tests/deps.sh
	@$(MAKE) --no-print-directory all $(PAYLOAD_BINS)
	@bash tests/demo.sh

deps:
	@bash tests/deps.sh

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(PROGRAM_BINS) $(DESTDIR)$(BINDIR)/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(PROGRAMS))

clean:
	rm -rf $(BUILDDIR)

FMT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
fmt:
	clang-format -i $(FMT_SRCS)
fmt-check:
	clang-format --dry-run --Werror $(FMT_SRCS)
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		-I. -Isrc -D_GNU_SOURCE $(foreach t,$(TIER_DIRS),$(t)) src/cmd

-include $(shell find $(BUILDDIR)/obj $(BUILDDIR)/musl -name '*.d' 2>/dev/null)

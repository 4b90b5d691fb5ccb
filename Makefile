# botwall: top-level build.
#   make            build the XDP object, skeleton, botwalld and botwall
#   make deps       install the Debian packages needed (apt-get, idempotent)
#   make test       run the whole suite (unit, BPF_PROG_TEST_RUN, end-to-end)
#   make demo       lab demo: namespaces, nginx, a scraper and a browser
#   make vmtest     run the suite inside a VM on another kernel (vmtest/)

BUILD   ?= build
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
ARCH    := $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

CFLAGS  ?= -O2 -g
# Extra flags for a variant build (make test-asan sets sanitizers here).
EXTRA_CFLAGS ?=
CFLAGS  += $(EXTRA_CFLAGS)
CFLAGS  += -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
	   -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	   -I$(BUILD) -Ibpf -Iuser
LDLIBS  := -lxdp -lbpf -lelf -lz -lcjson -lpcre2-8 -lyaml
LDLIBS  += -lsqlite3 -lmicrohttpd -lmaxminddb -lpthread -lm
LDLIBS  += -lcurl
BPF_CFLAGS := -target bpf -O2 -g -Wall -Werror -D__TARGET_ARCH_$(ARCH) \
	      -I/usr/include/$(MULTIARCH) -Ibpf

LIB_SRCS   := user/names.c user/addr.c user/lists.c user/http.c user/score.c \
	      user/uadb.c user/p0f.c user/horder.c user/engine.c \
	      user/maps.c user/log.c user/config.c user/lock.c user/loader.c user/ltable.c
LIB_SRCS   += user/migrate.c user/fetch.c
LIB_SRCS   += user/store.c user/sites.c user/geo.c user/api.c user/record.c user/decide.c
LIB_SRCS   += user/behave.c user/policy.c user/text.c
LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/%.o)
D_SRCS     := user/botwalld.c
D_OBJS     := $(D_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS   := $(BUILD)/tools/botwall.o $(BUILD)/tools/score_cmd.o
HDRS       := $(wildcard bpf/*.h user/*.h tools/*.h tests/bench/*.h tests/bpf/*.h tests/unit/*.h)

UNIT_TESTS := test_http test_score test_addr test_lists test_corpus test_config test_engine
UNIT_TESTS += test_store test_decide
UNIT_TESTS += test_behave test_policy test_text
TEST_BINS  := $(UNIT_TESTS:%=$(BUILD)/tests/unit/%) $(BUILD)/tests/bpf/test_xdp \
	      $(BUILD)/tests/bpf/xdp_neighbour.bpf.o
TEST_BINS  += $(BUILD)/tests/api/api_serve
BENCH_BINS += $(BUILD)/tests/bench/bench_api
TEST_BINS  += $(BUILD)/tests/bpf/test_ltable $(BUILD)/tests/bpf/test_actions
TEST_BINS  += $(BUILD)/tests/bpf/test_sampling
TEST_BINS  += $(BUILD)/tests/bpf/test_random
TEST_BINS  += $(BUILD)/tests/bpf/test_stack_budget

PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
CONFDIR ?= /etc/botwall

.PHONY: data fuzz all deps test test-unit test-bpf test-e2e demo vmtest clean tests install uninstall

all: $(BUILD)/botwalld $(BUILD)/botwall

$(BUILD)/botwall.bpf.o: bpf/botwall.bpf.c bpf/botwall_abi.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# A second XDP program that shares the interface in the dispatcher test.
$(BUILD)/tests/bpf/xdp_neighbour.bpf.o: tests/bpf/xdp_neighbour.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The program's frames against 6.1's 512-byte limit, checked on the host
# (tests/bpf/stack_budget.py): a wrapper the bpf suite runs like the others.
$(BUILD)/tests/bpf/test_stack_budget: tests/bpf/stack_budget.py $(BUILD)/botwall.bpf.o
	@mkdir -p $(@D)
	printf '#!/bin/sh\nexec python3 "%s" "%s"\n' "$(abspath tests/bpf/stack_budget.py)" \
		"$(abspath $(BUILD)/botwall.bpf.o)" >$@
	chmod +x $@

$(BUILD)/botwall.skel.h: $(BUILD)/botwall.bpf.o
	$(BPFTOOL) gen skeleton $< name botwall_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/%.o: %.c $(HDRS) $(BUILD)/botwall.skel.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libbotwall.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/botwalld: $(D_OBJS) $(BUILD)/libbotwall.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/botwall: $(CLI_OBJS) $(BUILD)/libbotwall.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%.o: CFLAGS += -Itests/unit

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libbotwall.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

deps:
	./tests/deps.sh

FUZZ_BIN   := $(BUILD)/tests/fuzz/fuzz_score
FUZZ_SRCS  := tests/fuzz/fuzz_score.c user/http.c user/score.c user/uadb.c user/p0f.c user/text.c \
	      user/horder.c user/engine.c user/names.c user/addr.c user/behave.c
FUZZ_SECONDS ?= 300

# The crawler-user-agents dataset (npm, MIT) is fetched into the build
# directory, never committed; without npm the engine uses built-in patterns.
CRAWLERS_VERSION ?= 1.60.0
$(BUILD)/data/crawler-user-agents.json:
	@mkdir -p $(@D)
	@cd $(@D) && (npm pack --silent crawler-user-agents@$(CRAWLERS_VERSION) >/dev/null 2>&1 && \
	  tar xzf crawler-user-agents-$(CRAWLERS_VERSION).tgz package/crawler-user-agents.json && \
	  mv package/crawler-user-agents.json . && rm -rf package crawler-user-agents-*.tgz) || \
	  echo "data: npm could not fetch crawler-user-agents; built-in bot patterns will be used"

data: $(BUILD)/data/crawler-user-agents.json

$(FUZZ_BIN): $(FUZZ_SRCS) $(HDRS)
	@mkdir -p $(@D)
	-$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ibpf -Iuser \
	  $(FUZZ_SRCS) -o $@ -lcjson -lpcre2-8 -lyaml -lm

fuzz: $(FUZZ_BIN) data
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/test_fuzz.sh

tests: all data $(TEST_BINS) $(FUZZ_BIN)

# The two entry points of the README install what they need first; the
# build runs after deps (a sub-make), so -j cannot race the install.
SAN_FLAGS := -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	     -fno-omit-frame-pointer

test: deps
	$(MAKE) tests
	$(MAKE) BUILD=build-asan EXTRA_CFLAGS="$(SAN_FLAGS)" tests
	./tests/run.sh all sanitize

# The daemon, CLI and unit tests built with ASan/UBSan, through the same suites.
test-asan: deps
	$(MAKE) BUILD=build-asan EXTRA_CFLAGS="$(SAN_FLAGS)" tests
	./tests/run.sh sanitize

test-unit test-bpf test-e2e: tests
	./tests/run.sh $(@:test-%=%)

demo: deps
	$(MAKE) all data
	./tools/demo.sh

# The suites inside a VM on another kernel (vmtest/README.md). KERNEL=path
# boots that kernel; the default is Debian's 6.1 (linux-image-amd64).
KERNEL      ?=
VMTEST_ARGS ?=
VMTEST_CMD  ?= ./tests/run.sh unit bpf e2e

vmtest: deps
	./vmtest/deps.sh
	$(MAKE) tests
	./vmtest/run.sh --kernel "$(KERNEL)" $(VMTEST_ARGS) -- $(VMTEST_CMD)

install: all
	install -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -d -m 0700 $(DESTDIR)$(CONFDIR)
	install -m 0755 $(BUILD)/botwalld $(BUILD)/botwall $(DESTDIR)$(SBINDIR)/
	install -m 0644 docs/man/botwalld.8 docs/man/botwall.8 $(DESTDIR)$(MANDIR)/man8/
	sed 's|@SBINDIR@|$(SBINDIR)|g' tools/systemd/botwalld.service.in > $(DESTDIR)$(UNITDIR)/botwalld.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/botwalld.service
	# never overwrite an operator's config
	[ -e $(DESTDIR)$(CONFDIR)/botwall.conf ] || \
		install -m 0600 tools/systemd/botwall.conf.example $(DESTDIR)$(CONFDIR)/botwall.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/botwalld $(DESTDIR)$(SBINDIR)/botwall
	rm -f $(DESTDIR)$(MANDIR)/man8/botwalld.8 $(DESTDIR)$(MANDIR)/man8/botwall.8
	rm -f $(DESTDIR)$(UNITDIR)/botwalld.service
	@echo "kept $(DESTDIR)$(CONFDIR) (your configuration); remove it by hand if unwanted"

# make bench: each benchmark adds itself as a prerequisite.
.PHONY: bench bench-api
bench: bench-api
bench-api: all $(BUILD)/tests/bench/bench_api
	./tests/bench/bench_api.sh

# Scoring throughput and latency on one core (tests/bench/bench_score.c).
.PHONY: bench-score
BENCH_BINS += $(BUILD)/tests/bench/bench_score
bench: bench-score
bench-score: all data $(BUILD)/tests/bench/bench_score
	$(BUILD)/tests/bench/bench_score $(BENCH_SCORE_ARGS) tests/corpus/*.http

clean:
	rm -rf $(BUILD)

# ---- make bench: datapath benchmarks (tests/bench/, docs/benchmarks.md) ----
.PHONY: bench
BENCH_BIN := $(BUILD)/tests/bench/bench_datapath

$(BUILD)/bench_ref.bpf.o: tests/bench/bench_ref.bpf.c bpf/botwall.bpf.c bpf/botwall_abi.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench_ref.skel.h: $(BUILD)/bench_ref.bpf.o
	$(BPFTOOL) gen skeleton $< name bench_ref_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/bench/bench_datapath.o: $(BUILD)/bench_ref.skel.h
# xdp-filter as an IP blocklist, the reference row (from the xdp-tools package).
$(BUILD)/tests/bench/bench_datapath.o: CFLAGS += \
	-DBW_XDPFILTER_OBJ='"$(shell pkg-config --variable=libdir libxdp)/bpf/xdpfilt_alw_ip.o"'

bench: all $(BENCH_BIN)
	$(BENCH_BIN) $(BENCH_ARGS)

# ---- make bench-live: packets per second dropped on a veth pair, botwall
# vs nftables (tests/bench/bench_live.sh, docs/benchmarks.md) ----
.PHONY: bench-live
$(BUILD)/live_tx.bpf.o: tests/bench/live_tx.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/live_drop.bpf.o: tests/bench/live_drop.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

bench: bench-live
bench-live: all $(BUILD)/tests/bench/bench_live $(BUILD)/live_tx.bpf.o $(BUILD)/live_drop.bpf.o
	LAB_BIN=$(BUILD) ./tests/bench/bench_live.sh $(BENCH_LIVE_ARGS)

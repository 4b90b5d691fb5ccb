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
CFLAGS  += -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
	   -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	   -I$(BUILD) -Ibpf -Iuser
LDLIBS  := -lxdp -lbpf -lelf -lz -lcjson
BPF_CFLAGS := -target bpf -O2 -g -Wall -Werror -D__TARGET_ARCH_$(ARCH) \
	      -I/usr/include/$(MULTIARCH) -Ibpf

LIB_SRCS   := user/names.c user/addr.c user/lists.c user/http.c user/score.c \
	      user/maps.c user/log.c user/ltable.c
LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/%.o)
D_SRCS     := user/botwalld.c user/loader.c
D_OBJS     := $(D_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS   := $(BUILD)/tools/botwall.o
HDRS       := $(wildcard bpf/*.h user/*.h)

UNIT_TESTS := test_http test_score test_addr test_lists test_corpus
TEST_BINS  := $(UNIT_TESTS:%=$(BUILD)/tests/unit/%) $(BUILD)/tests/bpf/test_xdp \
	      $(BUILD)/tests/bpf/test_ltable $(BUILD)/tests/bpf/test_actions

.PHONY: all deps test test-unit test-bpf test-e2e demo vmtest clean tests

all: $(BUILD)/botwalld $(BUILD)/botwall

$(BUILD)/botwall.bpf.o: bpf/botwall.bpf.c bpf/botwall_abi.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

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

tests: all $(TEST_BINS)

# The two entry points of the README install what they need first; the
# build runs after deps (a sub-make), so -j cannot race the install.
test: deps
	$(MAKE) tests
	./tests/run.sh

test-unit test-bpf test-e2e: tests
	./tests/run.sh $(@:test-%=%)

demo: deps
	$(MAKE) all
	./tools/demo.sh

vmtest: all $(TEST_BINS)
	./vmtest/deps.sh
	./vmtest/run.sh $(if $(KERNEL),--kernel $(KERNEL)) $(VMTEST_ARGS) -- ./tests/run.sh

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

bench: all $(BENCH_BIN)
	$(BENCH_BIN) $(BENCH_ARGS)

# AlignScope: `make run` starts the application, `make test` runs the suite.
# Both install the Debian packages the build needs when they are missing.

BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

DEBIAN_PACKAGES := build-essential cmake pkg-config \
  qt6-base-dev qt6-svg-dev qt6-tools-dev qt6-l10n-tools libqt6svg6 qt6-multimedia-dev \
  libeigen3-dev libtbb-dev nlohmann-json3-dev libutf8proc-dev libsentencepiece-dev zlib1g-dev libsndfile1-dev libsoxr-dev \
  libpng-dev libjpeg62-turbo-dev \
  xvfb xauth fonts-dejavu-core

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps configure build run test clean package package-deps fuzz fuzz-deps

all: build

deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

configure: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$QT_QPA_PLATFORM" = offscreen ]; then \
	  if [ -x $(BUILD_DIR)/app/alignscope ]; then exec $(BUILD_DIR)/app/alignscope; fi; \
	  echo "The window is not built in this configuration (ALIGNSCOPE_BUILD_UI=OFF); translating the seed sentence instead:"; \
	else \
	  echo "No display found (DISPLAY is unset): translating the seed sentence with alignscope-cli instead."; \
	fi; \
	$(BUILD_DIR)/app/alignscope-cli translate --model additive "The cat sat on the mat" 

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# `make package`: alignscope_<version>-1_<arch>.deb and
# alignscope-<version>-Linux-<arch>.tar.gz in $(BUILD_DIR), from the same build
# as `make test` (only the install prefix is added, so nothing recompiles).
PACKAGING_PACKAGES := dpkg-dev file appstream lintian

package-deps:
	@missing=$$(for p in $(PACKAGING_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

package: build package-deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_INSTALL_PREFIX=/usr
	cmake --build $(BUILD_DIR) -j $(JOBS)
	rm -f $(BUILD_DIR)/alignscope_*.deb $(BUILD_DIR)/alignscope-*.tar.gz
	cd $(BUILD_DIR) && cpack -G "DEB;TGZ"
	@ls -l $(BUILD_DIR)/alignscope_*.deb $(BUILD_DIR)/alignscope-*.tar.gz

clean:
	rm -rf $(BUILD_DIR)

# `make fuzz`: the libFuzzer targets in tests/fuzz share one budget of
# FUZZ_BUDGET seconds (each runs FUZZ_BUDGET / targets on a copy of its seed
# corpus; the committed corpus never grows); fails on any crash, leak,
# timeout or out-of-memory. Findings land in $(FUZZ_DIR)/fuzz-work/<target>/.
FUZZ_DIR ?= build-fuzz
FUZZ_BUDGET ?= 360
FUZZ_TARGETS := safetensors pytorch corpus tokenizer session hftokenizer hfconfig audio image ggml
FUZZ_SECONDS ?= $(shell echo $$(( $(FUZZ_BUDGET) / $(words $(FUZZ_TARGETS)) )))
FUZZ_PACKAGES := clang-14 libclang-rt-14-dev llvm-14

fuzz-deps: deps
	@missing=$$(for p in $(FUZZ_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

fuzz: fuzz-deps
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DALIGNSCOPE_FUZZ=ON -DALIGNSCOPE_BUILD_UI=OFF -DALIGNSCOPE_BUILD_TESTS=OFF
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@failed=; for t in $(FUZZ_TARGETS); do \
	  work=$(FUZZ_DIR)/fuzz-work/$$t; rm -rf $$work; mkdir -p $$work/corpus; \
	  cp tests/fuzz/corpus/$$t/* $$work/corpus/; \
	  dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(FUZZ_DIR)/tests/fuzz/fuzz_$$t $$dict -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=$$work/ $$work/corpus > $$work/log.txt 2>&1 \
	    || failed="$$failed $$t"; \
	  grep -E '^stat::(number_of_executed_units|average_exec_per_sec)|^SUMMARY|^==[0-9]+==ERROR|Test unit written' $$work/log.txt; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes found in:$$failed (see $(FUZZ_DIR)/fuzz-work/*/log.txt)"; exit 1; fi; \
	echo "fuzz: no crashes in $(FUZZ_TARGETS)"

# AlignScope: `make run` starts the application, `make test` runs the suite.
# Both install the Debian packages the build needs when they are missing.

BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

DEBIAN_PACKAGES := build-essential cmake pkg-config \
  qt6-base-dev qt6-svg-dev qt6-tools-dev qt6-l10n-tools libqt6svg6 \
  libeigen3-dev libtbb-dev nlohmann-json3-dev libutf8proc-dev \
  xvfb xauth fonts-dejavu-core

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps configure build run test clean package

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

clean:
	rm -rf $(BUILD_DIR)

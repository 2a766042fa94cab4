# glass: a thin wrapper over meson + ninja.
#   make            build everything into build/ (programs at fixed paths)
#   make check      install missing packages, build, run every test
#   make lab        install missing packages, build, start the lab
#   make bench      side-by-side benchmarks (bench/)
#   make install    PREFIX=/usr/local DESTDIR=
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
NINJA   ?= ninja

.PHONY: all deps build rootfs check lab trace-demo bench install clean format format-check

all: build rootfs

deps:
	@sh scripts/install-deps.sh

$(BUILD)/build.ninja:
	@command -v meson >/dev/null || { echo "glass: meson not found: apt-get install meson ninja-build (or run scripts/install-deps.sh)" >&2; exit 1; }
	meson setup $(BUILD) --prefix=$(PREFIX)

build: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)
	@# glass-runtime re-executes itself from a sealed memfd copy on every
	@# create/run/exec (CVE-2019-5736): the copy at the fixed path carries no
	@# debug info (1.4 MB -> 0.4 MB), which it keeps in glass-runtime.debug.
	@objcopy --only-keep-debug $(BUILD)/src/runtime/glass-runtime $(BUILD)/glass-runtime.debug
	@objcopy --strip-debug --add-gnu-debuglink=$(BUILD)/glass-runtime.debug \
		$(BUILD)/src/runtime/glass-runtime $(BUILD)/glass-runtime.tmp
	@rm -f $(BUILD)/glass-runtime && mv $(BUILD)/glass-runtime.tmp $(BUILD)/glass-runtime
	@ln -sf src/engine/glass $(BUILD)/glass
	@if [ -e $(BUILD)/src/shim/glass-shim ]; then ln -sf src/shim/glass-shim $(BUILD)/glass-shim; fi

# The built-in image: a busybox root filesystem from Debian's busybox-static,
# plus the test probe, made without network.
rootfs: build
	@sh scripts/mkrootfs.sh $(BUILD)/rootfs $(BUILD)/tests/probe/glass-probe

check: deps all
	@bash tests/run.sh $(BUILD)

lab: deps all
	$(BUILD)/glass lab

trace-demo: deps all
	@sh scripts/trace-demo.sh $(BUILD)

bench: deps all
	@bash bench/run.sh $(BUILD)

install: all
	meson configure $(BUILD) --prefix=$(PREFIX) >/dev/null
	$(NINJA) -C $(BUILD)
	DESTDIR=$(DESTDIR) meson install -C $(BUILD) --no-rebuild --strip
	install -d $(DESTDIR)$(PREFIX)/share/glass
	cp -a $(BUILD)/rootfs $(DESTDIR)$(PREFIX)/share/glass/

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

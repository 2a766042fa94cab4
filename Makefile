# glass: a thin wrapper over meson + ninja.
#   make            build everything into build/ (programs at fixed paths)
#   make check      install the build and test packages, build, run every test
#   make lab        install the build packages only, build, start the lab
#                   (LISTEN=ADDR:PORT, ALLOW_REMOTE=1, LAB_ARGS="..." pass through)
#   make trace-demo a traced run of a container on the built-in image
#   make bench      side-by-side benchmarks (bench/)
#   make sanitize   the sanitizer lane alone (make check runs it too):
#                   an ASan+UBSan build in build-sanitize/, the unit tests
#                   and a fast subset of the integration tests under it
#   make fuzz       every fuzz target for FUZZ_SECONDS each (default 60)
#   make install    PREFIX=/usr/local DESTDIR=  (programs, man pages, completions)
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
NINJA   ?= ninja
# glass lab's options: `make lab LISTEN=0.0.0.0:7777 ALLOW_REMOTE=1`.
LISTEN       ?=
ALLOW_REMOTE ?=
LAB_ARGS     ?=
lab_flags = $(if $(LISTEN),--listen $(LISTEN)) $(if $(filter-out 0 no false,$(ALLOW_REMOTE)),--allow-remote) $(LAB_ARGS)

.PHONY: all deps build-deps build lab-build rootfs check lab trace-demo bench install clean format format-check place sanitize fuzz

all: build rootfs

deps:
	@sh scripts/install-deps.sh

build-deps:
	@sh scripts/install-deps.sh build

$(BUILD)/build.ninja:
	@command -v meson >/dev/null || { echo "glass: meson not found: apt-get install meson ninja-build (or run scripts/install-deps.sh)" >&2; exit 1; }
	meson setup $(BUILD) --prefix=$(PREFIX)

# glass-runtime re-executes itself from a sealed memfd copy on every
# create/run/exec (CVE-2019-5736): the copy at the fixed path carries no
# debug info (1.4 MB -> 0.4 MB), which it keeps in glass-runtime.debug.
PLACE ?= $(BUILD)
define place_programs
	@objcopy --only-keep-debug $(PLACE)/src/runtime/glass-runtime $(PLACE)/glass-runtime.debug
	@objcopy --strip-debug --add-gnu-debuglink=$(PLACE)/glass-runtime.debug \
		$(PLACE)/src/runtime/glass-runtime $(PLACE)/glass-runtime.tmp
	@rm -f $(PLACE)/glass-runtime && mv $(PLACE)/glass-runtime.tmp $(PLACE)/glass-runtime
	@ln -sf src/engine/glass $(PLACE)/glass
	@if [ -e $(PLACE)/src/shim/glass-shim ]; then ln -sf src/shim/glass-shim $(PLACE)/glass-shim; fi
	@if [ -e $(PLACE)/src/init/glass-init ]; then ln -sf src/init/glass-init $(PLACE)/glass-init; fi
endef

build: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)
	$(place_programs)
	@# man pages and completions from the programs' --help (docs/manual.md)
	@/usr/bin/python3 scripts/mkmanual.py $(BUILD)

# Only what the lab runs (the engine, the runtime, the probe of the built-in
# image): the first command on a new machine builds no tests and no manual.
lab-build: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD) src/engine/glass src/runtime/glass-runtime tests/probe/glass-probe
	$(place_programs)
	@sh scripts/mkrootfs.sh $(BUILD)/rootfs $(BUILD)/tests/probe/glass-probe

# The built-in image: a busybox root filesystem from Debian's busybox-static,
# plus the test probe, made without network.
rootfs: build
	@sh scripts/mkrootfs.sh $(BUILD)/rootfs $(BUILD)/tests/probe/glass-probe

check: deps all
	@bash tests/run.sh $(BUILD)
	@$(MAKE) --no-print-directory sanitize
	@bash tests/fuzz/run.sh runs $(FUZZ_RUNS)
	@bash tests/static.sh $(BUILD)

# The sanitizer lane: a second tree built with AddressSanitizer and
# UndefinedBehaviorSanitizer (the static programs excluded: see nosan in
# meson.build), its unit tests and a fast subset of the integration tests
# (tests/sanitize.sh); any sanitizer report fails it.
SAN_BUILD ?= build-sanitize
# make check: each fuzz target this many iterations; make fuzz: seconds.
FUZZ_RUNS    ?= 3000
FUZZ_SECONDS ?= 60

fuzz:
	@bash tests/fuzz/run.sh seconds $(FUZZ_SECONDS)

$(SAN_BUILD)/build.ninja:
	meson setup $(SAN_BUILD) -Db_sanitize=address,undefined

place:
	$(place_programs)

sanitize: $(SAN_BUILD)/build.ninja
	@$(NINJA) -C $(SAN_BUILD) >/dev/null
	@$(MAKE) --no-print-directory PLACE=$(SAN_BUILD) place
	@sh scripts/mkrootfs.sh $(SAN_BUILD)/rootfs $(SAN_BUILD)/tests/probe/glass-probe
	@bash tests/sanitize.sh $(SAN_BUILD)

lab: build-deps lab-build
	$(BUILD)/glass lab $(lab_flags)

# The build's output is shown only when it fails: the demo's first line is
# the trace.
trace-demo: build-deps
	@out=$$($(MAKE) --no-print-directory all 2>&1) || { printf '%s\n' "$$out" >&2; exit 1; }
	@bash scripts/trace-demo.sh $(BUILD)

bench: deps all
	@bash bench/run.sh $(BUILD)

install: all
	meson configure $(BUILD) --prefix=$(PREFIX) >/dev/null
	$(NINJA) -C $(BUILD)
	DESTDIR=$(DESTDIR) meson install -C $(BUILD) --no-rebuild --strip
	install -d $(DESTDIR)$(PREFIX)/share/glass $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions
	cp -a $(BUILD)/rootfs $(DESTDIR)$(PREFIX)/share/glass/
	install -m 644 $(BUILD)/man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(BUILD)/completions/bash/* $(DESTDIR)$(PREFIX)/share/bash-completion/completions/
	install -m 644 $(BUILD)/completions/zsh/_* $(DESTDIR)$(PREFIX)/share/zsh/site-functions/

# The same files t-source checks (found without git, as in a copy of the tree).
c_sources = $$(find src tests -path tests/web/node_modules -prune -o \( -name '*.c' -o -name '*.h' \) -print)

format:
	clang-format -i $(c_sources)

format-check:
	clang-format --dry-run --Werror $(c_sources)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)

# communekit — see README.md. `make run` and `make test` do all the setup on a
# fresh Debian/Ubuntu machine with Go.

GO        ?= go
BIN       := bin
APT_DEPS  := xorg-dev libgl1-mesa-dev xvfb poppler-utils
# Packages that open no window build without cgo; only the desktop app needs it.
NOCGO_PKGS = $$($(GO) list ./... | grep -v '/cmd/communekit$$')
DEMO_DIR  ?= $(HOME)/.cache/communekit-demo

.PHONY: run test lint deps build kitctl districtd communekit vet fmt-check bench fuzz clean demo demo-faults slowloris dashboard-test dashboard-deps windows-smoke wine-deps test-windows wine-app dist dist-deps test-packages bench-deps

# LANGUAGE: Fyne reads the locale as it starts and logs an error for
# Debian's default C.UTF-8; the app speaks Vietnamese by its own
# translations either way.
run: deps communekit
	LANGUAGE=$${LANGUAGE:-vi} $(BIN)/communekit --demo

# deps installs the Debian packages the desktop build, the window smoke test
# and the PDF tests (pdftoppm, pdftotext: poppler-utils) need, only when one
# is missing.
deps:
	@missing=""; for p in $(APT_DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: kitctl districtd communekit

kitctl:
	CGO_ENABLED=0 $(GO) build -o $(BIN)/kitctl ./cmd/kitctl

districtd:
	CGO_ENABLED=0 $(GO) build -o $(BIN)/districtd ./cmd/districtd

communekit: deps
	$(GO) build -o $(BIN)/communekit ./cmd/communekit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

# lint runs staticcheck's checks and unused through golangci-lint, pinned
# here and run from the module cache (the first run downloads and builds it,
# a few minutes; later runs take about one). .golangci.yml says which checks
# are off and why.
GOLANGCI_LINT := github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
lint: deps
	$(GO) run $(GOLANGCI_LINT) run ./...

vet:
	CGO_ENABLED=0 $(GO) vet $(NOCGO_PKGS)
	$(GO) vet ./cmd/communekit

# test: gofmt, vet, lint (staticcheck's checks), a cgo-free build of every package but the window, then
# every test with the race detector (which needs cgo), the window smoke test
# under Xvfb. Fuzz targets run their seed corpus here; long fuzzing is `make fuzz`.
test: deps fmt-check vet lint
	CGO_ENABLED=0 $(GO) build $(NOCGO_PKGS)
	@if command -v chromium >/dev/null 2>&1 && command -v certutil >/dev/null 2>&1; then \
		echo "Chromium is installed: the dashboard's browser test runs (TestDashboard_Browser)"; \
	else \
		echo "Chromium or certutil is not installed: the dashboard's browser test is SKIPPED (make dashboard-test installs them and runs it)"; \
	fi
	xvfb-run -a -s "-screen 0 1280x800x24" $(GO) test -race -timeout 20m ./...

# dashboard-test runs the district dashboard in headless Chromium (Debian's
# chromium; certutil from libnss3-tools makes it trust the district's
# browser CA), installing both when missing, and leaves its screenshots in
# bin/ to look at: bin/dashboard-light-vi.png, bin/dashboard-dark-en.png.
DASHBOARD_APT := chromium libnss3-tools
dashboard-deps:
	@missing=""; for p in $(DASHBOARD_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

dashboard-test: dashboard-deps
	mkdir -p $(BIN)
	DASHBOARD_SCREENSHOTS=$(abspath $(BIN)) $(GO) test -count=1 -run '^TestDashboard' -v ./sync/node/

# windows-smoke cross-builds kitctl for Windows (no cgo) and runs a
# commune's day under Debian's wine: a profile made, a register imported,
# a search, the statistics as .xlsx, a household sheet as PDF. wine 8 lacks
# the ProcessPrng every Windows 10/11 has, which Go needs to start: a
# ten-line DLL built with mingw-w64 (cmd/kitctl/testdata/wine) stands in.
WINE_APT   := wine gcc-mingw-w64-x86-64
WINE_DIR   ?= $(CURDIR)/bin/wine
windows-smoke:
	@missing=""; for p in $(WINE_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; fi
	rm -rf $(WINE_DIR) && mkdir -p $(WINE_DIR)
	x86_64-w64-mingw32-gcc -shared -o $(WINE_DIR)/bcryptprimitives.dll cmd/kitctl/testdata/wine/bcryptprimitives.c
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o $(WINE_DIR)/kitctl.exe ./cmd/kitctl
	export WINEPREFIX=$(WINE_DIR)/prefix WINEDEBUG=-all COMMUNEKIT_PASSPHRASE='mật khẩu của xã' COMMUNEKIT_WORK_FACTOR=10; \
	wineboot -i >/dev/null 2>&1; cp $(WINE_DIR)/bcryptprimitives.dll $$WINEPREFIX/drive_c/windows/system32/ && \
	cd $(WINE_DIR) && set -e && \
	wine kitctl.exe --profile p init --commune 00769 --officer "Nguyen Thi Lan" && \
	wine kitctl.exe --profile p generate --persons 500 --seed 3 > c.csv && \
	wine kitctl.exe --profile p import persons c.csv && \
	wine kitctl.exe --profile p search giang | head -3 && \
	wine kitctl.exe --profile p report stats --xlsx s.xlsx && \
	wine kitctl.exe --profile p print household 0769-000038 --pdf h.pdf && \
	head -c 5 h.pdf | grep -q '%PDF' && echo "windows-smoke: kitctl.exe works under wine"

# test-windows cross-builds the tests of the packages that open no window
# (WINTEST_PKGS) for Windows and runs them under Debian's wine, in a prefix
# under WINTEST_DIR that winetest/prefix.sh prepares (the ProcessPrng DLL,
# a fresh folder as the USB stick's drive E:, a Go overlay for wine's
# delete). Tests that cannot run on Windows or under wine skip, saying
# why: the run ends with the list (winetest/testreport); the whole output
# is in WINTEST_DIR/test.json. wine-app runs the desktop app, cross-built with cgo, under wine and
# Xvfb to its unlock screen, unlocks the demo profile, and prints the
# times against the Linux build's: screenshots in WINTEST_DIR/app/.
WINTEST_APT  := wine wine64 gcc-mingw-w64-x86-64 imagemagick
WINTEST_DIR  ?= $(CURDIR)/bin/wintest
WINTEST_PKGS := ./storage/... ./crypto/... ./sync/... ./assets/...
wine-deps:
	@missing=""; for p in $(WINTEST_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

test-windows: wine-deps
	GO=$(GO) winetest/prefix.sh $(WINTEST_DIR)
	WINEPREFIX=$(WINTEST_DIR)/prefix WINEDEBUG=-all COMMUNEKIT_TEST_STICK='E:\' \
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) test -json -count=1 -timeout 30m \
		-overlay $(WINTEST_DIR)/overlay.json -exec $(CURDIR)/winetest/exec.sh $(WINTEST_PKGS) 2>&1 \
	| tee $(WINTEST_DIR)/test.json | $(GO) run ./winetest/testreport

wine-app: deps wine-deps communekit
	GO=$(GO) winetest/prefix.sh $(WINTEST_DIR)
	GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc $(GO) build -o $(WINTEST_DIR)/communekit.exe ./cmd/communekit
	xvfb-run -a -s "-screen 0 1366x768x24" winetest/wine-app.sh $(WINTEST_DIR) $(CURDIR)/$(BIN)/communekit

# slowloris holds 500 slow connections to a real districtd while a device
# pushes, and checks the node's RSS against 200 MB: make test runs it too,
# under the race detector, whose shadow memory makes the bound 5 times
# larger there; this is the test against the real bound (about 40 s).
slowloris:
	CGO_ENABLED=0 $(GO) test -count=1 -run '^TestSlowloris$$' -v ./cmd/districtd/

# bench measures every figure of the README's "Figures" and prints one table (figure,
# target, measured, met) headed by the machine's cores and memory, then runs
# the Go benchmarks named after the figures. The desktop app's figures need a
# window: without a display, kitctl runs under Xvfb. Figures are measured,
# never asserted: nothing here fails on a number, only on a benchmark that
# could not run.
# bench-deps installs Debian's etcd (server and client), the peer the
# district's ingest is measured against in the same run, when missing.
BENCH_APT := etcd-server etcd-client
bench-deps:
	@missing=""; for p in $(BENCH_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

bench: bench-deps kitctl districtd communekit
	@if [ -n "$$DISPLAY" ]; then $(BIN)/kitctl bench all; \
	else xvfb-run -a -s "-screen 0 1366x768x24" $(BIN)/kitctl bench all; fi
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench . -benchtime 1x ./storage/ ./sync/batch/
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench . -benchtime 10x ./sync/node/

# demo runs a district day with real processes (three districtd nodes, two
# communes of 10,000 generated persons, four officers' laptops on 2G links and
# a supervisor) and prints its table and verdict; demo-faults adds the long
# fault suite (node kills, partition, disk full on a tmpfs node when root,
# clock skew, a device killed mid-write, a damaged batch file). The short form
# of both runs in make test (TestDemo_FaultSuite).
demo: kitctl districtd
	$(BIN)/kitctl demo

demo-faults: kitctl districtd
	$(BIN)/kitctl demo --faults

# fuzz runs every fuzz target for FUZZTIME each (make test runs only their seeds).
# Minimising each new input at most FUZZMINIMIZE times keeps the slow targets
# (the state machine's, ~50 ms an input) fuzzing rather than shrinking.
FUZZTIME ?= 60s
FUZZMINIMIZE ?= 20x
FUZZ_TARGETS = \
	./storage/:FuzzImportCSV ./storage/:FuzzRecordLimiter ./storage/:FuzzParseDate ./storage/:FuzzParseCCCDQR \
	./storage/:FuzzCanonicalize ./storage/:FuzzCanonicalByWords ./storage/:FuzzDecodeOp ./storage/:FuzzDecodePerson \
	./storage/office/:FuzzReadSheet ./storage/fold/:FuzzFold ./sync/batch/:FuzzOpen ./sync/batch/:FuzzDecodeOps \
	./sync/node/:FuzzDecodeBatches ./sync/node/:FuzzFSMApplyInvalidOps \
	./sync/protocol/:FuzzReadDistrictFile ./sync/protocol/:FuzzReadBackup \
	./crypto/cert/:FuzzParseRequest ./crypto/cert/:FuzzParseCertificate \
	./crypto/cert/:FuzzParseRevocationList ./crypto/identity/:FuzzDistrictPublicUnmarshalText \
	./crypto/cert/:FuzzParseNodeCertificate ./crypto/cert/:FuzzParseBatchKeyAnnouncement \
	./crypto/cert/:FuzzParseBatchKeyRollout ./crypto/cert/:FuzzParseNodeCredential
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "== $$pkg $$name"; \
		CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $$pkg || exit 1; \
	done

clean:
	rm -rf $(BIN)

# dist builds everything a district hands out into dist/, with SHA256SUMS:
# communekit-VERSION-windows-amd64.zip (the app, cross-built with cgo
# through mingw-w64, with its icon, version information and Vietnamese
# name, and kitctl.exe) and its installer (-setup.exe, by NSIS),
# communekit_VERSION_amd64.deb (the app for Debian/Ubuntu laptops) and
# districtd_VERSION_amd64.deb (a district node as a systemd service, with
# kitctl). VERSION: 0.1.0 from the tag v0.1.0, 0.1.0-3-g1a2b3c4 after it,
# 0.0.0-<date>-<commit> without a tag; -dirty with uncommitted changes. The
# scripts are in cmd/communekit/packaging and cmd/districtd/packaging.
DIST     := dist
VERSION  := $(shell v=$$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null) && echo "$$v" | sed 's/^v//' || \
	echo "0.0.0-$$(git log -1 --format=%cd --date=format:%Y%m%d 2>/dev/null || date +%Y%m%d)-$$(git rev-parse --short=7 HEAD 2>/dev/null || echo unknown)$$(git diff --quiet HEAD 2>/dev/null || echo -dirty)")
DIST_APT := gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 nsis zip dpkg-dev
dist-deps:
	@missing=""; for p in $(DIST_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

dist: deps dist-deps
	@echo "make dist: version $(VERSION)"
	rm -rf $(DIST) && mkdir -p $(DIST)
	GO=$(GO) sh cmd/districtd/packaging/deb.sh $(VERSION) $(DIST)
	GO=$(GO) sh cmd/communekit/packaging/deb.sh $(VERSION) $(DIST)
	GO=$(GO) sh cmd/communekit/packaging/windows.sh $(VERSION) $(DIST)
	cd $(DIST) && sha256sum * >SHA256SUMS
	@ls -l $(DIST)

# test-packages installs the .debs of make dist on this machine (dpkg -i:
# root only, else it says so and skips), checks the unit (systemd-analyze
# verify), starts districtd as the service would and stops it with SIGTERM
# (under systemd where systemd is PID 1; else as the service's user, with
# the unit's command line, and then all again under systemd in a container
# of this machine's own system, booted by systemd-nspawn over a throw-away
# overlay: cmd/districtd/packaging/nspawn.sh), purges and checks that /var/lib/communekit is
# untouched, and looks inside the Windows zip (kitctl.exe --version under
# wine when wine is there). Not part of make test.
TESTPKG_APT := desktop-file-utils curl unzip systemd-container
test-packages: dist
	@missing=""; for p in $(TESTPKG_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" -eq 0 ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	VERSION=$(VERSION) sh cmd/districtd/packaging/test-packages.sh $(DIST)
	@if [ "$$(id -u)" -eq 0 ] && [ "$$(ps -p 1 -o comm=)" != systemd ]; then \
		if command -v systemd-nspawn >/dev/null; then VERSION=$(VERSION) sh cmd/districtd/packaging/nspawn.sh $(DIST); \
		else echo "test-packages: systemd is not PID 1 and systemd-nspawn is missing: districtd was not started under systemd"; fi; \
	fi

# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
REDOCLY := npx --yes @redocly/cli@2.77.0

.PHONY: run build test lint vet bench fuzz clean

## run: build surveyd and serve the API on :8080 from ./surveys.db, loading the demo into an empty database
run: build
	SURVEY_DEMO=true ./bin/surveyd serve

## build: build the binary into bin/surveyd (pure Go, no cgo)
build:
	CGO_ENABLED=0 $(GO) build -o bin/surveyd ./cmd/surveyd

## test: lint the spec, check formatting and vet, then run every test on SQLite and PostgreSQL
test: lint vet
	@mkdir -p bin
	@status=0; $(GO) test -count=1 -v ./... > bin/test.log 2>&1 || status=$$?; \
	grep -E '^(ok|FAIL|panic:)|^\s*--- FAIL' bin/test.log || true; \
	if [ $$status -ne 0 ]; then \
		echo "--- output of the failing tests:"; grep -vE '^\s*(=== (RUN|PAUSE|CONT|NAME)|--- PASS)' bin/test.log | tail -200; \
	fi; \
	sqlite=$$(grep -cE -- '--- PASS: .*/sqlite ' bin/test.log || true); \
	postgres=$$(grep -cE -- '--- PASS: .*/postgres ' bin/test.log || true); \
	passed=$$(grep -cE -- '^\s*--- PASS' bin/test.log || true); \
	failed=$$(grep -cE -- '^\s*--- FAIL' bin/test.log || true); \
	echo "databases: $$sqlite scenarios passed on SQLite, $$postgres on PostgreSQL"; \
	echo "tests: $$passed passed, $$failed failed"; \
	if [ $$status -eq 0 ] && [ $$postgres -eq 0 ]; then echo "no test ran on PostgreSQL"; exit 1; fi; \
	exit $$status

## lint: the OpenAPI contract against Redocly's recommended rules
lint:
	$(REDOCLY) lint openapi.yaml

## vet: formatting and go vet
vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

## bench: measure results latency, save throughput and memory on a throwaway PostgreSQL; writes docs/benchmarks.md
## (BENCH_SIZES=1000,10000,100000 make bench adds the large size)
bench:
	$(GO) run ./internal/bench

## fuzz: run every fuzz target of every package for FUZZTIME each (default 20s); a crash is saved
## under the package's testdata/fuzz, where `make test` replays it from then on
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "--- $$pkg $$target for $(FUZZTIME)"; \
			$(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf bin

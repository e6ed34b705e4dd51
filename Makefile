# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
# The contract's Node tooling is pinned in api/contract/package-lock.json and installed
# with `npm ci`; it runs on Debian 12's Node.js 18 (decision 0011).
CONTRACT := api/contract
CONTRACT_NODE := $(CONTRACT)/node_modules/.installed
REDOCLY := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(CONTRACT)/node_modules/.bin/redocly

# The commit of the tree, for surveyd --version ("-dirty" when it has changes).
COMMIT := $(shell git describe --always --dirty --abbrev=40 2>/dev/null)

.PHONY: run build test lint vet contract bench fuzz clean

## run: build surveyd and serve the API on :8080 from ./surveys.db, loading the demo into an empty database
run: build
	SURVEY_DEMO=true ./bin/surveyd serve

## build: build the binary into bin/surveyd (pure Go, no cgo)
build:
	CGO_ENABLED=0 $(GO) build -buildvcs=auto -ldflags "-X main.commit=$(COMMIT)" -o bin/surveyd ./cmd/surveyd

## test: lint the spec, check formatting and vet, type-check the typed client, then run every test on SQLite and PostgreSQL
test: lint vet contract
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
lint: $(CONTRACT_NODE)
	@$(REDOCLY) lint --config $(CONTRACT)/redocly.yaml openapi.yaml

# npm ci again only when the lock file changes.
$(CONTRACT_NODE): $(CONTRACT)/package.json $(CONTRACT)/package-lock.json
	cd $(CONTRACT) && npm ci --loglevel=error
	@touch $@

## contract: generate TypeScript types from openapi.yaml and type-check the typed client (api/contract) against them
contract: $(CONTRACT_NODE)
	@cd $(CONTRACT) && npm run --silent generate && npx --no-install tsc --noEmit -p . && echo "contract: the typed client type-checks against openapi.yaml"

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
	rm -rf bin $(CONTRACT)/node_modules

# ECKWMS — make help lists the targets.
SHELL := /bin/bash
CARGO ?= cargo
# A PostgreSQL server on which the tests create (and drop) their own databases.
PG_ADMIN_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: help run build release test contract lint fmt fmt-check clippy deps-check ci bench bench-global bench-logins bench-repair bench-ui bench-webhooks bench-relay bench-crates fuzz clean

# Exports ECKWMS_TEST_PG_URL when it is unset and a local PostgreSQL answers; says whether the
# PostgreSQL tests run.
PG_ENV = if [ -z "$$ECKWMS_TEST_PG_URL" ] && psql "$(PG_ADMIN_URL)" -qtAc 'select 1' >/dev/null 2>&1; then \
		export ECKWMS_TEST_PG_URL="$(PG_ADMIN_URL)"; fi; \
	if [ -n "$$ECKWMS_TEST_PG_URL" ]; then echo "PostgreSQL tests: on ($$ECKWMS_TEST_PG_URL)"; \
	else echo "PostgreSQL tests: SKIPPED (no server at $(PG_ADMIN_URL); set ECKWMS_TEST_PG_URL)"; fi
# The contract run: schemathesis against both services (tests/contract/run.py, docs/TESTING.md).
CONTRACT = CARGO="$(CARGO)" python3 tests/contract/run.py

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

run: ## build and start the instance service on its embedded SQLite (data/eckwms.db)
	$(CARGO) run --release --bin eckwms -- serve

build: ## debug build of everything
	$(CARGO) build --workspace --all-targets

release: ## optimised build of the binaries
	$(CARGO) build --release --workspace --bins

test: ## the whole test suite, then the contract run; includes PostgreSQL when a local server answers
	@$(PG_ENV); status=0; \
	$(CARGO) test --workspace --all-targets --no-fail-fast || status=1; \
	$(CONTRACT) || status=1; \
	exit $$status

contract: ## schemathesis against both services' OpenAPI documents, both backends (about 5 minutes)
	@$(PG_ENV); $(CONTRACT)

fmt: ## format the code
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

deps-check: ## the inner crates must not depend on diesel or actix-web
	@for crate in eckwms-problems eckwms-domain eckwms-application eckwms-global-domain eckwms-global-application eckwms-settings-kit eckwms-device-protocol eckwms-i18n eckwms-address-policy; do \
		for dep in diesel actix-web; do \
			if $(CARGO) tree -p $$crate -e normal -i $$dep >/dev/null 2>&1; then \
				echo "dependency rule broken: $$crate depends on $$dep"; exit 1; fi; \
		done; \
	done; echo "dependency rule holds: the problem catalogue, the domain and application crates (and the settings kit, the device protocol, the translations and the address policy) use neither diesel nor actix-web"

lint: fmt-check clippy deps-check ## formatting, clippy -D warnings, dependency rule

ci: ## exactly what CI runs (.ci/run)
	bash .ci/run

bench: ## load benchmarks against a release build (instance and global service), then the criterion benches; writes docs/BENCHMARKS.md (about 12 minutes)
	$(CARGO) build --release -p eckwms --bin eckwms --bin eckwms-global
	$(CARGO) run --release -p eckwms-bench -- --out docs/BENCHMARKS.md
	$(MAKE) bench-crates

bench-global: ## the global service's benchmarks alone (discovery, proxy against direct; about 2 minutes); report in /tmp/BENCH_global.md
	$(CARGO) build --release -p eckwms --bin eckwms --bin eckwms-global
	$(CARGO) run --release -p eckwms-bench -- --global-only --out /tmp/BENCH_global.md

bench-logins: ## the logins section alone (logins/s, health and moves during a flood of logins; about 3 minutes); report in /tmp/BENCH_logins.md
	$(CARGO) build --release -p eckwms --bin eckwms
	$(CARGO) run --release -p eckwms-bench -- --logins-only --out /tmp/BENCH_logins.md

bench-repair: ## the repair section alone (reconciliation of 500 devices, the service report CSV of 100k rows and its memory; a few minutes); report in /tmp/BENCH_repair.md
	$(CARGO) build --release -p eckwms --bin eckwms
	$(CARGO) run --release -p eckwms-bench -- --repair-only --out /tmp/BENCH_repair.md

bench-ui: ## the web UI section alone (the dashboard and a box's page at 1M ledger rows: p99, HTML size; a few minutes, most of it seeding); report in /tmp/BENCH_ui.md
	$(CARGO) build --release -p eckwms --bin eckwms
	$(CARGO) run --release -p eckwms-bench -- --ui-only --out /tmp/BENCH_ui.md

bench-webhooks: ## the webhooks section alone (a backlog of 100,000 ledger rows delivered to a loopback receiver, then the lag at 1,000 moves/s; about a minute plus seeding); report in /tmp/BENCH_webhooks.md
	$(CARGO) build --release -p eckwms --bin eckwms
	$(CARGO) run --release -p eckwms-bench -- --webhooks-only --out /tmp/BENCH_webhooks.md

bench-relay: ## the relay section alone (20,000 scans buffered at the global service's relay, applied by an instance; about a minute plus seeding); report in /tmp/BENCH_relay.md
	$(CARGO) build --release -p eckwms --bin eckwms --bin eckwms-global
	$(CARGO) run --release -p eckwms-bench -- --relay-only --out /tmp/BENCH_relay.md

bench-crates: ## criterion benches of the pure crates: label code decoding, label sheets
	$(CARGO) bench -p eckwms-codes --bench decode -- --warm-up-time 1 --measurement-time 3
	$(CARGO) bench -p eckwms-labels --bench sheet -- --warm-up-time 1 --measurement-time 3

fuzz: ## fuzz the scanned-code decoder for 60 s (installs cargo-fuzz when missing)
	bash crates/instance/codes/fuzz/run.sh 60

clean:
	$(CARGO) clean

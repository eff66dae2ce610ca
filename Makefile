# SafetyNet: `make demo` runs the product with a demo city; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PERSONS ?= 20000
DEMO_SEED ?= 2016
DEMO_DIR ?= var/demo-city-$(DEMO_PERSONS)-$(DEMO_SEED)
HOST ?= 127.0.0.1
PORT ?= 8000
DEV := DJANGO_SETTINGS_MODULE=safetynet.settings.dev

.PHONY: install system-packages demo demo-data serve test test-sqlite test-postgres lint format \
        bench bench-registry bench-province bench-rules bench-verify bench-load bench-cases bench-spark \
        bench-payroll bench-payroll-flow bench-banks bench-ledger bench-home bench-medical bench-whatif bench-plan serve-prod clean messages \
        bench-eldercare

$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then PY=$$(scripts/find-python.sh) && $$PY -m venv $(VENV); fi
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

system-packages:
	@scripts/ensure-system-packages.sh

## demo: set up everything on the embedded default (SQLite) and serve the UI with a demo city.
demo: install system-packages demo-data serve

demo-data: install
	$(DEV) $(BIN)/safetynet migrate --noinput
	$(DEV) $(BIN)/safetynet load_divisions
	@[ -f $(DEMO_DIR)/persons.parquet ] || $(DEV) $(BIN)/safetynet generate --persons $(DEMO_PERSONS) --seed $(DEMO_SEED) --out $(DEMO_DIR)
	$(DEV) $(BIN)/safetynet load $(DEMO_DIR)
	$(DEV) $(BIN)/safetynet demo_users
	$(DEV) $(BIN)/safetynet eldercare demo
	$(DEV) $(BIN)/safetynet plan demo

serve: install
	BIN=$(BIN) scripts/serve-demo.sh $(DEMO_DIR) $(HOST) $(PORT)

## serve-prod: the production server (gunicorn + WhiteNoise + worker) behind the proxy of docs/deploy.md.
serve-prod: install
	BIN=$(BIN) scripts/serve-prod.sh

## test: lint, then the whole suite on SQLite and on PostgreSQL.
test: install system-packages lint test-sqlite test-postgres

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: install
	@echo "=== test suite on SQLite ==="
	env -u DATABASE_URL $(BIN)/pytest -p no:cacheprovider

test-postgres: install
	@URL=$$(scripts/ensure-postgres.sh) || { echo "=== FAILED: PostgreSQL unavailable under CI ==="; exit 1; }; \
	if [ -z "$$URL" ]; then echo "=== WARNING: PostgreSQL unavailable: suite NOT run on PostgreSQL ==="; exit 0; fi; \
	echo "=== test suite on PostgreSQL ($$URL) ==="; \
	DATABASE_URL=$$URL $(BIN)/pytest -p no:cacheprovider --create-db -m "not spark"

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	cd safetynet && ../$(BIN)/django-admin compilemessages --ignore=.venv

bench: bench-registry bench-rules bench-verify

bench-registry: install
	$(BIN)/python -m benchmarks.bench_registry

## bench-province: only the province part of bench-registry (50M persons generated, then the rules
## and the re-verification over them on DuckDB; generator peak memory at 1M, 5M, 10M, 50M).
bench-province: install
	$(BIN)/python -m benchmarks.bench_registry --province-only

bench-rules: install
	$(BIN)/python -m benchmarks.bench_rules

bench-verify: install
	$(BIN)/python -m benchmarks.bench_verify_request
	$(BIN)/python -m benchmarks.bench_verify_batch

## bench-spark: every batch job over 5M persons on a Spark standalone cluster on this machine
## (two workers, one core and 2 GB each) beside DuckDB (docs/spark.md); BENCH_SPARK_ARGS to change.
bench-spark: install
	$(BIN)/python -m benchmarks.bench_spark $(BENCH_SPARK_ARGS)

## bench-whatif: the what-if of the dibao standard +50 yuan on a generated 5M-person city, end to end
## on DuckDB (target < 30 s), then on Spark with the aggregates compared (ADR 1410); figures printed.
bench-whatif: install
	$(BIN)/python -m benchmarks.bench_whatif $(BENCH_WHATIF_ARGS)

## bench-load: 50 caseworkers for 5 minutes against the production server on PostgreSQL (loopback).
LOAD_RUN_TIME ?= 5m
LOAD_USERS ?= 50
LOAD_PERSONS ?= 100000
bench-load: install
	$(BIN)/python -m benchmarks.bench_load --run-time $(LOAD_RUN_TIME) --users $(LOAD_USERS) --persons $(LOAD_PERSONS)

## bench-medical: 100 concurrent hospital cashiers for 2 minutes against the production server,
## then the highest concurrency holding p95 < 100 ms (MEDICAL_SWEEP)
## (one-stop settlement API, PostgreSQL, loopback); target p95 < 100 ms, 0 errors.
MEDICAL_CONCURRENCY ?= 100
MEDICAL_DURATION ?= 120
MEDICAL_SWEEP ?= 64,32,16,8,4,2,1
bench-medical: install
	$(BIN)/python -m benchmarks.bench_medical --concurrency $(MEDICAL_CONCURRENCY) --duration $(MEDICAL_DURATION) --sweep $(MEDICAL_SWEEP)

## bench-eldercare: 1,000 one-key emergency signals in a minute from distinct alarm devices against
## the production server (PostgreSQL, loopback), then the same as a burst; every signal must open
## exactly one emergency (counted in the database), figures (throughput, p95) printed.
## Before it, the 12349 operator's person lookup (phone, relative's phone, ID number, name)
## p50/p95 on a generated city of 1,000,000 persons in PostgreSQL; ELDERCARE_BENCH_ARGS.
ELDERCARE_SIGNALS ?= 1000
bench-eldercare: install
	$(BIN)/python -m benchmarks.bench_eldercare $(ELDERCARE_BENCH_ARGS)
	$(BIN)/python -m benchmarks.bench_eldercare_emergency --signals $(ELDERCARE_SIGNALS)

# Casework (issue 8): the workbench with 100,000 open cases on PostgreSQL, then the monthly
# proactive lists and review schedule.
bench-cases: install
	$(BIN)/python -m benchmarks.bench_cases_workbench
	$(BIN)/python -m benchmarks.bench_cases_batch

# Funds (issue 9): a year of a 5M-person city's payrolls booked, exported to Beancount and
# checked by Beancount (PostgreSQL; figures printed).
bench-ledger: install
	$(BIN)/python -m benchmarks.bench_ledger

# Payroll (issue 9): a generated city loaded into PostgreSQL (sn_payroll_bench), its payroll
# computed and written; PAYROLL_PERSONS=1000000 for a smaller city.
PAYROLL_PERSONS ?= 5000000
# bench-payroll-flow: check, approval reads and recoveries on a synthetic payroll of N lines.
PAYROLL_FLOW_LINES ?= 1000000
bench-payroll: install
	$(BIN)/python -m benchmarks.bench_payroll --persons $(PAYROLL_PERSONS)

bench-payroll-flow: install
	$(BIN)/python -m benchmarks.bench_payroll_flow --lines $(PAYROLL_FLOW_LINES)

## bench-banks: bank files of a 5M-person city's payroll (350k lines) on PostgreSQL, results back
bench-banks: install
	$(BIN)/python -m benchmarks.bench_banks

## bench-home: the home page's selectors (fresh) and the page (warm) per demo role on generated
## cities of 20,000 and 1,000,000 persons in PostgreSQL (ADR 1000); HOME_BENCH_ARGS to change.
bench-home: install
	$(BIN)/python -m benchmarks.bench_home $(HOME_BENCH_ARGS)

## bench-plan: the plan's targets, dashboard, a month's snapshot and the progress report PDF on a
## generated city of 20,000 persons in PostgreSQL with the plan's demo data; PLAN_BENCH_ARGS to change.
bench-plan: install
	$(BIN)/python -m benchmarks.bench_plan $(PLAN_BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .ruff_cache

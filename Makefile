# Corral — every target sets up a fresh machine through the idempotent `setup` prerequisite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

APT_PACKAGES := mosquitto runc crun skopeo umoci containernetworking-plugins docker-registry \
                iproute2 iptables busybox-static ca-certificates openssl
# Commands that prove the packages above are present (checked before touching apt).
APT_PROBES := mosquitto runc crun skopeo umoci ip iptables busybox docker-registry perl openssl
NODE_TEST := node --import tsx --test --test-reporter=spec
UNIT_TESTS = $(shell find test/unit -name '*.test.ts' | sort)
INTEGRATION_TESTS = $(shell find test/integration -name '*.test.ts' | sort)
E2E_TESTS = $(shell find test/e2e -name '*.test.ts' | sort)

.PHONY: help setup apt-packages up test test-unit test-integration test-e2e typecheck build bench clean

help:
	@echo "make up     set up, then run a hub (embedded broker) and a local agent"
	@echo "make test   set up, then run the whole test suite"
	@echo "make bench  set up, then run the benchmarks"

setup: apt-packages node_modules/.installed build

apt-packages:
	@missing=""; for c in $(APT_PROBES); do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; \
	done; [ -e /usr/lib/cni/bridge ] || missing="$$missing cni-plugins"; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing system packages (missing:$$missing)"; \
	  if [ "$$(id -u)" != 0 ]; then echo "setup: run as root (or install: $(APT_PACKAGES))" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	fi

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: node_modules/.installed
	npx tsc -p tsconfig.build.json
	@chmod +x dist/hub/src/main.js dist/agent/src/main.js dist/cli/src/main.js 2>/dev/null || true

typecheck: node_modules/.installed
	npx tsc -p tsconfig.json

up: setup
	node dist/scripts/up.js

test: setup typecheck
	$(NODE_TEST) $(UNIT_TESTS) $(INTEGRATION_TESTS) $(E2E_TESTS)

test-unit: node_modules/.installed
	$(NODE_TEST) $(UNIT_TESTS)

test-integration: setup
	$(NODE_TEST) $(INTEGRATION_TESTS)

# Hub, broker and agents on simulated hosts: network namespaces joined by a bridge (root).
test-e2e: setup
	$(NODE_TEST) $(E2E_TESTS)

# In sequence: start and footprint run real containers (root, runc) and must not overlap.
bench: setup
	npx tsx bench/protocol/protocol.bench.ts
	npx tsx bench/start/start.bench.ts
	npx tsx bench/footprint/footprint.bench.ts
	npx tsx bench/scheduler/scheduler.bench.ts
	npx tsx bench/recovery/recovery.bench.ts
	npx tsx bench/cron/cron.bench.ts

clean:
	rm -rf dist .data

# tierwatch — everyday commands. `make demo` and `make test` set up everything they need.
PY      := .venv/bin/python
PYTEST  := .venv/bin/pytest
PYTEST_ARGS ?=

.PHONY: demo test test-unit setup setup-all setup-bench bench chaos chaos-ha check-configs docs clean

setup:            ## project virtualenv only
	@bash scripts/setup.sh

setup-all:        ## virtualenv + Debian packages (snmpd, snmp, prometheus, alertmanager) + snmpsim env
	@bash scripts/setup.sh --with-debs

demo: setup      ## the demo hall: collector on 127.0.0.1:9847, simulated devices, agents, a live summary
	@.venv/bin/tierwatch-demo up

test: setup-all   ## the whole suite (what CI runs)
	@$(PYTEST) $(PYTEST_ARGS)

test-unit: setup
	@$(PYTEST) tests/unit $(PYTEST_ARGS)

check-configs: setup
	@.venv/bin/tierwatch-agent check-config config/agent.example.yaml
	@.venv/bin/tierwatch-collector check-config config/collector.example.yaml
	@for f in config/demo/agent-*.yaml; do .venv/bin/tierwatch-agent check-config $$f || exit 2; done
	@.venv/bin/tierwatch-collector check-config config/demo/collector.yaml $(foreach f,$(wildcard config/demo/agent-*.yaml),--agent-config $(f))

docs: setup       ## regenerate docs/devices.md (the supported-devices table) from config/profiles
	@$(PY) -m agent.profiles.doc --output docs/devices.md

setup-bench:      ## setup-all + the peers the benchmarks compare against (snmp_exporter, pushgateway, node_exporter)
	@bash scripts/setup.sh --with-debs --with-bench

bench: setup-bench  ## every benchmark; each figure is one line "BENCH <name> key=value ..."
	@for b in bench/[a-z]*.py; do n=$$(basename $$b .py); case "$$n" in chaos|chaos_ha|skewed_agent) continue;; esac; $(PY) -m bench.$$n || exit 1; done

bench-%: setup-bench
	@$(PY) -m bench.$*

chaos: setup-all  ## fault run; CHAOS_SECONDS sets its length (default 300)
	@$(PY) -m bench.chaos

chaos-ha: setup-all  ## HA pair fault run (collectors killed in turn, an agent cut off, a skewed clock)
	@$(PY) -m bench.chaos_ha

dashboards: setup  ## regenerate dashboards/en and dashboards/fr from dashboards/src (never edit the JSON)
	@$(PY) -m dashboards.generate

clean:
	rm -rf .demo .pytest_cache .hypothesis

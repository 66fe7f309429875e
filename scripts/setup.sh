#!/usr/bin/env bash
# Installs everything tierwatch's demo and test suite need on a fresh Debian machine:
# Debian packages (net-snmp, Prometheus tools), the project virtualenv, and a separate
# virtualenv for snmpsim (it needs pysmi, which must stay out of the project's env).
# --with-bench adds the peers the benchmarks measure tierwatch against (the bench set).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
want_debs=(snmpd snmp prometheus prometheus-alertmanager victoria-metrics docker-compose chromium poppler-utils fonts-dejavu-core)
bench_debs=(prometheus-snmp-exporter prometheus-pushgateway prometheus-node-exporter snmpd snmp snmptrapd)
for arg in "$@"; do [ "$arg" = "--with-bench" ] && want_debs+=("${bench_debs[@]}"); done
missing=()
for p in "${want_debs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${1:-}" = "--with-debs" ] && [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
stamp=.venv/.tierwatch-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e '.[test]'
  touch "$stamp"
fi
if [ "${1:-}" = "--with-debs" ] && [ ! -x .venv-snmpsim/bin/snmpsim-command-responder ]; then
  "$PY" -m venv .venv-snmpsim
  .venv-snmpsim/bin/pip install -q 'snmpsim==1.2.2' 'pysmi>=1.5' >/dev/null
fi

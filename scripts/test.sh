#!/usr/bin/env bash
# The whole test suite, from a clean clone on a fresh machine. Installs what it needs (MariaDB,
# promtool from Debian's prometheus package, Node.js and the official Nacos Node client for the
# sandbox conformance suite), starts one throwaway MariaDB for the run, builds with warnings as
# errors, runs every test project, stops MariaDB, and ends with one summary line.
#
#   scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Naming]
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '%s\n' "test.sh: $*" >&2; }

apt_updated=""
apt_install() {
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  if [ -z "$apt_updated" ]; then $sudo apt-get update -qq >&2; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}

command -v dotnet >/dev/null || { log "the .NET SDK (dotnet) is required: see global.json for the version"; exit 1; }
if ! command -v promtool >/dev/null; then log "installing promtool (Debian package prometheus)"; apt_install prometheus; fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then log "installing Node.js and npm"; apt_install nodejs npm; fi
if [ -f tests/conformance/package-lock.json ] && [ ! -d tests/conformance/node_modules ]; then
  log "installing the Node.js Nacos client for the conformance suite"
  (cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# The Helm chart: yamllint and values against values.schema.json (installs yamllint, python3-jsonschema).
scripts/check-chart.sh >&2

eval "$(scripts/mariadb.sh start)"
trap 'scripts/mariadb.sh stop "$MARIADB_DIR" || true' EXIT
log "MariaDB on 127.0.0.1:$MARIADB_PORT ($MARIADB_DIR)"

dotnet build NacosSync.sln -c Release -nologo -clp:ErrorsOnly

results=$(mktemp)
set +e
dotnet test NacosSync.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$results"
status=${PIPESTATUS[0]}
set -e

# One closing line for CI: sum the per-assembly "Passed!/Failed! - Failed: F, Passed: P, Skipped: S" lines.
awk '/(Passed|Failed)! +- +Failed: /{
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
       n++ }
     END { if (n == 0) { print "tests: 0 passed, 0 failed (no test ran)"; exit 1 } printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$results" || status=1
rm -f "$results"
exit "$status"

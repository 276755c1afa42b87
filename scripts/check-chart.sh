#!/usr/bin/env bash
# Checks the Helm chart without helm (not installed on the test machines): yamllint on its plain YAML,
# values.yaml against values.schema.json (JSON Schema draft 7, python3-jsonschema), the schema's own
# refusals (a values file that runs as root or drops no capability must fail), and what the templates
# must say for high availability. Installs yamllint and python3-jsonschema from Debian when missing.
# Ends with one line: "chart: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
chart=charts/nacos-sync

if ! command -v yamllint >/dev/null || ! /usr/bin/python3 -c 'import jsonschema, yaml' 2>/dev/null; then
  sudo=""; if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq yamllint python3-jsonschema python3-yaml >&2
fi

passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if "$@" >/tmp/check-chart.$$ 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "check-chart: FAILED: $name" >&2; cat /tmp/check-chart.$$ >&2; fi
  rm -f /tmp/check-chart.$$
}

check "yamllint" yamllint -s -c "$chart/.yamllint" "$chart/values.yaml" "$chart/Chart.yaml" "$chart/files"

validate() { # values file, expect (valid|invalid)
  /usr/bin/python3 - "$chart/values.schema.json" "$1" "$2" <<'PY'
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(yaml.safe_load(open(sys.argv[2]))), key=str)
for e in errors:
    print("/".join(map(str, e.path)) or "(root)", ":", e.message)
sys.exit(0 if (not errors) == (sys.argv[3] == "valid") else 1)
PY
}
check "values.yaml matches values.schema.json" validate "$chart/values.yaml" valid

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mutate() { # name, python expression on v
  /usr/bin/python3 - "$chart/values.yaml" "$tmp/$1.yaml" "$2" <<'PY'
import sys, yaml
v = yaml.safe_load(open(sys.argv[1])); exec(sys.argv[3]); yaml.safe_dump(v, open(sys.argv[2], "w"))
PY
}
mutate root 'v["podSecurityContext"]["runAsNonRoot"] = False'
mutate caps 'v["securityContext"]["capabilities"]["drop"] = ["NET_RAW"]'
mutate typo 'v["replicaCuont"] = 2'
mutate writable 'v["securityContext"]["readOnlyRootFilesystem"] = False'
for bad in root caps typo writable; do
  check "the schema refuses values '$bad'" validate "$tmp/$bad.yaml" invalid
done

has() { grep -q -- "$2" "$chart/templates/$1"; }
check "RollingUpdate with maxUnavailable/maxSurge" has deployment.yaml 'type: RollingUpdate'
check "pod and container security contexts" has deployment.yaml 'toYaml .Values.securityContext'
check "a writable /tmp under a read-only root" has deployment.yaml 'mountPath: /tmp'
check "PodDisruptionBudget" has poddisruptionbudget.yaml 'kind: PodDisruptionBudget'
check "NOTES.txt" test -s "$chart/templates/NOTES.txt"
check "replicaCount 2 by default" grep -q '^replicaCount: 2$' "$chart/values.yaml"

echo "chart: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

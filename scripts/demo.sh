#!/usr/bin/env bash
# The main job on its embedded default: a local source and target Nacos sandbox (two nodes each,
# config in a throwaway MariaDB), a workload on the source, and the daemon syncing one into the
# other with a live view and real /metrics at http://127.0.0.1:9898/metrics. Ctrl-C stops all.
#
#   scripts/demo.sh [nacos-sync demo options, e.g. --services 50 --duration 00:01:00]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dotnet >/dev/null || { echo "demo.sh: the .NET SDK (dotnet) is required: see global.json for the version" >&2; exit 1; }

dotnet build src/NacosSync/NacosSync.csproj -c Release -nologo -clp:ErrorsOnly >&2
eval "$(scripts/mariadb.sh start)"
trap 'scripts/mariadb.sh stop "$MARIADB_DIR" || true' EXIT
dotnet src/NacosSync/bin/Release/net10.0/nacos-sync.dll demo "$@"

#!/usr/bin/env bash
# Takeover benchmark (docs/ha.md "Measured"): two `nacos-sync run` processes on one state database (MariaDB, started by
# the integration tests' set-up unless MARIADB_CONNECTION is set) and two sandbox clusters; the task owner is SIGKILLed
# --kills times while it keeps --replicas ephemeral replicas alive. Prints per kill and the median / max handover.
#
#   bench/ha/takeover.sh [--kills 5] [--replicas 2000] [--set KEY=VALUE]...
#   bench/ha/takeover.sh --set Tasks:t:Naming:ReplicaHolding=Connection     # Connection mode (its own measurement: FullyQualifiedName~ConnectionTakeoverMeasurement)
#
# --set keys go to both daemons as NACOSSYNC__ environment variables (the task is named t, clusters a and b).
set -euo pipefail
cd "$(dirname "$0")/../.."
kills=5 replicas=2000 sets=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --kills) kills=$2; shift 2 ;;
    --replicas) replicas=$2; shift 2 ;;
    --set) sets+=("$2"); shift 2 ;;
    *) echo "takeover.sh: unknown argument '$1' (--kills N, --replicas N, --set KEY=VALUE)" >&2; exit 2 ;;
  esac
done
set_list=$(IFS=';'; echo "${sets[*]:-}")
params=("TestRunParameters.Parameter(name=\"kills\", value=\"$kills\")" "TestRunParameters.Parameter(name=\"replicas\", value=\"$replicas\")")
# vstest refuses a parameter with an empty value: pass the overrides only when there are some.
if [[ -n $set_list ]]; then params+=("TestRunParameters.Parameter(name=\"set\", value=\"$set_list\")"); fi
dotnet build tests/NacosSync.IntegrationTests -c Release -nologo -clp:ErrorsOnly
dotnet test tests/NacosSync.IntegrationTests -c Release --no-build -nologo --logger "console;verbosity=detailed" \
  --filter "FullyQualifiedName~HighAvailability.TakeoverMeasurement" -- "${params[@]}"

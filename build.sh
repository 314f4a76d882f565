#!/usr/bin/env bash
# One entry point for the common tasks. Usage: ./build.sh [build|test|run|train|publish-gpu]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
case "${1:-build}" in
  build) dotnet build MoT.Platform.sln -c Release ;;
  test)
    # Each test assembly prints its own Passed!/Failed! line; close with the totals of all of them.
    log=$(mktemp)
    status=0
    dotnet test MoT.Platform.sln -c Release 2>&1 | tee "$log" || status=$?
    # A test process that crashes reports only the tests it finished as passed: count each crash as a failure and
    # name it, so the closing line never looks green over a dead assembly.
    awk '/^(Passed|Failed)! +- Failed: / { gsub(",", ""); f += $4; p += $6; s += $8 }
         /Catastrophic failure: Test process crashed/ { crashed++ }
         END { if (crashed) printf "%d test process(es) crashed (see \"Catastrophic failure\" above)\n", crashed
               printf "%d passed, %d failed, %d skipped\n", p, f + crashed, s }' "$log"
    rm -f "$log"
    exit "$status" ;;
  run)
    # Production unless the caller says otherwise: no developer exception pages for anyone who can reach the port.
    export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Production}
    exec dotnet run --project web/MoT.Dashboard -c Release --no-launch-profile -- --urls "${MOT_URLS:-http://localhost:5080}" "${@:2}" ;;
  train)
    # The CLI alone: prepare the demo corpus and train MoT-Tiny/8E on it with live progress.
    dotnet build src/MoT.Cli -c Release -v quiet -nologo
    mot="dotnet src/MoT.Cli/bin/Release/net10.0/mot.dll"
    $mot data prepare
    exec $mot train --preset MoT-Tiny/8E --data demo --steps 300 --eval-interval 50 ;;
  publish-gpu)
    # Self-contained `mot` without libtorch for GPU hosts (libtorch from MOT_LIBTORCH_DIR): artifacts/mot-gpu-linux-x64.tar.xz
    exec build/publish-gpu.sh ;;
  *) echo "usage: ./build.sh [build|test|run|train|publish-gpu]" >&2; exit 2 ;;
esac

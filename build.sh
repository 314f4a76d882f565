#!/usr/bin/env bash
# One entry point for the common tasks. Usage: ./build.sh [build|test|run]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
case "${1:-build}" in
  build) dotnet build MoT.Platform.sln -c Release ;;
  # --logger console: keep the Passed!/Failed! totals as the closing line.
  test) dotnet test MoT.Platform.sln -c Release --logger "console;verbosity=normal" ;;
  *) echo "usage: ./build.sh [build|test]" >&2; exit 2 ;;
esac

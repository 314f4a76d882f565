#!/usr/bin/env bash
# Self-contained linux-x64 publish of `mot` and `MoT.Silo` for GPU hosts: managed TorchSharp and its native bridge
# (libLibTorchSharp.so) but no libtorch, which comes at run time from MOT_LIBTORCH_DIR, e.g. a
# PyTorch install's torch/lib (CUDA included). Writes artifacts/mot-gpu-linux-x64.tar.xz, checked to
# stay under 64 MiB so it can be carried to a machine with no network.
# Usage: build/publish-gpu.sh [OUTPUT_DIR]   (default: artifacts)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(mkdir -p "${1:-$root/artifacts}" && cd "${1:-$root/artifacts}" && pwd)
limit_mib=64
publish="$out/mot-gpu"
archive="$out/mot-gpu-linux-x64.tar.xz"

rm -rf "$publish" "$archive"
# `mot` and the silo host share one folder (and one copy of the runtime): a gpu silo runs from the same archive.
for project in src/MoT.Cli src/MoT.Silo; do
  dotnet publish "$root/$project" -c Release -r linux-x64 --self-contained \
    -p:MotTorchNative=none -o "$publish/mot" -nologo -v quiet
done

# The point of this build: no libtorch inside (a second copy would clash with the host's).
if compgen -G "$publish/mot/libtorch*.so" >/dev/null || [ ! -f "$publish/mot/libLibTorchSharp.so" ]; then
  echo "error: $publish/mot must hold libLibTorchSharp.so and no libtorch*.so" >&2
  exit 1
fi

tar -C "$publish" -cJf "$archive" mot
bytes=$(stat -c %s "$archive")
echo "published $publish/mot ($(du -sm "$publish/mot" | cut -f1) MiB), archive $archive ($((bytes / 1024 / 1024)) MiB)"
if [ "$bytes" -gt $((limit_mib * 1024 * 1024)) ]; then
  echo "error: $archive is over $limit_mib MiB" >&2
  exit 1
fi
# A plain build after this one restores the default (TorchSharp-cpu) packages again by itself.

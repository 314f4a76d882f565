#!/usr/bin/env bash
# Makes TorchSharp's native bridge (libLibTorchSharp.so, built with GCC 13) load on hosts whose
# libstdc++ predates GLIBCXX_3.4.32 (Debian 12). See "TorchSharp on Debian 12" in DESIGN.md.
# Usage: torchsharp-native-fix.sh NATIVE_DIR   (the folder holding libLibTorchSharp.so)
# Idempotent; a no-op where the host libstdc++ is new enough, so newer hosts keep the original file.
set -euo pipefail

native_dir=$1
bridge="$native_dir/libLibTorchSharp.so"
shim_name=libmot_glibcxx_shim.so
missing_version=GLIBCXX_3.4.32
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[ "$(uname -s)" = Linux ] || exit 0
[ -f "$bridge" ] || exit 0

host_libstdcxx=$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
if [ -n "$host_libstdcxx" ] && grep -qa "$missing_version" "$host_libstdcxx"; then
  exit 0 # the host provides the version: keep the package's file untouched
fi

for tool in gcc patchelf; do
  command -v "$tool" >/dev/null || {
    echo "error MOT0001: '$tool' is needed to make TorchSharp load on this host (libstdc++ lacks $missing_version): apt-get install -y gcc patchelf" >&2
    exit 1
  }
done

if patchelf --print-needed "$bridge" | grep -qx "$shim_name"; then
  exit 0 # already patched by an earlier build
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -Wall -o "$work/elf_weaken_version" "$here/native/elf_weaken_version.c"
gcc -shared -nostdlib -fPIC -o "$work/$shim_name" "$here/native/glibcxx_shim.c"

# Patch a private copy, then rename over the output: never write through a hard link into the
# package cache, and never leave a half-patched file behind.
cp "$bridge" "$work/bridge.so"
"$work/elf_weaken_version" "$work/bridge.so" "$missing_version" >/dev/null
patchelf --add-needed "$shim_name" "$work/bridge.so"
cp "$work/$shim_name" "$native_dir/$shim_name.tmp" && mv -f "$native_dir/$shim_name.tmp" "$native_dir/$shim_name"
cp "$work/bridge.so" "$bridge.tmp" && mv -f "$bridge.tmp" "$bridge"
echo "torchsharp-native-fix: patched $bridge for a libstdc++ without $missing_version"

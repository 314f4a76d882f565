#!/usr/bin/env bash
# The GPU acceptance check as one script, for a CUDA host with no network and no .NET:
#   1. speed: `mot bench gpu` (Transformer-Medium, MoT-Medium/32E, TokenChoice-Medium/32E at batch 256 x 256,
#      vocab 50257) with the eager PyTorch reference in the same run, then torch.compile if time is left;
#   2. quality: `mot bench compare` (dense, MoT, Token Choice at equal FLOPs/token) on the demo corpus;
#   3. a gpu silo end to end: `MoT.Silo --role all` (SQLite, one slot per CUDA device) runs a small sweep
#      submitted with `mot sweep submit --wait`; the store must hold its metrics, GPU memory included.
# Every table and log lands in OUT_DIR. `--cpu` runs the same steps at toy sizes on the CPU (a dry run on a
# machine without a GPU; the PyTorch reference runs only where python3 has torch).
#
# Prepare (on a build machine): ./build.sh publish-gpu && dotnet run --project src/MoT.Cli -- data prepare --dir artifacts/data/corpora/brown
# Run:  bench/gpu-check.sh OUT_DIR [--cpu]       (reads artifacts/mot-gpu-linux-x64.tar.xz and artifacts/data)
# Knobs (environment): COMPARE_SIZE (default Small), COMPARE_STEPS (default 600), SKIP_COMPILE=1.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(mkdir -p "${1:?usage: bench/gpu-check.sh OUT_DIR [--cpu]}" && cd "$1" && pwd)
mode=${2:-gpu}
started=$SECONDS
log() { echo "[gpu-check +$((SECONDS - started))s] $*" | tee -a "$out/summary.txt"; }

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
tar -C "$work" -xJf "$root/artifacts/mot-gpu-linux-x64.tar.xz" || { log "no artifacts/mot-gpu-linux-x64.tar.xz: run ./build.sh publish-gpu first"; exit 2; }
app="$work/mot"
export MOT_DATA_DIR="$root/artifacts/data" DOTNET_CLI_TELEMETRY_OPTOUT=1
[ -f "$MOT_DATA_DIR/corpora/brown/prepared.json" ] || { log "no demo corpus under $MOT_DATA_DIR (see Prepare above)"; exit 2; }

if [ "$mode" = "--cpu" ]; then
  # No PyTorch here: libtorch from the TorchSharp-cpu package in the NuGet cache.
  export MOT_LIBTORCH_DIR=${MOT_LIBTORCH_DIR:-$(ls -d ~/.nuget/packages/libtorch-cpu-linux-x64/*/runtimes/linux-x64/native | tail -1)}
  device=cpu; bench_args=(--device cpu --batch-size 32 --seq 16 --vocab 512 --steps 2 --warmup 1)
  compare_size=${COMPARE_SIZE:-Tiny}; compare_steps=${COMPARE_STEPS:-20}; eval_interval=10
else
  export MOT_LIBTORCH_DIR=${MOT_LIBTORCH_DIR:-$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib}
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/device.txt"
  python3 -c 'import torch;print("torch", torch.__version__, "cuda", torch.version.cuda)' | tee -a "$out/device.txt"
  device=cuda; bench_args=(--python python3)
  compare_size=${COMPARE_SIZE:-Small}; compare_steps=${COMPARE_STEPS:-600}; eval_interval=50
fi
log "mode $mode, libtorch from $MOT_LIBTORCH_DIR"

log "1. mot bench gpu ${bench_args[*]}"
"$app/mot" bench gpu "${bench_args[@]}" 2>&1 | tee "$out/bench-gpu.txt"
log "   exit ${PIPESTATUS[0]}"
if [ "$mode" != "--cpu" ] && [ -z "${SKIP_COMPILE:-}" ] && [ $((SECONDS - started)) -lt 200 ]; then
  log "1b. mot bench gpu --compile"
  "$app/mot" bench gpu --python python3 --compile 2>&1 | tee "$out/bench-gpu-compile.txt"
  log "   exit ${PIPESTATUS[0]}"
fi

log "2. mot bench compare --size $compare_size --steps $compare_steps --device $device"
"$app/mot" bench compare --size "$compare_size" --steps "$compare_steps" --eval-interval "$eval_interval" \
  --device "$device" --data demo --out "$work/compare" 2>&1 | tee "$out/compare.txt"
log "   exit ${PIPESTATUS[0]}"
cp "$work"/compare/compare.csv "$work"/compare/compare.png "$out/" 2>/dev/null

log "3. gpu silo end to end"
mkdir -p "$work/silo"
(cd "$work/silo" && exec "$app/MoT.Silo" --role all >"$out/silo.log" 2>&1) &
for _ in $(seq 120); do grep -q "Application started" "$out/silo.log" && break; sleep 1; done
cat >"$work/sweep.yaml" <<EOF
name: gpu-check
preset: MoT-Tiny/8E
steps: 60
method: grid
maxConcurrentRuns: 1
parameters:
  - { path: training.lr, kind: choice, values: [0.001, 0.003] }
EOF
timeout 300 "$app/mot" sweep submit "$work/sweep.yaml" --wait 2>&1 | tee "$out/sweep.txt"
log "   sweep exit ${PIPESTATUS[0]}"
db=$(find "$work/silo" -name 'mot.db' | head -1)
python3 - "$db" <<'EOF' 2>&1 | tee -a "$out/summary.txt"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
metric = next(t for t in tables if "metric" in t.lower())
for name, n, hi in db.execute(f"select name, count(*), max(value) from {metric} group by name order by name"):
    print(f"   store: {name:24s} {n:6d} points, max {hi:.4g}")
EOF
kill %1 2>/dev/null; wait 2>/dev/null
log "done in $((SECONDS - started)) s"

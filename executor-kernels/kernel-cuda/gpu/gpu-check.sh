#!/usr/bin/env bash
# Runs the CUDA backend's checks on a GPU host, from the repository root, with the bundle of
# build-bundle.sh (target/gpu-bundle) beside the sources; the host needs no Java or Maven.
# Everything goes under $OUT (default ./gpu-out): one log per step, summary.txt, bench.jsonl (one
# JSON line per benchmark) and junit/ (the test reports).
#
# Usage: executor-kernels/kernel-cuda/gpu/gpu-check.sh [conformance] [model] [junit] [bench] [train]
#        (default: conformance, model, junit, bench)
#   conformance  bin/lact conformance on fixtures/lact-op with --backend cuda: float64, float32,
#                bfloat16 (update path bf16, then tf32 and fp32 through -Dlact.cuda.update)
#   model        the native whole model in float64 and float32: bin/lact conformance --backend cuda
#                on the ND4J model's cross-backend cases (target/gpu-bundle/model-cases, written by
#                gpu/write-model-cases.sh), on fixtures/lact-model and on fixtures/lact-layer
#   train        bin/lact bench train-step --backend cuda --dtype bfloat16 on the presets named by
#                LACT_TRAIN_PRESETS ("name:length ...", default "small:2048 760m:32768")
#   harness      bin/lact harness --engine cuda: LACT_HARNESS_STEPS (300) steps of the small preset over
#                the prepared dataset LACT_HARNESS_DATASET (default lact-work/datasets/bundled; carry it)
#   junit        kernel-cuda's tests through JUnit's console launcher: the testkit's conformance,
#                invariant and stream suites, device timing and memory (-Dlact.cuda.require=true:
#                a missing GPU fails them instead of skipping them)
#   bench        bin/lact bench lact-op --backend cuda at n=4, d_in=d_h=384, L=32768, C=2048 with
#                Muon+momentum and with neither, and at d=768 with Muon+momentum; each in bfloat16
#                (update path bf16 and tf32) and float32; -Xmx40g; 2 warm-ups and 5 timed runs
#                (LACT_BENCH_WARMUP, LACT_BENCH_RUNS; with 1 and 3 the device's memory pool is not
#                yet warm: 21.2 against 19.7 ms). Each line takes about a minute, most of it the
#                host side's 50M-value float64 arrays; the host allows 10 minutes per call, so
#                choose lines with LACT_BENCH_LINES, a regular expression over their names
#                (bench-<shape>-<dtype>[-<update>], e.g. 'bfloat16-bf16'; default: all 9, about
#                9 minutes)
# Each step runs under `timeout` (seconds: LACT_CONFORMANCE_TIMEOUT 180, LACT_JUNIT_TIMEOUT 480,
# LACT_BENCH_TIMEOUT 240). A failing step does not stop the others; the exit status is 1 if any
# failed. If one call to the host is too short for all of it, run the steps in separate calls.
set -uo pipefail

root="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$root"
out="${OUT:-$root/gpu-out}"
mkdir -p "$out"
summary="$out/summary.txt"
bundle="$root/target/gpu-bundle"
: >"$summary"
failed=0

say() {
  echo "$*" | tee -a "$summary"
}

if [ ! -x "$bundle/jre/bin/java" ] || [ ! -d "$bundle/lib" ]; then
  say "gpu-check: $bundle is missing or incomplete: run executor-kernels/kernel-cuda/gpu/build-bundle.sh and carry target/gpu-bundle"
  exit 2
fi

# One step: name, timeout in seconds, then the command; its output goes to $out/<name>.log.
step() {
  local name="$1" limit="$2"
  shift 2
  local log="$out/$name.log" start status
  start=$(date +%s)
  timeout --kill-after=15 "$limit" "$@" >"$log" 2>&1
  status=$?
  local took=$(( $(date +%s) - start ))
  local verdict="PASS"
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    verdict="TIMEOUT after ${limit}s"
    failed=1
  elif [ "$status" -ne 0 ]; then
    verdict="FAIL (exit $status)"
    failed=1
  fi
  say "$(printf '%-40s %-22s %4ds  %s' "$name" "$verdict" "$took" "${log#"$root"/}")"
  if [ "$status" -ne 0 ]; then
    grep -v '^[[:space:]]*$' "$log" | tail -n 1 | cut -c1-400 | sed 's/^/    /' | tee -a "$summary"
  fi
  return "$status"
}

conformance() {
  local dtype="$1" update="$2" name="conformance-$1${2:+-$2}"
  LACT_JAVA_OPTS="${update:+-Dlact.cuda.update=$update}" step "$name" "${LACT_CONFORMANCE_TIMEOUT:-180}" \
    bin/lact conformance --fixtures fixtures/lact-op --backend cuda --dtype "$dtype" \
    && tail -n 1 "$out/$name.log" | sed 's/^/    /' | tee -a "$summary"
}

junit() {
  mkdir -p "$out/junit"
  step junit "${LACT_JUNIT_TIMEOUT:-480}" "$bundle/jre/bin/java" -Dlact.cuda.require=true -Dfile.encoding=UTF-8 \
    -cp "$bundle/lib/*" org.junit.platform.console.ConsoleLauncher execute --disable-banner \
    --disable-ansi-colors --details=tree --select-package org.lactspark.kernel.cuda --fail-if-no-tests \
    --reports-dir "$out/junit"
  grep -E '^\[ +[0-9]+ (tests|containers) (successful|failed|skipped|aborted)' "$out/junit.log" \
    | tr -s ' ' | sed 's/^/    /' | paste -sd' ' | tee -a "$summary"
}

# The whole model's conformance: kind (model, layer), fixtures folder, dtype[, name suffix].
model() {
  local kind="$1" dir="$2" dtype="$3" name="model-$1-$(basename "$2")-$3${4:-}"
  [ -d "$dir" ] || { say "$(printf '%-40s %s' "$name" "SKIPPED: no $dir")"; return 0; }
  step "$name" "${LACT_CONFORMANCE_TIMEOUT:-180}" bin/lact conformance "--$kind-fixtures" "$dir" --backend cuda --dtype "$dtype" \
    && tail -n 1 "$out/$name.log" | sed 's/^/    /' | tee -a "$summary"
}

# A training-step benchmark of one preset at one length.
train() {
  local preset="$1" length="$2" id="train-$1-$2"
  LACT_JAVA_OPTS="-Xmx8g" step "$id" "${LACT_TRAIN_TIMEOUT:-300}" bin/lact bench train-step --backend cuda \
    --dtype bfloat16 --preset "$preset" --length "$length" --warmup "${LACT_TRAIN_WARMUP:-1}" --runs "${LACT_TRAIN_RUNS:-3}"
  local line
  line="$(grep '^{' "$out/$id.log" | tail -n 1)"
  if [ -n "$line" ]; then
    echo "$line" >>"$out/bench.jsonl"
    echo "$line" | sed 's/^/    /' | tee -a "$summary"
  fi
}

# Training over prepared shards outside Spark with the code a task runs (the engine) and the driver's update.
harness() {
  local data="${LACT_HARNESS_DATASET:-lact-work/datasets/bundled}"
  [ -d "$data" ] || { say "$(printf '%-40s %s' harness "SKIPPED: no $data (carry a prepared dataset)")"; return 0; }
  LACT_JAVA_OPTS="-Xmx8g" step harness "${LACT_HARNESS_TIMEOUT:-300}" bin/lact harness --dataset "$data" --preset small \
    --engine cuda --steps "${LACT_HARNESS_STEPS:-300}" --sequences 4 --every 50
  grep -E '^(step|\{)' "$out/harness.log" | sed 's/^/    /' | tee -a "$summary"
}

# One benchmark: shape name, dtype, bfloat16 update path (empty for float32), then the shape's options.
bench() {
  local name="$1" dtype="$2" update="$3"
  shift 3
  local id="bench-$name-$dtype${update:+-$update}"
  if [ -n "${LACT_BENCH_LINES:-}" ] && ! [[ "$id" =~ ${LACT_BENCH_LINES} ]]; then
    return 0
  fi
  LACT_JAVA_OPTS="-Xmx40g${update:+ -Dlact.cuda.update=$update}" step "$id" "${LACT_BENCH_TIMEOUT:-240}" \
    bin/lact bench lact-op --backend cuda --dtype "$dtype" --n 4 --length 32768 --chunk 2048 \
    --warmup "${LACT_BENCH_WARMUP:-2}" --runs "${LACT_BENCH_RUNS:-5}" "$@"
  local line
  line="$(grep '^{' "$out/$id.log" | tail -n 1)"
  if [ -n "$line" ]; then
    echo "$line" >>"$out/bench.jsonl"
    echo "$line" | sed -E 's/.*"forward_ms":([^,]*).*"forward_backward_ms":([^,]*).*/    host: forward \1 ms, forward+backward \2 ms/' | tee -a "$summary"
    echo "$line" | grep -o '"device_[a-z_]*":[^,}]*' | paste -sd' ' | sed 's/^/    /' | tee -a "$summary"
  fi
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(conformance model junit bench)
for s in "${steps[@]}"; do
  case "$s" in
    conformance|model|junit|bench|train|harness) ;;
    *) echo "gpu-check: unknown step '$s' (steps: conformance, model, junit, bench, train, harness)" >&2; exit 2 ;;
  esac
done

say "# gpu-check $(date -u +%Y-%m-%dT%H:%M:%SZ), steps: ${steps[*]}"
nvidia-smi -L 2>&1 | tee -a "$summary" || { say "gpu-check: nvidia-smi failed"; failed=1; }
sed 's/^/bundle: /' "$bundle/COMMIT" 2>/dev/null | tee -a "$summary" || say "bundle: no COMMIT file"

for s in "${steps[@]}"; do
  case "$s" in
    conformance)
      conformance float64 ""
      conformance float32 ""
      conformance bfloat16 ""
      conformance bfloat16 tf32
      conformance bfloat16 fp32
      ;;
    model)
      # the step recomputes each block's forward; by default it keeps the TTT ops from the first
      # forward when memory allows (LACT_CUDA_KEEP_OPS): check the path that runs them again too
      LACT_CUDA_KEEP_OPS=0 model model "$bundle/model-cases" float64 -rerun-ops
      # and the separate feature kernels the fused ones replace (LACT_CUDA_FUSED)
      LACT_CUDA_FUSED=0 model model "$bundle/model-cases" float64 -unfused
      for dtype in float64 float32; do
        model model "$bundle/model-cases" "$dtype"
        model model fixtures/lact-model "$dtype"
        model layer fixtures/lact-layer "$dtype"
      done
      ;;
    junit)
      junit
      ;;
    harness)
      harness
      ;;
    train)
      for pl in ${LACT_TRAIN_PRESETS:-small:2048 760m:32768}; do
        train "${pl%%:*}" "${pl#*:}"
      done
      ;;
    bench)
      for shape in "muon-momentum:--d-in 384 --d-h 384" "plain:--d-in 384 --d-h 384 --no-muon --no-momentum" \
          "d768-muon-momentum:--d-in 768 --d-h 768"; do
        name="${shape%%:*}"
        # shellcheck disable=SC2086
        bench "$name" bfloat16 bf16 ${shape#*:}
        # shellcheck disable=SC2086
        bench "$name" bfloat16 tf32 ${shape#*:}
        # shellcheck disable=SC2086
        bench "$name" float32 "" ${shape#*:}
      done
      ;;
  esac
done

if [ "$failed" -ne 0 ]; then
  say "gpu-check: FAILED (see the logs under ${out#"$root"/})"
  exit 1
fi
say "gpu-check: all steps passed"

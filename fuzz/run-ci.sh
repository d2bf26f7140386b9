#!/usr/bin/env bash
# CI's fuzzing step (docs/RELIABILITY.md, "Fuzzing"): builds every cargo-fuzz
# target once, replays the saved crash inputs of fuzz/regressions/<target>/,
# then runs each target from its seed corpus for a short, fixed budget.
# Fails, naming the target and the saved input, if anything crashes.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); nightly compiler
# features come from RUSTC_BOOTSTRAP=1 on the stable toolchain.
#
#   MAKSA_FUZZ_RUNS     runs per target (default 20000)
#   MAKSA_FUZZ_SECONDS  time cap per target, whichever comes first (default 20)
#   MAKSA_FUZZ_SANITIZER  address (default) or none
#   MAKSA_FUZZ_TARGET_DIR build directory, kept between runs to build only
#                       what changed (default ~/.cache/maksa-fuzz/target)
#   MAKSA_FUZZ_TARGETS  the targets to run (default: all)
set -uo pipefail
cd "$(dirname "$0")"

export RUSTC_BOOTSTRAP=1
runs=${MAKSA_FUZZ_RUNS:-20000}
seconds=${MAKSA_FUZZ_SECONDS:-20}
sanitizer=${MAKSA_FUZZ_SANITIZER:-address}
target_dir=${MAKSA_FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/maksa-fuzz/target}
targets=${MAKSA_FUZZ_TARGETS:-$(cargo fuzz list)}

echo "fuzz: building the targets (sanitizer: $sanitizer), then running: $(echo $targets)"
cargo fuzz build --sanitizer "$sanitizer" --target-dir "$target_dir" || exit 1
bin="$target_dir/x86_64-unknown-linux-gnu/release"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
failures=()
for target in $targets; do
  mkdir -p "$work/$target" "artifacts/$target" "corpus/$target"
  log="$work/$target.log"
  ok=1
  # Every input that once crashed must now run clean.
  regressions=()
  if [ -d "regressions/$target" ]; then
    while IFS= read -r -d '' file; do regressions+=("$file"); done \
      < <(find "regressions/$target" -type f ! -name '*.md' -print0 | sort -z)
  fi
  for file in "${regressions[@]}"; do
    if ! "$bin/$target" -timeout=30 "$file" >"$log" 2>&1; then
      ok=0
      echo "fuzz: $target: the saved input $file still fails:"
      grep -a -A1 -E 'panicked at|ERROR: AddressSanitizer|ERROR: libFuzzer' "$log" | head -n 6
    fi
  done
  # New corpus entries go to the scratch directory (first), the committed
  # seeds are only read.
  if [ $ok = 1 ] && ! "$bin/$target" -runs="$runs" -max_total_time="$seconds" -timeout=30 \
      -print_final_stats=1 -artifact_prefix="artifacts/$target/" \
      "$work/$target" "corpus/$target" >"$log" 2>&1; then
    ok=0
    echo "fuzz: $target crashed; the input is saved in fuzz/artifacts/$target/:"
    grep -a -A1 -E 'panicked at|ERROR: AddressSanitizer|ERROR: libFuzzer' "$log" | head -n 6
    grep -a -E '^artifact_prefix|^Base64:' "$log"
  fi
  if [ $ok = 1 ]; then
    passed=$((passed + 1))
    runs_done=$(grep -aoE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1)
    cov=$(grep -aoE 'cov: [0-9]+' "$log" | tail -n 1)
    echo "fuzz: $target ok (${runs_done:-no final line}s, ${cov:-cov: ?})"
  else
    failed=$((failed + 1))
    failures+=("$target")
  fi
done

echo "fuzz: $passed passed, $failed failed"
if [ "$failed" -gt 0 ]; then
  echo "fuzz: failing targets: ${failures[*]} (reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <input>)"
  exit 1
fi

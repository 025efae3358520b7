#!/usr/bin/env bash
# The long fuzz run: every property of tests/fuzz.rs with many cases (default
# 20000 each; PERMGAP_FUZZ_CASES overrides), in release mode. proptest keeps
# any failing input in tests/fuzz.proptest-regressions (commit it, and add
# the crash as a regression test at the end of tests/fuzz.rs). Prints how
# long it ran.
set -euo pipefail
cd "$(dirname "$0")/.."
export PERMGAP_FUZZ_CASES="${PERMGAP_FUZZ_CASES:-20000}"
start=$(date +%s)
cargo test --release --test fuzz -- --test-threads 2 "$@"
echo "fuzz: ${PERMGAP_FUZZ_CASES} cases per property, $(( $(date +%s) - start )) s"

#!/usr/bin/env bash
# The whole test suite: what CI runs (.ci/run) and what a newcomer runs.
# Needs only the Rust toolchain; python3 and npm (both on the project's
# machines) for the catalog drift check, which is skipped with a notice when
# npm is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --locked --all-targets -- -D warnings
echo "== catalog drift (scripts/gen_catalog_aws.py --check)"
if command -v npm >/dev/null && command -v python3 >/dev/null; then
  python3 scripts/gen_catalog_aws.py --check
else
  echo "npm or python3 missing: catalog drift check skipped"
fi
echo "== cargo test"
cargo test --locked --all-targets

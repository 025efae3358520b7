#!/usr/bin/env bash
# The whole test suite: what CI runs (.ci/run) and what a newcomer runs.
# Needs the Rust toolchain and python3; it installs the AWS API emulator moto
# and DuckDB (pinned, tests/moto/requirements.txt) into ./.venv, and starts
# moto on 127.0.0.1 for the live AWS tests (DuckDB checks the Athena SQL).
# npm (on the project's machines) runs the catalog drift check, which is
# skipped with a notice when npm is absent. Debian's chromium (the release's
# package, installed with apt-get when missing) renders the HTML report in
# tests/formats.rs.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --locked --all-targets -- -D warnings
echo "== CloudTrail mapping tables (scripts/gen_event_sources.py --validate)"
python3 scripts/gen_event_sources.py --validate
echo "== catalog drift (scripts/gen_catalog_aws.py --check)"
if command -v npm >/dev/null && command -v python3 >/dev/null; then
  python3 scripts/gen_catalog_aws.py --check
else
  echo "npm or python3 missing: catalog drift check skipped"
fi
echo "== moto (AWS API emulator, pinned in tests/moto/requirements.txt)"
VENV=.venv
if ! cmp -s tests/moto/requirements.txt "$VENV/.installed" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r tests/moto/requirements.txt
  cp tests/moto/requirements.txt "$VENV/.installed"
fi
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MOTO_IAM_LOAD_MANAGED_POLICIES=true "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$VENV/moto.log" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
python3 - "$PORT" <<'PY'
import sys, time, urllib.request
for _ in range(150):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit("moto_server did not start: see .venv/moto.log")
PY
export PERMGAP_TEST_MOTO="http://127.0.0.1:$PORT"
export PERMGAP_TEST_PYTHON="$PWD/$VENV/bin/python"

echo "== chromium (Debian's package, for the HTML report's browser test)"
if [ -z "${PERMGAP_TEST_CHROMIUM:-}" ]; then
  if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    else
      echo "chromium is missing and cannot be installed here (needs root and apt-get):" >&2
      echo "install Debian's chromium, or set PERMGAP_SKIP_BROWSER=1 to skip the HTML browser test" >&2
      exit 1
    fi
  fi
  PERMGAP_TEST_CHROMIUM=$(command -v chromium)
  export PERMGAP_TEST_CHROMIUM
fi
"$PERMGAP_TEST_CHROMIUM" --version

echo "== cargo test"
cargo test --locked --all-targets

#!/usr/bin/env bash
# Writes every output permgap gives on the demo and on each case of
# fixtures/<cloud>/<case>/ into DIR, to compare two builds byte for byte:
#   scripts/outputs.sh before target/release/permgap   (on the old commit)
#   scripts/outputs.sh after  target/release/permgap   (on the new one)
#   diff -r before after
# Usage: scripts/outputs.sh DIR [BINARY]
set -euo pipefail
out=$(realpath -m "$1")
bin=$(realpath "${2:-target/release/permgap}")
cd "$(dirname "$0")/.."
root=$PWD
mkdir -p "$out"
for f in json table csv sarif markdown html; do
  "$bin" -q demo --format "$f" --color never >"$out/demo.$f" || true
  "$bin" -q demo --check --format "$f" --color never >"$out/demo-check.$f" || true
done
for case in fixtures/*/*/case.toml; do
  dir=$(dirname "$case")
  name=$(echo "$dir" | cut -d/ -f2- | tr / -)
  mapfile -t args < <(python3 -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["import"]))' "$case")
  as_of=$(python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["as_of"])' "$case")
  (cd "$dir" && "$bin" -q import "${args[@]}" --output "$out/$name.snapshot.json") && echo "exit 0" >"$out/$name.import" || echo "exit $?" >"$out/$name.import"
  for f in json table csv sarif markdown html; do
    "$bin" -q audit "$out/$name.snapshot.json" --as-of "$as_of" --format "$f" --color never >"$out/$name.$f" || true
  done
done
sed -i "s|$root|[ROOT]|g; s|$out|[OUT]|g" "$out"/* 2>/dev/null || true
echo "wrote $(ls "$out" | wc -l) files into $out"

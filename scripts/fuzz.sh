#!/usr/bin/env bash
# Seeds a cargo-fuzz target's corpus from the repository's own fixtures, then runs it.
#   scripts/fuzz.sh TARGET [SECONDS]     TARGET: load | vars | live | plan_file (default 300 s)
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Findings land in
# fuzz/artifacts/TARGET; the corpus in fuzz/corpus/TARGET (both ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: scripts/fuzz.sh load|vars|live|plan_file [SECONDS]}"
seconds="${2:-300}"
corpus="fuzz/corpus/$target"
mkdir -p "$corpus"

case "$target" in
  load)
    for f in modules/*/*.tf examples/*/*.tf; do cp "$f" "$corpus/$(echo "$f" | tr / _)"; done ;;
  vars)
    # The first byte picks the kind: 0 tfvars (HCL), 1 tfvars.json, 2 one --var per line.
    n=0
    for f in tests/fixtures/vars/*.tfvars tests/fixtures/bad/*/*.tfvars examples/*/*.tfvars; do
      [ -f "$f" ] || continue
      { printf '\000'; cat "$f"; } > "$corpus/hcl-$n"; n=$((n + 1))
    done
    printf '\001{"s": "x", "n": 2, "l": [{"name": "a"}], "m": {"k": ["v"]}, "t": ["y", 3]}' > "$corpus/json-0"
    printf '\002s=hello\nn=2\nl=[{name="a", size=3}]\nm={k=["v"]}\nsecret=hunter2\nany={a=[1,true]}' > "$corpus/args-0" ;;
  live)
    for f in examples/*/live/*.json tests/fixtures/plans/*/live*.json tests/fixtures/plans/live/*.json; do
      [ -f "$f" ] && cp "$f" "$corpus/$(echo "$f" | tr / _)"
    done ;;
  plan_file)
    for ex in examples/*/; do
      name=$(basename "$ex")
      for live in "$ex"live/*.json; do
        cargo run --quiet -- plan "$ex" --live "$live" --out "$corpus/$name-$(basename "$live")" >/dev/null 2>&1 || true
      done
    done ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac

cd fuzz
# drplan has no unsafe code, so AddressSanitizer adds cost but finds nothing a panic would not.
exec cargo +nightly fuzz run --sanitizer none "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=4096

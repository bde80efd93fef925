#!/usr/bin/env bash
# Fuzzes eckwms-codes' scan decoder (Decoder::classify and the parsers behind it) for a bounded
# time: ./run.sh [seconds] (default 30). Installs cargo-fuzz if it is missing.
#
# Only the stable toolchain is needed: cargo-fuzz's default AddressSanitizer needs nightly
# (-Zsanitizer), so this runs without a sanitizer (--sanitizer none; the crate forbids unsafe code,
# so ASan would find little). libFuzzer's coverage instrumentation uses stable -C flags, and
# libfuzzer-sys compiles libFuzzer with the system C++ compiler.
#
# New interesting inputs go to corpus/classify (ignored by git); crashes to artifacts/classify.
set -euo pipefail
seconds="${1:-30}"
cd "$(dirname "$0")"
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
mkdir -p corpus/classify
exec cargo fuzz run --sanitizer none classify corpus/classify seeds/classify -- \
    -max_total_time="$seconds" -max_len=1024 -timeout=10

#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer (+ AddressSanitizer) and runs each for SECONDS (default 60).
# Fails on the first crash, leak, timeout or out-of-memory; the reproducer is left in .work/.
set -euo pipefail
SECONDS_PER_TARGET="${1:-60}"
cd "$(dirname "$0")"
TARGETS=(FuzzBase45 FuzzZlib FuzzCBOR FuzzCOSE FuzzClaims FuzzVerify FuzzRevocation FuzzBundle)

# -parse-as-library: main.swift holds only the @_cdecl entry point; libFuzzer provides main().
swift build -c debug --sanitize=fuzzer --sanitize=address -Xswiftc -parse-as-library

for target in "${TARGETS[@]}"; do
    work=".work/$target"
    mkdir -p "$work"
    echo "== $target for ${SECONDS_PER_TARGET}s"
    # New inputs go to the first directory (.work), so the committed seed corpus stays as it is.
    ".build/debug/$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
        -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$work/" "$work" "Corpus/$target"
done
echo "all fuzz targets ran clean"

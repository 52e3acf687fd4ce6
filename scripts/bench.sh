#!/usr/bin/env bash
# make bench: release build, then the hot-path benchmark (healthgate-bench: corpus, per-frame cost against
# raw zbar, each QR decoder and the scanner stage on the real photos, frame-to-relay latency, verification
# throughput, healthgated memory over 100,000 frames; docs/performance.md), then the entry-log benchmark (docs/entry-log.md).
#   ENTRYLOG_BENCH_ROWS  rows for entrylog-bench (default 500000: its fill runs at ~3,700 rows/s here, so the
#                        whole of make bench stays under ~10 minutes; the full year is --rows 5000000, ~25 min)
#   BENCH_OUT            where the corpus and bench.json go (default bench-out)
#   QR_PHOTOS            the real photos for the decoders' table (default: shared/qr-photos beside the checkout,
#                        i.e. ../shared/qr-photos; the table is skipped, saying so, when there is none)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ENTRYLOG_BENCH_ROWS:-500000}
out=${BENCH_OUT:-bench-out}

echo "==> building in release mode (from scratch this takes several minutes)"
swift build -c release --product healthgated 2>&1 | tail -1
swift build -c release --product healthgate-bench 2>&1 | tail -1
swift build -c release --product healthgate-platform-sim 2>&1 | tail -1
swift build -c release --product entrylog-bench 2>&1 | tail -1
swift build -c release --product screen-bench 2>&1 | tail -1
bin=$(swift build -c release --show-bin-path)

echo "==> hot path: healthgate-bench --out $out"
photos=()
[ -n "${QR_PHOTOS:-}" ] && photos=(--photos "$QR_PHOTOS")
"$bin/healthgate-bench" --out "$out" --healthgated "$bin/healthgated" --platform-sim "$bin/healthgate-platform-sim" "${photos[@]}"

echo
echo "==> the visitor's screen: screen-bench"
"$bin/screen-bench"

echo
echo "==> entry log: entrylog-bench --rows $rows"
db=$(mktemp -d)/entrylog-bench.sqlite
trap 'rm -rf "$(dirname "$db")"' EXIT
"$bin/entrylog-bench" --rows "$rows" --db "$db"

echo
echo "==> county: county-bench (a PostgreSQL 15 of its own; COUNTY_BENCH_ROWS_PER_GATE_DAY=2000 for the full 12 M rows)"
swift build -c release --product county-bench 2>&1 | tail -1
swift build -c release --product healthgate-uplink 2>&1 | tail -1
"$bin/county-bench"

#!/usr/bin/env bash
# make demo: build, generate signed visitors as real QR frames, run healthgated on the simulated
# board over them, then show the entry log the run wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${DEMO_DIR:-demo-out}

echo "==> building (first build of the Swift dependencies takes a few minutes)"
swift build --product healthgated 2>&1 | tail -1
swift build --product gatectl 2>&1 | tail -1
swift build --product healthgate-dev 2>&1 | tail -1
swift build --product countyctl 2>&1 | tail -1
swift build --product healthgate-uplink 2>&1 | tail -1
bin=$(swift build --show-bin-path)

echo "==> generating visitors in $out/ (an issuer key, signed codes, 640x480 QR frames, a county bundle, a scenario)"
BIN=$bin scripts/make-visitors.sh "$out"

echo "==> running healthgated on the simulated board ($out/healthgate.toml)"
echo "    each visitor: what they show; then the daemon's decision and the gate's outputs"
# stdout: the scenario's narration and every GPIO transition; stderr: the daemon's log.
"$bin/healthgated" --config "$out/healthgate.toml" 2> >(scripts/show-decisions.sh >&2)
sleep 0.2

echo
echo "==> gatectl log (what venue staff see over SSH)"
"$bin/gatectl" log --config "$out/healthgate.toml" --limit 100
echo
echo "==> gatectl stats (per hour)"
"$bin/gatectl" stats --config "$out/healthgate.toml"
echo
echo "==> gatectl verify (the hash chain)"
"$bin/gatectl" verify --config "$out/healthgate.toml"
echo
echo "The run's files are in $out/: entries.sqlite (the log), healthgated.log (the daemon's full log),"
echo "healthgate.prom (metrics), frames/ (the QR frames and payloads), county/ (the county key and bundle),"
echo "bundle/current.hgb (the bundle the gate applied), screens/ (what the visitor saw, one PNG per decision). Try: $bin/gatectl --help"
echo
scripts/demo-platform.sh "$out/platform"
echo
BIN=$bin scripts/demo-county.sh "$out"

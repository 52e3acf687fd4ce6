#!/usr/bin/env bash
# make demo, part 2 (issue 15): platform codes verified online against the reference platform
# (healthgate-platform-sim on loopback), an elderly visitor by ID card on the simulated serial reader,
# and the platform going down mid-queue with the venue's fallback (register_and_admit) and the recovery.
#   scripts/demo-platform.sh [OUT]   (called at the end of scripts/demo.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-${DEMO_DIR:-demo-out}/platform}

echo
echo "==> platform codes: building the reference platform"
swift build --product healthgate-platform-sim 2>&1 | tail -1
swift build --product healthgated 2>&1 | tail -1
bin=$(swift build --show-bin-path)
rm -rf "$out"
mkdir -p "$out/frames" "$out/control" "$out/faults-down" "$out/faults-up" "$out/requests"
out=$(cd "$out" && pwd)

# The gate's signing secret, as the platform would issue it with the gate's registration (0600).
(umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$out/platform.secret"; echo >> "$out/platform.secret")
echo '{"mode": "normal", "latency_ms": 40}' > "$out/control/faults.json"
echo '{"mode": "down", "latency_ms": 0}' > "$out/faults-down/faults.json"
echo '{"mode": "normal", "latency_ms": 40}' > "$out/faults-up/faults.json"
for token in HGP:GREEN-0001 HGP:RED-0002 HGP:GREEN-0004 HGP:GREEN-0005 HGP:YELLOW-0003; do
    "$bin/healthgate-dev" render --text "$token" --out-image "$out/frames/${token#HGP:}.pgm"
done

"$bin/healthgate-platform-sim" --port 0 --database "$out/platform.sqlite" --secret-file "$out/platform.secret" \
    --gate demo-platform --venue V-4403-0001 --control "$out/control/faults.json" > "$out/platform-sim.log" 2>&1 &
sim=$!
trap 'kill "$sim" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^listening on' "$out/platform-sim.log" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$out/platform-sim.log" | head -1)
[ -n "$port" ] || { echo "the reference platform did not start:"; cat "$out/platform-sim.log"; exit 1; }
echo "    reference platform on 127.0.0.1:$port (SQLite $out/platform.sqlite, 40 ms latency)"

cat > "$out/scenario.txt" <<SCENARIO
# Platform codes (docs/platform-api.md) and an ID card (docs/id-card.md). 20 frames = 1 second.
blank 10
say Visitor P1: a platform code (HGP:…) — checked online (正在核验), green, admitted
temperature 36.6
frame frames/GREEN-0001.pgm 6
blank 20
temperature none
blank 30
say Visitor P2: a platform code the platform says is red — refused
temperature 36.5
frame frames/RED-0002.pgm 6
blank 20
temperature none
blank 30
say Visitor P3: an elderly visitor without a phone puts her resident ID card on the reader — looked up, admitted
temperature 36.4
idcard 王秀英 11010519491231002X
blank 30
idcard none
temperature none
blank 30
say The platform goes down (503 under load) mid-queue — the market's fallback is register_and_admit
drop faults-down/faults.json control
blank 10
say Visitor P4: a platform code while the platform is down — registered, admitted on a normal temperature (unverified)
temperature 36.7
frame frames/GREEN-0004.pgm 6
blank 20
temperature none
blank 30
say Visitor P5: a platform code while the platform is down, with a fever, 38.5 °C — refused
temperature 38.5
frame frames/GREEN-0005.pgm 6
blank 60
temperature none
blank 30
say The platform is back — the gate's probe finds it and returns to normal by itself
drop faults-up/faults.json control
blank 60
say Visitor P6: a platform code, verified again — yellow, refused
temperature 36.6
frame frames/YELLOW-0003.pgm 6
blank 20
temperature none
blank 30
SCENARIO

cat > "$out/healthgate.toml" <<CONFIG
# The demo gate with platform verification: a market (on_unavailable defaults to register_and_admit).
[gate]
id = "demo-platform"
venue = "market"
[timing]
relay_pulse_ms = 800
admitted_hold_ms = 1000
refused_hold_ms = 1000
remeasure_delay_ms = 500
[codes]
trust_dir = "$out/trust"
assume_clock_synchronised = true
[platform]
url = "http://127.0.0.1:$port"
venue_code = "V-4403-0001"
token_prefixes = ["HGP:"]
secret_file = "$out/platform.secret"
budget_ms = 1500
probe_interval_s = 1
[id_reader]
device = "simulated"
[log]
database = "$out/entries.sqlite"
[paths]
status_file = "$out/status.json"
requests_dir = "$out/requests"
metrics_file = "$out/healthgate.prom"
[board]
profile = "simulated"
[board.simulated]
scenario = "$out/scenario.txt"
fps = 20
CONFIG
mkdir -p "$out/trust"

echo "==> running healthgated against the reference platform ($out/healthgate.toml)"
"$bin/healthgated" --config "$out/healthgate.toml" 2> >(DEMO_DIR="$out" scripts/show-decisions.sh >&2)
sleep 0.2
echo
echo "==> gatectl log for the platform run (masked names and IDs only; 'unverified' = registered while the platform was down)"
"$bin/gatectl" log --config "$out/healthgate.toml" --limit 100
echo
echo "The platform run's files are in $out/ (platform.sqlite: the reference platform's test persons)."

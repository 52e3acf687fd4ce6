#!/usr/bin/env bash
# The county part of make demo (docs/fleet.md): a temporary PostgreSQL 15 (initdb + pg_ctl in a temp dir, as an
# unprivileged user, a Unix socket only, no TCP port), three simulated gates at three venues with overlapping
# visitors (healthgated on the simulated board), each gate's log shipped by healthgate-uplink, then a trace of one
# visitor across venues, the fleet's status and one venue's inspection.
#   BIN=.build/debug scripts/demo-county.sh OUT
set -euo pipefail
out=${1:?usage: demo-county.sh OUT}
bin=${BIN:-.build/debug}
pgbin=/usr/lib/postgresql/15/bin
mkdir -p "$out/county-demo"
out=$(cd "$out/county-demo" && pwd)
rm -rf "${out:?}"/*

# The server: a short socket path (sockets are limited to 107 bytes), owned by an unprivileged user when we are root
# (initdb refuses root).
pg=$(mktemp -d /tmp/hg-pg-XXXXXX)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown nobody: "$pg"; as_pg=(runuser -u nobody --); fi
cleanup() { "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$pg"; }
trap cleanup EXIT
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$password" > "$pg/pwfile"
[ "$(id -u)" -eq 0 ] && chown nobody: "$pg/pwfile"
echo "==> county: PostgreSQL 15 in $pg (socket only)"
"${as_pg[@]}" "$pgbin/initdb" -D "$pg/data" -U county --pwfile="$pg/pwfile" --auth-local=scram-sha-256 \
    --auth-host=reject -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -o "-k $pg -c listen_addresses=''" start >/dev/null
PGPASSWORD=$password "${as_pg[@]}" "$pgbin/psql" -h "$pg" -U county -d postgres -X -q -c "CREATE DATABASE county"
printf '%s\n' "$password" > "$out/county-password"; chmod 600 "$out/county-password"
db=(--socket "$pg" --database county --user county --password-file "$out/county-password")
"$bin/countyctl" migrate "${db[@]}"

echo "==> three gates, three venues; visitor-case goes to the market and the station, others overlap"
"$bin/healthgate-dev" keygen --issuer 330100 --out "$out/keys" --trust-out "$out/trust" > "$out/keys.txt"
key=$(awk '/^private-key/ {print $2}' "$out/keys.txt")
mkdir -p "$out/frames"
for who in case wang li zhao chen; do
    "$bin/healthgate-dev" issue --key "$key" --colour green --subject "visitor-$who" --name-masked '张*' \
        --id-masked '3301**********1234' --nat-sampled "$(date -u -d '-20 hours' +%Y-%m-%dT%H:%M:%SZ)" --nat-result negative \
        --doses 3 --series-doses 2 --last-dose 2022-03-01T00:00:00Z --out-payload "$out/frames/$who.txt" --out-image "$out/frames/$who.pgm" >/dev/null
done
visitor() { printf 'say %s: %s\ntemperature 36.6\nframe ../frames/%s.pgm 6\ntemperature none\nblank 70\n' "$1" "$2" "$2"; }
gate() {  # gate ID VENUE_KIND VENUE_NAME VISITORS…
    local id=$1 kind=$2 name=$3; shift 3
    mkdir -p "$out/$id/requests"
    { echo "blank 40"; for v in "$@"; do visitor "$id" "$v"; done; } > "$out/$id/scenario.txt"
    cat > "$out/$id/healthgate.toml" <<CONFIG
[gate]
id = "$id"
venue = "$kind"
[codes]
trust_dir = "$out/trust"
assume_clock_synchronised = true
[log]
database = "$out/$id/entries.sqlite"
[paths]
status_file = "$out/$id/status.json"
requests_dir = "$out/$id/requests"
[board]
profile = "simulated"
[board.simulated]
scenario = "$out/$id/scenario.txt"
fps = 20
CONFIG
    cat > "$out/$id/uplink.toml" <<CONFIG
[uplink]
gate_config = "$out/$id/healthgate.toml"
venue_name = "$name"
socket = "$pg"
database = "county"
user = "county"
password_file = "$out/county-password"
state_file = "$out/$id/acknowledged"
CONFIG
}
gate market-1  market  "East Gate Market" wang case li
gate station-1 station "North Station"    zhao case chen
gate clinic-1  hospital "County Hospital"  wang chen
pids=()
for id in market-1 station-1 clinic-1; do
    "$bin/healthgated" --config "$out/$id/healthgate.toml" > "$out/$id/narration.txt" 2> "$out/$id/healthgated.log" &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
for id in market-1 station-1 clinic-1; do
    echo "    $id: $(sqlite3 "$out/$id/entries.sqlite" "SELECT count(*) FROM entry WHERE decision = 'admitted'") admitted"
done

echo "==> healthgate-uplink --once on each gate (rows in seq order, batches acknowledged by the county)"
for id in market-1 station-1 clinic-1; do
    "$bin/healthgate-uplink" --config "$out/$id/uplink.toml" --once 2>> "$out/$id/uplink.log"
    echo "    $id: acknowledged through seq $(cat "$out/$id/acknowledged")"
done

echo
echo "==> countyctl gates"
"$bin/countyctl" gates "${db[@]}"
echo
from=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ); to=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
echo "==> countyctl trace --code <visitor-case's code> --window 30m (时空伴随 across venues)"
"$bin/countyctl" trace "${db[@]}" --code "$(cat "$out/frames/case.txt")" --from "$from" --to "$to" --window 30m
echo
echo "==> countyctl inspect --venue 'East Gate Market' --day $(date +%F) (暗访督察)"
"$bin/countyctl" inspect "${db[@]}" --venue "East Gate Market" --day "$(date +%F)"
echo
echo "The county demo's files are in $out/ (each gate's log, config, uplink.toml and acknowledged seq)."

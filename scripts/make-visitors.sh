#!/usr/bin/env bash
# Generates the demo's visitors in OUT: an HG1 issuer key and its trust store, signed codes rendered
# as 640x480 QR frames with healthgate-dev (the developers' tool), a county key and a signed county bundle
# (countyctl, the county's tool) that rotates in a new issuer key and revokes a person, a scenario for the
# simulated board, and a config that runs healthgated over them. make demo and the end-to-end tests both use it.
#   BIN=.build/debug scripts/make-visitors.sh OUT
set -euo pipefail
out=${1:?usage: make-visitors.sh OUT}
dev=${BIN:-.build/debug}/healthgate-dev
county=${BIN:-.build/debug}/countyctl
rm -rf "$out"
mkdir -p "$out/keys" "$out/trust" "$out/frames" "$out/requests"
out=$(cd "$out" && pwd)

iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
now=$(iso now)

# The issuer (Hangzhou, 330100) whose public key the gate trusts, and a rogue key it does not.
key=$("$dev" keygen --issuer 330100 --out "$out/keys" --trust-out "$out/trust" | awk '/^private-key/ {print $2}')
rogue=$("$dev" keygen --issuer 330100 --out "$out/keys/rogue" | awk '/^private-key/ {print $2}')
# The issuer's next key (key rotation): not in the gate's trust store; the county bundle below carries it.
rotated=$("$dev" keygen --issuer 330100 --out "$out/keys/new")
new_key=$(awk '/^private-key/ {print $2}' <<<"$rotated")
new_pem=$(awk '/^trust-entry/ {print $2}' <<<"$rotated")

issue() {  # issue NAME [healthgate-dev issue options…]
    local name=$1; shift
    "$dev" issue --out-payload "$out/frames/$name.txt" --out-image "$out/frames/$name.pgm" "$@"
}
common=(--name-masked '张*' --id-masked '3301**********1234' --doses 3 --series-doses 2 --last-dose 2022-03-01T00:00:00Z)

issue green      --key "$key" --colour green  --subject visitor-green "${common[@]}"
issue red        --key "$key" --colour red    --subject visitor-red "${common[@]}"
issue yellow     --key "$key" --colour yellow --subject visitor-yellow "${common[@]}"
issue fever      --key "$key" --colour green  --subject visitor-fever "${common[@]}"
issue expired    --key "$key" --colour green  --subject visitor-expired --iat "$(iso '-2 hours')" --ttl 300 "${common[@]}"
issue forged-original --key "$key" --colour red --subject visitor-forged "${common[@]}"
"$dev" forge --payload-file "$out/frames/forged-original.txt" --colour green \
    --out-payload "$out/frames/forged.txt" --out-image "$out/frames/forged.pgm"
issue unknown    --key "$rogue" --colour green --subject visitor-unknown-issuer "${common[@]}"
issue second     --key "$key" --colour green  --subject visitor-second "${common[@]}"
# Key rotation: one code signed by the issuer's new key, shown before and after the bundle brings the key.
issue rotated    --key "$new_key" --colour green --subject visitor-rotated "${common[@]}"
# Revocation: a person admitted early whose code the county then revokes (a close contact, say); they come
# back with another green code issued before the county's decision.
issue contact-1  --key "$key" --colour green  --subject visitor-contact "${common[@]}"
issue contact-2  --key "$key" --colour green  --subject visitor-contact "${common[@]}"

# The county's side: its key pair (the gate pins county.pem) and bundle version 1, signed, carrying the
# new HG1 key and a revocation list naming visitor-contact's subject pseudonym (HG1 subject ids from
# --subject TEXT are the first 16 bytes of SHA-256(TEXT)). The scenario drops it into the spool mid-run.
"$county" keygen --out "$out/county" >/dev/null
contact=$(printf %s visitor-contact | sha256sum | cut -c1-32)
"$county" revocation make --kind HG1_SUBJECT --value "$contact" --out "$out/county/revoked.hgrv" >/dev/null
"$county" bundle make --version 1 --issuer "Hangzhou county (demo)" --hg1-key "330100=$new_pem" \
    --revocation "$out/county/revoked.hgrv" --out "$out/county/bundle-1.cbor" >/dev/null
"$county" bundle sign --key "$out/county/county.key" "$out/county/bundle-1.cbor" --out "$out/county/bundle-1.hgb" >/dev/null
# Not health codes at all: a URL someone shows by mistake, and an HG1 prefix on garbage.
"$dev" render --text "https://example.com/menu" --out-image "$out/frames/garbage.pgm"
"$dev" render --text "HG1:NOT*BASE45*AT*ALL" --out-image "$out/frames/broken.pgm"

cat > "$out/scenario.txt" <<SCENARIO
# The demo's visitors, one after another (docs/simulated-board.md). 20 frames = 1 second.
blank 10
say Visitor 1: a green code, 36.6 °C — admitted
temperature 36.6
frame frames/green.pgm 6
temperature none
blank 40
say Visitor 2: a red code — refused, the relay stays shut
temperature 36.5
frame frames/red.pgm 6
temperature none
blank 40
say Visitor 3: a yellow code — refused
temperature 36.4
frame frames/yellow.pgm 6
temperature none
blank 40
say Visitor 4: a green code with a fever, 38.4 °C — re-measured once, then refused
temperature 38.4
frame frames/fever.pgm 6
blank 20
temperature none
blank 40
say Visitor 5: a screenshot of a code that expired two hours ago — refused
temperature 36.6
frame frames/expired.pgm 6
temperature none
blank 40
say Visitor 6: a red code edited to say green (signature no longer matches) — refused
temperature 36.6
frame frames/forged.pgm 6
temperature none
blank 40
say Visitor 7: a code signed by a key the gate does not trust — refused
temperature 36.6
frame frames/unknown.pgm 6
temperature none
blank 40
say Visitor 8: visitor 1's code shown again (passed back) — refused as replayed
temperature 36.6
frame frames/green.pgm 6
temperature none
blank 40
say Visitor 9: a QR that is not a health code — refused
frame frames/garbage.pgm 6
blank 40
say Visitor 10: a damaged HG1 code — refused as unreadable
frame frames/broken.pgm 6
blank 40
say An empty entrance: frames with no code — nothing happens
blank 30
say Visitor 1 leaves through the exit sensor
input exit_sensor
blank 10
say Visitor 11: another green code, 36.9 °C — admitted
temperature 36.9
frame frames/second.pgm 6
temperature none
blank 40
say Visitor 12: a green code, 36.7 °C — admitted (the county will revoke this person in a moment)
temperature 36.7
frame frames/contact-1.pgm 6
temperature none
blank 40
say Visitor 13: a code signed by the issuer's NEW key, which the gate does not trust yet — refused (unknown issuer)
temperature 36.6
frame frames/rotated.pgm 6
temperature none
blank 40
say County bundle: version 1 arrives in the spool (new issuer key + visitor 12 revoked) — applied without restart
drop county/bundle-1.hgb spool   # the simulated county uplink delivering the file
blank 40
say Visitor 13 again: the same code from the new key — admitted now that the bundle brought the key
temperature 36.6
frame frames/rotated.pgm 6
temperature none
blank 40
say Visitor 12 again: another green code, but the bundle revoked this person — refused (revoked)
temperature 36.7
frame frames/contact-2.pgm 6
temperature none
blank 40
say Staff override: the staff button admits a visitor whose phone died — logged as an override
input staff_button
blank 40
say Fire alarm: the gate is held open until the alarm clears, whatever else happens
input fire_alarm on
blank 40
input fire_alarm off
blank 20
SCENARIO

cat > "$out/healthgate.toml" <<CONFIG
# Demo configuration written by scripts/make-visitors.sh (docs/configuration.md).
[gate]
id = "demo-gate"
venue = "market"

[rules]
approved_capacity = 40

[timing]
relay_pulse_ms = 800
admitted_hold_ms = 1000
refused_hold_ms = 1000
remeasure_delay_ms = 500

[codes]
trust_dir = "$out/trust"
# The demo machine may have no NTP; a real gate keeps this false (docs/configuration.md).
assume_clock_synchronised = true
presentation_absence_ms = 1000
# County bundles (docs/codes.md §11): the gate pins the county's public key; signed bundles arrive in the spool.
county_key = "$out/county/county.pem"
bundle_spool = "$out/spool"
bundle_dir = "$out/bundle"
max_bundle_age_h = 24
# warn, not the default refuse: the demo gate starts with no bundle (its first arrives mid-run), and under
# refuse a gate that never applied one refuses every code as stale_bundle. A real gate is installed with a
# current bundle in bundle_dir and keeps refuse.
stale_bundle = "warn"

[log]
database = "$out/entries.sqlite"

[paths]
status_file = "$out/status.json"
requests_dir = "$out/requests"
metrics_file = "$out/healthgate.prom"

# What the visitor is told (docs/decisions.md): the simulated board writes each screen as a PNG and each
# prompt's clip names to its transcript (stdout). Before [board]: the tests append [board.simulated] keys.
[screen]
enabled = true
language = "both"
png_dir = "$out/screens"
width = 800
height = 480

[voice]
enabled = true
language = "both"

[board]
profile = "simulated"

[board.simulated]
scenario = "$out/scenario.txt"
fps = 20
CONFIG
echo "visitors ready in $out (issued $now)"

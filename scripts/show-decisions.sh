#!/usr/bin/env bash
# Filters healthgated's log for the demo: decisions and faults, as a visitor and the staff see them.
# Everything else (the full log) is kept in demo-out/healthgated.log.
log=${DEMO_DIR:-demo-out}/healthgated.log
tee "$log" | grep --line-buffered -E ' (notice|error|critical|warning) ' | sed -u 's/^[0-9:.]* //'

#!/usr/bin/env bash
# make test: every suite the project has, each reported on its own line, then one closing line.
#   swift test          unit tests of every module + end-to-end runs of the real healthgated binary
#   fuzz                each libFuzzer target for FUZZ_SECONDS (default 60) — FuzzTesting/run.sh
#   vm                  the drivers against vivid, i2c-stub and gpio-sim under qemu — Tests/vm/run.sh
#   package             the .deb installs into a clean Debian 12 root — packaging/test-install.sh
# SKIP_SUITES="vm package" skips suites by name (say so loudly; CI skips none).
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0; failed=0; results=()
skip=" ${SKIP_SUITES:-} "

suite() {
    local name=$1; shift
    if [[ "$skip" == *" $name "* ]]; then
        echo "!!! suite $name SKIPPED by SKIP_SUITES — not tested in this run" >&2
        results+=("SKIP  $name")
        return
    fi
    [ -e "$1" ] || [ "$1" = swift_test ] || { echo "suite $name: $1 missing" >&2; results+=("FAIL  $name (missing $1)"); failed=$((failed+1)); return; }
    echo "=== suite $name: $*"
    local start=$SECONDS
    if "$@"; then
        results+=("PASS  $name ($((SECONDS-start)) s)"); passed=$((passed+1))
    else
        results+=("FAIL  $name ($((SECONDS-start)) s)"); failed=$((failed+1))
    fi
}

# swift test's output is also kept in a file, so the summary can repeat its failures: a CI log is often
# read from its end, thousands of lines after the failure.
swift_log=$(mktemp -t healthgate-swift-test.XXXXXX)
swift_test() { swift test 2>&1 | tee "$swift_log"; }
suite swift swift_test
[ -x FuzzTesting/run.sh ] && suite fuzz FuzzTesting/run.sh "${FUZZ_SECONDS:-60}"
[ -x Tests/vm/run.sh ] && suite vm Tests/vm/run.sh
[ -x packaging/test-install.sh ] && suite package packaging/test-install.sh

echo
if grep -qE '^✘|: error:' "$swift_log"; then
    echo "=== swift test failures (from $swift_log)"
    grep -E '^✘|: error:' "$swift_log" | cut -c1-600 | head -n 40
fi
echo "=== summary"
printf '%s\n' "${results[@]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

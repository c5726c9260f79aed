#!/usr/bin/env bash
# Headless-browser tests: starts the hearken binary on a free loopback port with a throwaway
# data directory, makes a designer, an analyst and an API token, then runs respond.mjs (the
# respondent pages) and staff.mjs (the designer's and analyst's journeys at 1280 and 390 px),
# both with playwright-core driving Debian's /usr/bin/chromium, checked with axe-core.
#
# staff.mjs saves a screenshot of every step into HEARKEN_BROWSER_SCREENSHOTS (default
# tests/browser/screenshots). HEARKEN_README_SHOTS=docs/screenshots also copies the three the
# README shows there, once every check has passed.
#
# Needs: the binary (HEARKEN_BIN, default ${CARGO_TARGET_DIR:-target}/debug/hearken, so run
# `cargo build` first), /usr/bin/chromium (`apt-get install -y chromium`), and `npm ci` run in
# this folder. Never downloads a browser; talks to 127.0.0.1 only.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" # the server reads templates/web relative to the working directory

bin=${HEARKEN_BIN:-${CARGO_TARGET_DIR:-target}/debug/hearken}
case $bin in /*) ;; *) bin=$root/$bin ;; esac
if [ ! -x "$bin" ]; then
    echo "browser test: no hearken binary at $bin (run cargo build, or set HEARKEN_BIN)" >&2
    exit 1
fi
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    echo "browser test: ${CHROMIUM:-/usr/bin/chromium} is missing (apt-get install -y chromium)" >&2
    exit 1
fi
if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/axe-core" ]; then
    echo "browser test: run (cd tests/browser && npm ci) first" >&2
    exit 1
fi

tmp=$(mktemp -d /tmp/hearken-browser.XXXXXX)
server_pid=
cleanup() {
    status=$?
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port, picked by the kernel.
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})')
base="http://127.0.0.1:$port"

export HEARKEN_DATA_DIR="$tmp/data"
export ROCKET_ADDRESS=127.0.0.1
export ROCKET_PORT="$port"
export HEARKEN_MAIL_TRANSPORT=memory
export ROCKET_LOG_LEVEL=critical
unset HEARKEN_DATABASE_URL HEARKEN_BASE_URL
mkdir -p "$HEARKEN_DATA_DIR"

HEARKEN_PASSWORD='browser-test-password-1' timeout 120 "$bin" user add \
    --email d@example.com --name 'Dana Designer' --role designer >/dev/null
HEARKEN_PASSWORD='browser-test-password-1' timeout 60 "$bin" user add \
    --email a@example.com --name 'Alex Analyst' --role analyst >/dev/null
token=$(timeout 60 "$bin" token create --email d@example.com)

"$bin" serve >"$tmp/server.log" 2>&1 &
server_pid=$!

# Wait (at most 60 s) until /health answers 200.
ready=
for _ in $(seq 1 120); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "browser test: the server exited early:" >&2
        cat "$tmp/server.log" >&2
        exit 1
    fi
    if node -e 'fetch(process.argv[1],{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))' \
        "$base/health"; then
        ready=1
        break
    fi
    sleep 0.5
done
if [ -z "$ready" ]; then
    echo "browser test: $base/health did not answer 200 within 60 s" >&2
    cat "$tmp/server.log" >&2
    exit 1
fi

shots=${HEARKEN_BROWSER_SCREENSHOTS:-$here/screenshots}
case $shots in /*) ;; *) shots=$root/$shots ;; esac
rm -f "$shots"/*.png 2>/dev/null || true # no stale step left to be mistaken for this run's

status=0
TMPDIR="$tmp" timeout 300 node "$here/respond.mjs" "$base" "$token" || status=$?
TMPDIR="$tmp" HEARKEN_BROWSER_SCREENSHOTS="$shots" timeout 200 node "$here/staff.mjs" "$base" "$token" || status=$?
if [ "$status" -eq 0 ] && [ -n "${HEARKEN_README_SHOTS:-}" ]; then
    mkdir -p "$HEARKEN_README_SHOTS"
    for shot in laptop-build laptop-results phone-preview; do
        cp "$shots/$shot.png" "$HEARKEN_README_SHOTS/$shot.png"
    done
    echo "browser test: README screenshots copied to $HEARKEN_README_SHOTS"
fi
if [ "$status" -ne 0 ]; then
    echo "--- server log" >&2
    tail -n 50 "$tmp/server.log" >&2 || true
fi
exit "$status"

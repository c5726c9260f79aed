#!/usr/bin/env bash
# The crash loops of security checks 39 (SQLite) and 40 (PostgreSQL) with their long settings:
# tests/it/crash_loop.rs run with a number of kills and a seed, kills 0.5 to 5 s after each
# start-up. The nightly runs are `--iterations 500 --backend sqlite` and
# `--iterations 200 --backend postgres`; a failure prints its seed, and `--seed` replays its
# kill times. Arguments after `--` go to `cargo test` (e.g. `-- --features postgres` to reuse
# a build made with that feature for the SQLite run).
set -euo pipefail

usage() {
    cat >&2 <<'USAGE'
usage: tests/crash/run.sh --backend sqlite|postgres [--iterations N] [--seed S] [-- CARGO_ARGS...]

  --backend sqlite     check 39: the server killed under load on an SQLite file
  --backend postgres   check 40: the server and its database killed under load, on a
                       throwaway PostgreSQL cluster the test makes itself; needs
                       HEARKEN_TEST_DATABASE_URL set (the switch the PostgreSQL runs share)
                       and PostgreSQL's server programs (HEARKEN_TEST_PG_BIN, pg_config
                       --bindir or /usr/lib/postgresql/*/bin)
  --iterations N       kills of the server (default: 20 for sqlite, 10 for postgres)
  --seed S             the seed a failed run printed, to replay its kill times
USAGE
    exit 2
}

backend= iterations= seed=
while [ $# -gt 0 ]; do
    case $1 in
        --backend) [ $# -ge 2 ] || usage; backend=$2; shift 2 ;;
        --iterations) [ $# -ge 2 ] || usage; iterations=$2; shift 2 ;;
        --seed) [ $# -ge 2 ] || usage; seed=$2; shift 2 ;;
        --) shift; break ;;
        -h | --help) usage ;;
        *) echo "run.sh: unknown argument: $1" >&2; usage ;;
    esac
done
whole_number='^[0-9]+$'
if [ -n "$iterations" ] && ! [[ $iterations =~ $whole_number && $iterations -gt 0 ]]; then
    echo "run.sh: --iterations needs a whole number above 0, not '$iterations'" >&2
    usage
fi
if [ -n "$seed" ] && ! [[ $seed =~ $whole_number ]]; then
    echo "run.sh: --seed needs a whole number, not '$seed'" >&2
    usage
fi

cd "$(dirname "$0")/../.."
export HEARKEN_CRASH_ITERATIONS=$iterations HEARKEN_CRASH_SEED=$seed
export HEARKEN_CRASH_MAX_DELAY_MS=${HEARKEN_CRASH_MAX_DELAY_MS:-5000}
case $backend in
    sqlite)
        # The PostgreSQL switch would turn the SQLite test into a no-op.
        exec env -u HEARKEN_TEST_DATABASE_URL \
            cargo test --test it "$@" crash_loop -- --nocapture
        ;;
    postgres)
        if [ -z "${HEARKEN_TEST_DATABASE_URL:-}" ]; then
            echo "run.sh: --backend postgres needs HEARKEN_TEST_DATABASE_URL" >&2
            usage
        fi
        exec cargo test --features postgres --test it "$@" crash_loop -- --nocapture
        ;;
    *)
        echo "run.sh: --backend must be sqlite or postgres" >&2
        usage
        ;;
esac

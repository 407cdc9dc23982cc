#!/usr/bin/env bash
# Everything docs/reliability.md reports, from one command:
#
#   bash reliability/run.sh            # every fault scenario at full length, then the long
#                                      # schemathesis run (tests/fuzz/long.sh); ~15 minutes
#   bash reliability/run.sh --quick    # the fault scenarios, short (~2 minutes): what CI runs
#                                      # (the short fuzz run is a test: cargo test api_fuzz)
#
# Builds daap in release mode (or uses $DAAP_BIN), then runs reliability/main.py, which
# starts a private PostgreSQL 15 per scenario (never the machine's server) and writes
# reliability/results/latest.json. Exit status 1 when any scenario or the fuzz run FAILs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
if [[ -z "${DAAP_BIN:-}" ]]; then
  target="${CARGO_TARGET_DIR:-$repo/target}"
  echo "building daap (release, target dir $target)..."
  (cd "$repo" && SQLX_OFFLINE=true PATH="$HOME/.cargo/bin:$PATH" \
     cargo build --release --bin daap --quiet)
  DAAP_BIN="$target/release/daap"
fi
[[ -x "$DAAP_BIN" ]] || { echo "no daap binary at $DAAP_BIN" >&2; exit 2; }
[[ -x "${PG_BIN:-/usr/lib/postgresql/15/bin}/initdb" ]] || {
  echo "PostgreSQL 15 server binaries not found (apt-get install postgresql-15)" >&2; exit 2; }
status=0
python3 "$here/main.py" --daap "$DAAP_BIN" "$@" || status=$?
case " $* " in
  *" --quick "* | *" --only "*) ;;
  *)
    echo
    echo "== the long schemathesis run (tests/fuzz/long.sh)"
    bash "$repo/tests/fuzz/long.sh" || status=1
    ;;
esac
exit "$status"

#!/usr/bin/env bash
# Fault-injection and load scenarios for daap (issue 16): bash reliability/run.sh [--quick]
# Builds daap in release mode (or uses $DAAP_BIN), then runs reliability/main.py, which
# starts a private PostgreSQL 15 per scenario (never the machine's server) and writes
# reliability/results/latest.json. Exit status 1 when any scenario FAILs.
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
exec python3 "$here/main.py" --daap "$DAAP_BIN" "$@"

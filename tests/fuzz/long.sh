#!/usr/bin/env bash
# A longer schemathesis run than CI's: the same test (tests/api/api_fuzz.rs), with more cases
# per operation and a seed of your choosing. Its result goes in docs/reliability.md.
#
#   bash tests/fuzz/long.sh                 # 300 cases per operation and phase, a random seed
#   FUZZ_EXAMPLES=1000 FUZZ_SEED=7 bash tests/fuzz/long.sh
#
# Needs schemathesis: `$DAAP_TEST_SCHEMATHESIS` or `st` on PATH (.ci/run installs it into
# ~/.cache/daap-ci/venv-st). PostgreSQL as for `cargo test` (DATABASE_URL, or a throwaway one).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

venv_st="${XDG_CACHE_HOME:-$HOME/.cache}/daap-ci/venv-st/bin/st"
if [ -z "${DAAP_TEST_SCHEMATHESIS:-}" ] && ! command -v st >/dev/null 2>&1 && [ -x "$venv_st" ]; then
  export DAAP_TEST_SCHEMATHESIS="$venv_st"
fi
export DAAP_REQUIRE_STANDINS=1
export DAAP_FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-300}"
export DAAP_FUZZ_SEED="${FUZZ_SEED:-$RANDOM$RANDOM}"
echo "== schemathesis: $DAAP_FUZZ_EXAMPLES cases per operation and phase, seed $DAAP_FUZZ_SEED"
SQLX_OFFLINE=true cargo test --test api -- --exact \
  api_fuzz::schemathesis_finds_no_server_error_and_no_disagreement_with_the_document --nocapture

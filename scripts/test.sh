#!/usr/bin/env bash
# The README's test command: makes the machine ready (scripts/setup.sh installs what is
# missing and starts the servers), then runs every test of the workspace. Extra
# arguments go to `cargo test` (e.g. `bash scripts/test.sh -p schema-replicator-cli`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
echo "== cargo test --workspace --locked $*"
cargo test --workspace --locked "$@"

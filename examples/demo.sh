#!/usr/bin/env bash
# Clone the embedded kitchen-sink SQLite database schema, then diff source and copy.
# Builds the command line with the SQLite dialect only (SQLite is compiled in), so it
# needs cargo and a C compiler, and neither libpq nor the MySQL client library.
# Run from anywhere: bash examples/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --locked -p schema-replicator-cli --no-default-features --features sqlite
bin=target/debug/schema-replicator
copy=target/kitchen-sink-copy.db
rm -f "$copy"
"$bin" clone sqlite://examples/kitchen-sink.db "sqlite://$copy"
"$bin" diff sqlite://examples/kitchen-sink.db "sqlite://$copy"

#!/usr/bin/env bash
# Clone the embedded kitchen-sink SQLite database schema, then diff source and copy.
# Run from anywhere: bash examples/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin schema-replicator
bin=target/debug/schema-replicator
copy=target/kitchen-sink-copy.db
rm -f "$copy"
"$bin" clone sqlite://examples/kitchen-sink.db "sqlite://$copy"
"$bin" diff sqlite://examples/kitchen-sink.db "sqlite://$copy"

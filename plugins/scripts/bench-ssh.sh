#!/bin/sh
# Measures the ssh provider against the process provider (numbers in README-ssh.md): the cost of
# one trivial batch, the per-batch overhead, and 16 one-second tests on 4 slots.
# Needs root and what tests/integration/test_ssh.py needs (it starts the same sshd hosts).
# Usage: plugins/scripts/bench-ssh.sh [BUILD_DIR]   (default: build, after `ninja -C build`)
set -eu
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=$(cd "${1:-$source_dir/build}" && pwd)
cd "$source_dir/tests/integration"
OFFLOAD_SSH_BENCH=1 OFFLOAD_BUILD_DIR=$build_dir OFFLOAD_SOURCE_DIR=$source_dir \
    OFFLOAD_FIXTURE_PLUGINS=$build_dir/tests PYTHONDONTWRITEBYTECODE=1 \
    exec python3 test_ssh.py

#!/bin/sh
# Benchmark, not a test: wall time of this example under offload (--parallel 1, 2, 4) against
# pytest alone and pytest-xdist (-n 2). Each runner runs once to warm up (offload's timing
# history, Python's bytecode caches), then RUNS times (default 3); the table shows the median
# and the fastest run. The flaky price feed is pinned to "up" and offload does not retry, so
# every runner does the same work. Runs in a copy of the example; needs build/offload and
# Debian's python3-pytest and python3-pytest-xdist.
#   examples/pytest/compare.sh [RUNS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
offload=${OFFLOAD:-$here/../../build/offload}
python=/usr/bin/python3
runs=${1:-3}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$here" --exclude=test-results --exclude=.offload --exclude=__pycache__ -cf - . | tar -C "$work" -xf -
export SHOPKIT_FEED=up

# Prints the wall time of one run of the command, in seconds. Exit codes 1 and 2 are expected
# (the example has one real bug); anything else means the runner itself failed.
seconds() {
    start=$(date +%s.%N)
    status=0
    (cd "$work" && "$@") >"$work/last-run.log" 2>&1 || status=$?
    end=$(date +%s.%N)
    if [ "$status" -gt 2 ]; then
        echo "compare.sh: '$*' failed with exit code $status:" >&2
        tail -20 "$work/last-run.log" >&2
        exit 1
    fi
    echo "$start $end" | awk '{ printf "%.2f\n", $2 - $1 }'
}

# Prints "median fastest" over $runs runs, after one warm-up run.
measure() {
    seconds "$@" >/dev/null
    times=$(
        i=0
        while [ "$i" -lt "$runs" ]; do
            seconds "$@"
            i=$((i + 1))
        done
    )
    echo "$times" | sort -n | awk '{ t[NR] = $1 } END { printf "%s %s\n", t[int((NR + 1) / 2)], t[1] }'
}

printf '%-26s %8s %8s %10s\n' runner median fastest "vs pytest"
baseline=
row() {
    label=$1
    shift
    result=$(measure "$@")   # an assignment keeps the exit code: set -e stops on a failed runner
    set -- $result
    [ -n "$baseline" ] || baseline=$1
    printf '%-26s %7ss %7ss %9sx\n' "$label" "$1" "$2" "$(echo "$baseline $1" | awk '{ printf "%.2f", $1 / $2 }')"
}
row "pytest" "$python" -m pytest -p no:cacheprovider -q
row "pytest -n 2 (xdist)" "$python" -m pytest -p no:cacheprovider -q -n 2
for parallel in 1 2 4; do
    row "offload --parallel $parallel" "$offload" run --parallel "$parallel" --retries 0
done

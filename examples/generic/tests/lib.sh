# Helpers sourced by every test: run from the example's directory (where offload.toml is).
wordstat=./wordstat

# expect EXPECTED ACTUAL WHAT
expect() {
    if [ "$1" != "$2" ]; then
        printf '%s\n--- expected\n%s\n--- got\n%s\n' "$3" "$1" "$2"
        echo "$3: expected '$1', got '$2'" >&2
        exit 1
    fi
}

# A large text: the words "alpha" to "golf" repeated with known frequencies, in $1 lines.
big_text() {
    awk -v lines="$1" 'BEGIN { for (i = 1; i <= lines; i++) print "Alpha bravo alpha, charlie! delta alpha bravo echo foxtrot golf" }'
}

retry=./retry

# Seconds since the epoch, with fractions.
now() { date +%s.%N; }

# expect_between LOW HIGH START WHAT: the time since START is within [LOW, HIGH] seconds.
expect_between() {
    elapsed=$(awk -v s="$3" -v e="$(now)" 'BEGIN { printf "%.2f", e - s }')
    if ! awk -v x="$elapsed" -v lo="$1" -v hi="$2" 'BEGIN { exit !(x >= lo && x <= hi) }'; then
        echo "$4: took ${elapsed}s, expected between $1 and $2" >&2
        exit 1
    fi
}

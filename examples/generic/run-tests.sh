#!/bin/sh
# Runs the test scripts given as arguments and writes one JUnit XML report.
#   run-tests.sh REPORT.xml tests/test_a.sh tests/test_b.sh ...
# A test passes when it exits 0; its stderr becomes the failure message, its output the details.
# Exits 1 if any test failed.
set -u
report=$1; shift
cases="" failures=0
escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
for test in "$@"; do
    output=$(mktemp)
    start=$(date +%s.%N)
    sh "$test" >"$output" 2>&1
    status=$?
    time=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f", e - s }')
    name=$(printf '%s' "$test" | escape)
    if [ $status -eq 0 ]; then
        cases="$cases<testcase classname=\"wordstat\" name=\"$name\" time=\"$time\"/>"
    else
        failures=$((failures + 1))
        message=$(tail -n 1 "$output" | escape)
        details=$(escape < "$output")
        cases="$cases<testcase classname=\"wordstat\" name=\"$name\" time=\"$time\"><failure message=\"$message\">$details</failure></testcase>"
    fi
    rm -f "$output"
done
printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="wordstat" tests="%s" failures="%s">%s</testsuite>\n' \
    "$#" "$failures" "$cases" > "$report"
[ $failures -eq 0 ]

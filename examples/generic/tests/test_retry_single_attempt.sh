. tests/lib.sh
start=$(now)
$retry 1 5 false
expect 1 "$?" "one attempt, no delay"
expect_between 0 0.5 "$start" "no delay after the last attempt"

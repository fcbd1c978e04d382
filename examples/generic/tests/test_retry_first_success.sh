. tests/lib.sh
start=$(now)
expect "hello" "$($retry 3 1 echo hello)" "output passes through"
expect_between 0 0.5 "$start" "no delay after a success"

. tests/lib.sh
start=$(now)
$retry 3 0.4 sh -c 'exit 7'
expect 7 "$?" "exit code of the last attempt"
expect_between 0.8 1.5 "$start" "delays between the three attempts only"

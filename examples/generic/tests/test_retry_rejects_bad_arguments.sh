. tests/lib.sh
$retry 0 1 true 2>/dev/null
expect 2 "$?" "zero attempts"
$retry 3 soon true 2>/dev/null
expect 2 "$?" "a delay that is not a number"
$retry 3 2>/dev/null
expect 2 "$?" "no command"

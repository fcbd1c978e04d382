. tests/lib.sh
expect "3 b
2 a" "$(echo 'a b b a b c' | $wordstat top 2)" "most frequent first"

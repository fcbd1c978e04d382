. tests/lib.sh
expect "3 word" "$(echo 'Word WORD word' | $wordstat top 1)" "case-insensitive"

. tests/lib.sh
expect 0 "$(printf '' | $wordstat count)" "empty input"
expect 0 "$(printf '  \n\n\t\n' | $wordstat count)" "only white space"

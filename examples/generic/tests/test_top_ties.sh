. tests/lib.sh
expect "2 x
2 y" "$(echo 'y x y x z' | $wordstat top 2)" "ties in alphabetical order"

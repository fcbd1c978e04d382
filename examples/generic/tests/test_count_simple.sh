. tests/lib.sh
expect 4 "$(printf 'one two\nthree  four\n' | $wordstat count)" "words on two lines"

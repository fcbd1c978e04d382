. tests/lib.sh
expect 3 "$(printf 'a\nb\nc\n' | $wordstat lines)" "three lines"

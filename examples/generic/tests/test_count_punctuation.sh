. tests/lib.sh
expect 5 "$(echo "Hello, world! It's a test." | $wordstat count)" "punctuation separates words, apostrophes do not"

# A large input: 100,000 lines of 10 words.
. tests/lib.sh
file=$(mktemp)
big_text 100000 > "$file"
expect 1000000 "$($wordstat count "$file")" "words in a large file"
rm -f "$file"

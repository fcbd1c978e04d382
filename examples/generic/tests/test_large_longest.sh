. tests/lib.sh
file=$(mktemp)
big_text 100000 > "$file"
expect "charlie" "$($wordstat longest "$file")" "longest word of a large file (the first of charlie and foxtrot)"
rm -f "$file"

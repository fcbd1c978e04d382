# A large input: the frequencies must hold at scale.
. tests/lib.sh
file=$(mktemp)
big_text 100000 > "$file"
expect "300000 alpha
200000 bravo
100000 charlie" "$($wordstat top 3 "$file")" "top words of a large file"
rm -f "$file"

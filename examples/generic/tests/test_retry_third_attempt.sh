# A command that succeeds on its third run: two delays of 0.5 s.
. tests/lib.sh
counter=$(mktemp)
echo 0 > "$counter"
start=$(now)
$retry 5 0.5 sh -c 'n=$(($(cat "$1") + 1)); echo $n > "$1"; [ $n -ge 3 ]' sh "$counter" || { echo "gave up" >&2; exit 1; }
expect 3 "$(cat "$counter")" "runs until the third attempt"
expect_between 1.0 1.8 "$start" "two delays"
rm -f "$counter"

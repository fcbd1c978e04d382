. tests/lib.sh
if echo a | $wordstat top many 2>/dev/null; then
    echo "top accepted a non-number" >&2
    exit 1
fi

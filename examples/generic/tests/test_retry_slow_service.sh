# A "service" that becomes ready after 1.5 s: retry polls it every 0.5 s.
. tests/lib.sh
ready=$(mktemp -u)
(sleep 1.5; touch "$ready") &
start=$(now)
$retry 10 0.5 test -e "$ready" || { echo "the service never became ready" >&2; exit 1; }
expect_between 1.4 2.6 "$start" "ready after about 1.5 s"
rm -f "$ready"
wait

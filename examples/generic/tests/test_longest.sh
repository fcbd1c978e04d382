. tests/lib.sh
expect "extraordinary" "$(echo 'a quite extraordinary sentence indeed' | $wordstat longest)" "longest word"

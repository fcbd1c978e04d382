//! The `tally` binary, run as a user would.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn tally(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tally starts");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn smoke() {
    assert!(tally(&[], "").status.success());
}

#[test]
fn prints_top_words() {
    let output = tally(&["2"], "the cat saw the dog saw the end");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "3 the\n2 saw\n");
}

#[test]
fn rejects_a_bad_count() {
    let output = tally(&["zero"], "");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a positive number"));
}

#[test]
fn reads_a_large_input() {
    // Streams a few megabytes through the binary, then waits out a slow consumer's pace.
    let output = tally(&["1"], &"word ".repeat(500_000));
    std::thread::sleep(std::time::Duration::from_millis(250));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "500000 word\n");
}

//! The library as another crate sees it.

use std::time::{Duration, Instant};
use tally::rate::RateLimiter;
use tally::Tally;

#[test]
fn smoke() {
    let mut tally = Tally::new();
    tally.add_text("one two two");
    assert_eq!(tally.count("two"), 2);
}

#[test]
fn merged_tallies_rank_together() {
    let mut a = Tally::new();
    a.add_text("red red blue");
    let mut b = Tally::new();
    b.add_text("blue blue green");
    a.merge(&b);
    assert_eq!(a.top(1), vec![("blue".to_string(), 3)]);
}

#[test]
fn limiter_paces_a_burst() {
    let mut limiter = RateLimiter::new(Duration::from_millis(150));
    let start = Instant::now();
    for _ in 0..4 {
        limiter.wait();
    }
    assert!(start.elapsed() >= Duration::from_millis(450));
}

mod files {
    use tally::Tally;

    #[test]
    fn counts_a_file() {
        let path = std::env::temp_dir().join(format!("tally-api-{}.txt", std::process::id()));
        std::fs::write(&path, "a file with a few words in a line").unwrap();
        let mut tally = Tally::new();
        tally.add_text(&std::fs::read_to_string(&path).unwrap());
        std::fs::remove_file(&path).unwrap();
        assert_eq!(tally.count("a"), 3);
    }
}

//! Word tallies: count the words of texts, merge counts, list the most frequent words.
//!
//! ```
//! let mut tally = tally::Tally::new();
//! tally.add_text("to be or not to be");
//! assert_eq!(tally.top(2), vec![("be".to_string(), 2), ("to".to_string(), 2)]);
//! ```

#[cfg(feature = "json")]
pub mod json;
pub mod rate;
pub mod words;

use std::collections::HashMap;

/// How often each word occurred.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Tally {
    counts: HashMap<String, u64>,
}

impl Tally {
    /// An empty tally.
    ///
    /// ```
    /// assert_eq!(tally::Tally::new().total(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts every word of `text` (see [`words::split`]).
    ///
    /// ```
    /// let mut tally = tally::Tally::new();
    /// tally.add_text("Hello, hello!");
    /// assert_eq!(tally.count("hello"), 2);
    /// ```
    pub fn add_text(&mut self, text: &str) {
        for word in words::split(text) {
            *self.counts.entry(word).or_insert(0) += 1;
        }
    }

    /// How often `word` occurred.
    pub fn count(&self, word: &str) -> u64 {
        self.counts.get(word).copied().unwrap_or(0)
    }

    /// The number of words counted.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Adds the counts of `other` to this tally.
    pub fn merge(&mut self, other: &Tally) {
        for (word, count) in &other.counts {
            *self.counts.entry(word.clone()).or_insert(0) += count;
        }
    }

    /// The `n` most frequent words, most frequent first, ties in alphabetical order.
    ///
    /// # Panics
    /// When `n` is 0: asking for no words is a mistake of the caller.
    ///
    /// ```should_panic
    /// tally::Tally::new().top(0);
    /// ```
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        assert!(n > 0, "top(0) asks for no words");
        let mut entries: Vec<(String, u64)> = self.counts.iter().map(|(w, c)| (w.clone(), *c)).collect();
        entries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        entries.truncate(n);
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::Tally;

    fn tally(text: &str) -> Tally {
        let mut tally = Tally::new();
        tally.add_text(text);
        tally
    }

    #[test]
    fn smoke() {
        assert_eq!(tally("a b a").total(), 3);
    }

    #[test]
    fn merges_counts() {
        let mut left = tally("a b");
        left.merge(&tally("b c"));
        assert_eq!((left.count("a"), left.count("b"), left.count("c")), (1, 2, 1));
    }

    #[test]
    #[should_panic(expected = "asks for no words")]
    fn top_zero_panics() {
        tally("a").top(0);
    }

    mod top {
        use super::tally;

        #[test]
        fn most_frequent_first() {
            assert_eq!(tally("x y y").top(1), vec![("y".to_string(), 2)]);
        }

        #[test]
        fn ties_in_alphabetical_order() {
            assert_eq!(tally("b a").top(2), vec![("a".to_string(), 1), ("b".to_string(), 1)]);
        }

        #[test]
        fn large_text() {
            // A bigger input, the way a real corpus test would read one: takes a moment.
            let text = "lorem ipsum dolor sit amet ".repeat(20_000);
            std::thread::sleep(std::time::Duration::from_millis(300));
            assert_eq!(tally(&text).top(1)[0].1, 20_000);
        }
    }
}

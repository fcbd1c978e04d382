//! Splitting text into words.

/// The words of `text`: runs of letters, digits and apostrophes, lowercased.
///
/// ```
/// assert_eq!(tally::words::split("It's 9 o'clock!"), vec!["it's", "9", "o'clock"]);
/// ```
pub fn split(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|word| word.trim_matches('\''))
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn lowercases() {
        assert_eq!(split("Rust RUST rust"), vec!["rust"; 3]);
    }

    #[test]
    fn drops_punctuation() {
        assert_eq!(split("a, b; (c)"), vec!["a", "b", "c"]);
    }

    mod unicode {
        use super::split;

        #[test]
        fn keeps_accented_letters() {
            assert_eq!(split("Crème brûlée"), vec!["crème", "brûlée"]);
        }

        #[test]
        fn quotes_are_not_words() {
            assert_eq!(split("'quoted'"), vec!["quoted"]);
        }
    }
}

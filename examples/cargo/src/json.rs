//! A tally as JSON (with the `json` feature).

use crate::Tally;

/// The `n` most frequent words as a JSON object, most frequent first.
///
/// ```
/// let mut tally = tally::Tally::new();
/// tally.add_text("b a b");
/// assert_eq!(tally::json::top_json(&tally, 2), r#"{"b": 2, "a": 1}"#);
/// ```
pub fn top_json(tally: &Tally, n: usize) -> String {
    let fields: Vec<String> = tally
        .top(n)
        .iter()
        .map(|(word, count)| format!("\"{}\": {}", word.replace('\\', "\\\\").replace('"', "\\\""), count))
        .collect();
    format!("{{{}}}", fields.join(", "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_an_object() {
        let mut tally = crate::Tally::new();
        tally.add_text("x");
        assert_eq!(super::top_json(&tally, 1), r#"{"x": 1}"#);
    }
}

//! tally: prints the most frequent words of its standard input.
//!   tally [N]     N words (default 10)

use std::io::Read;
use std::process::ExitCode;

fn parse_count(args: &[String]) -> Result<usize, String> {
    match args {
        [] => Ok(10),
        [n] => match n.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("not a positive number: {}", n)),
        },
        _ => Err("usage: tally [N]".to_string()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = match parse_count(&args) {
        Ok(n) => n,
        Err(message) => {
            eprintln!("tally: {}", message);
            return ExitCode::from(2);
        }
    };
    let mut text = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("tally: cannot read standard input: {}", error);
        return ExitCode::from(1);
    }
    let mut tally = tally::Tally::new();
    tally.add_text(&text);
    for (word, count) in tally.top(n) {
        println!("{} {}", count, word);
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::parse_count;

    #[test]
    fn smoke() {
        assert_eq!(parse_count(&[]), Ok(10));
    }

    #[test]
    fn parses_a_count() {
        assert_eq!(parse_count(&["3".to_string()]), Ok(3));
    }

    #[test]
    fn rejects_zero() {
        assert!(parse_count(&["0".to_string()]).is_err());
    }
}

//! Unit conversions, the Rust half of a repository whose other half is Python.

/// Kilometres in `miles` miles.
pub fn miles_to_km(miles: f64) -> f64 {
    miles * 1.609_344
}

/// Degrees Fahrenheit for `celsius` degrees Celsius.
pub fn celsius_to_fahrenheit(celsius: f64) -> f64 {
    celsius * 9.0 / 5.0 + 32.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mile_is_a_bit_more_than_one_and_a_half_km() {
        assert!((miles_to_km(1.0) - 1.609_344).abs() < 1e-9);
    }

    #[test]
    fn water_boils_at_212_fahrenheit() {
        assert_eq!(celsius_to_fahrenheit(100.0), 212.0);
    }

    #[test]
    fn body_temperature_is_98_6_fahrenheit() {
        // Wrong on purpose: 37 °C is 98.6 °F, not 98.0 — the example's Rust failure.
        assert_eq!(celsius_to_fahrenheit(37.0).round(), 98.0);
    }

    #[test]
    fn freezing_takes_a_moment() {
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert_eq!(celsius_to_fahrenheit(0.0), 32.0);
    }
}

//! Human durations in configuration: `500ms`, `10s`, `5m`, `2h`, `30d` (a bare number is seconds).

use std::time::Duration;

/// Parses a duration such as `1s`, `500ms`, `5m`, `2h` or `30d`.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("expected a duration like 500ms, 10s, 5m, 2h or 30d, got {raw:?}"))?;
    let millis_per_unit = match unit {
        "ms" => 1,
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {raw:?}; use ms, s, m, h or d"
            ))
        }
    };
    value
        .checked_mul(millis_per_unit)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("duration {raw:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_unit() {
        let cases = [
            ("500ms", 500),
            ("10", 10_000),
            ("10s", 10_000),
            ("5m", 300_000),
            ("2h", 7_200_000),
            ("30d", 2_592_000_000),
        ];
        for (raw, ms) in cases {
            assert_eq!(parse_duration(raw), Ok(Duration::from_millis(ms)), "{raw}");
        }
    }

    #[test]
    fn rejects_garbage() {
        for raw in [
            "",
            "s",
            "1.5s",
            "-1s",
            "10 years",
            "1w",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(raw).is_err(), "{raw}");
        }
    }
}

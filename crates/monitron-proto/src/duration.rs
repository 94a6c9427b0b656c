//! Durations as people write them in configuration: a whole number and a unit, `500ms`,
//! `10s`, `5m`, `2h` or `30d`; a bare number counts as seconds. The server and the agent read
//! their variables with this one parser so that the same text means the same time in both.

use std::time::Duration;

const UNITS: [(&str, u64); 5] = [
    ("ms", 1),
    ("s", 1_000),
    ("m", 60_000),
    ("h", 3_600_000),
    ("d", 86_400_000),
];

/// Parses `500ms`, `10s`, `5m`, `2h`, `30d` or a bare number of seconds.
pub fn parse(raw: &str) -> Result<Duration, String> {
    let text = raw.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let expected = || format!("expected a duration like 500ms, 10s, 5m, 2h or 30d, got {raw:?}");
    let value: u64 = number.parse().map_err(|_| expected())?;
    let millis_per_unit = match unit.trim() {
        "" => 1_000,
        unit => UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, ms)| *ms)
            .ok_or_else(|| format!("unknown unit {unit:?} in {raw:?}; use ms, s, m, h or d"))?,
    };
    value
        .checked_mul(millis_per_unit)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("duration {raw:?} is too large"))
}

/// Writes a duration in the largest unit that keeps it whole, so [`parse`] reads it back.
pub fn format(duration: Duration) -> String {
    let ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 {
        return "0s".into();
    }
    let (unit, per) = UNITS
        .iter()
        .rev()
        .find(|(_, per)| ms % per == 0)
        .copied()
        .unwrap_or(("ms", 1));
    format!("{}{unit}", ms / per)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_unit_and_bare_seconds() {
        let cases = [
            ("500ms", 500),
            ("10", 10_000),
            ("10s", 10_000),
            (" 5m ", 300_000),
            ("2h", 7_200_000),
            ("30d", 2_592_000_000),
            ("0s", 0),
        ];
        for (raw, ms) in cases {
            assert_eq!(parse(raw), Ok(Duration::from_millis(ms)), "{raw}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for raw in [
            "",
            "s",
            "1.5s",
            "-1s",
            "10 years",
            "1w",
            "99999999999999999999d",
            "5 minutes",
        ] {
            assert!(parse(raw).is_err(), "{raw}");
        }
        assert!(parse("1w").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn formats_what_it_parses() {
        for ms in [
            0, 1, 500, 1_000, 90_000, 300_000, 7_200_000, 86_400_000, 86_401_000,
        ] {
            let d = Duration::from_millis(ms);
            assert_eq!(parse(&format(d)), Ok(d), "{ms}");
        }
        assert_eq!(format(Duration::from_secs(300)), "5m");
        assert_eq!(format(Duration::from_secs(86_400)), "1d");
        assert_eq!(format(Duration::from_millis(1_500)), "1500ms");
    }
}

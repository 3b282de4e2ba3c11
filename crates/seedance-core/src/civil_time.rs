//! Unix time as a UTC calendar date and time of day: what people read
//! (task lists, price dates) and what Ark writes into task ids. Pure
//! arithmetic (Howard Hinnant's days-to-civil algorithm), no clock read:
//! callers pass the time.
//!
//! ```
//! use seedance_core::civil_time::CivilTime;
//!
//! let t = CivilTime::from_unix(951_782_400 + 3_725);
//! assert_eq!(t.date(), "2000-02-29");
//! assert_eq!(t.to_string(), "2000-02-29 01:02:05 UTC");
//! ```

/// A moment in UTC, split into calendar fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilTime {
    /// The year (proleptic Gregorian).
    pub year: i64,
    /// The month, 1-12.
    pub month: u8,
    /// The day of the month, 1-31.
    pub day: u8,
    /// The hour, 0-23.
    pub hour: u8,
    /// The minute, 0-59.
    pub minute: u8,
    /// The second, 0-59.
    pub second: u8,
}

impl CivilTime {
    /// The UTC date and time of `secs` seconds since 1970-01-01 00:00 UTC
    /// (negative: before it).
    pub fn from_unix(secs: i64) -> CivilTime {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        // Every field below is in range by construction.
        CivilTime {
            year,
            month: month as u8,
            day: day as u8,
            hour: (rem / 3600) as u8,
            minute: (rem % 3600 / 60) as u8,
            second: (rem % 60) as u8,
        }
    }

    /// `YYYY-MM-DD`.
    pub fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `YYYYMMDDhhmmss`, the compact form (as in Ark's task ids).
    pub fn compact(&self) -> String {
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl std::fmt::Display for CivilTime {
    /// `YYYY-MM-DD hh:mm:ss UTC`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {:02}:{:02}:{:02} UTC",
            self.date(),
            self.hour,
            self.minute,
            self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::CivilTime;

    #[test]
    fn known_moments() {
        assert_eq!(
            CivilTime::from_unix(0).to_string(),
            "1970-01-01 00:00:00 UTC"
        );
        assert_eq!(CivilTime::from_unix(951_782_400).date(), "2000-02-29");
        assert_eq!(
            CivilTime::from_unix(1_796_416_631).to_string(),
            "2026-12-04 20:37:11 UTC"
        );
        assert_eq!(
            CivilTime::from_unix(-1).to_string(),
            "1969-12-31 23:59:59 UTC"
        );
        assert_eq!(
            CivilTime::from_unix(1_796_416_631).compact(),
            "20261204203711"
        );
    }

    #[test]
    fn every_day_follows_the_one_before() {
        // 1900-2100 day by day: the date only ever moves to the next day.
        let mut last = CivilTime::from_unix(-2_208_988_800);
        assert_eq!(last.date(), "1900-01-01");
        for day in 1..73_049i64 {
            let t = CivilTime::from_unix(-2_208_988_800 + day * 86_400);
            let next_in_month =
                t.year == last.year && t.month == last.month && t.day == last.day + 1;
            let new_month = t.day == 1
                && ((t.year == last.year && t.month == last.month + 1)
                    || (t.year == last.year + 1 && t.month == 1 && last.month == 12));
            assert!(
                next_in_month || new_month,
                "{} after {}",
                t.date(),
                last.date()
            );
            last = t;
        }
        assert_eq!(last.date(), "2099-12-31");
    }
}

//! The product's "now" and "today": Japan's, whatever the server's time zone. City halls work
//! on Japan Standard Time (no daylight saving), so a date typed or shown is a JST date; the
//! server's own `TZ` plays no part. A fixed clock lets tests stand at any moment.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// UTC+9.
pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// The moment `at` as Japanese local time.
pub fn in_japan(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&jst())
}

/// Where the application reads the time from.
#[derive(Clone, Copy, Debug, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// Always this moment (tests).
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => *at,
        }
    }

    /// The current moment in Japan.
    pub fn now_in_japan(&self) -> DateTime<FixedOffset> {
        in_japan(self.now())
    }

    /// Today's date in Japan.
    pub fn today(&self) -> NaiveDate {
        self.now_in_japan().date_naive()
    }
}

/// Today's date in Japan, by the system clock (commands and background work).
pub fn today() -> NaiveDate {
    Clock::System.today()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japan_is_a_day_ahead_of_utc_in_the_morning() {
        let at = "2026-12-06T23:01:00Z".parse::<DateTime<Utc>>().unwrap();
        let clock = Clock::Fixed(at);
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        assert_eq!(
            at.date_naive(),
            NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
        );
        let evening = "2026-12-07T14:59:59Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            Clock::Fixed(evening).today(),
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
    }
}

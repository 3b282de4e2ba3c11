//! What a task costs and the prepaid balance it is charged to. The
//! simulator's own units: video-seconds at 720p (480p half, 1080p double,
//! 4k four times), and 0.1 of currency per video-second on the task's `cost`.

/// Video-seconds at 720p that `seconds` of `resolution` cost.
pub(crate) fn video_seconds(seconds: u32, resolution: &str) -> f64 {
    let weight = match resolution {
        "480p" => 0.5,
        "1080p" => 2.0,
        "4k" => 4.0,
        _ => 1.0,
    };
    f64::from(seconds) * weight
}

/// The `cost` field reported on a task charged `video_seconds`.
pub(crate) fn reported_cost(video_seconds: f64) -> f64 {
    (video_seconds * 0.1 * 10_000.0).round() / 10_000.0
}

/// A prepaid balance (or none: unlimited).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ledger {
    balance: Option<f64>,
    charged: f64,
}

/// The balance does not cover a charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InsufficientBalance;

impl Ledger {
    pub(crate) fn new(balance: Option<f64>) -> Self {
        Ledger {
            balance,
            charged: 0.0,
        }
    }

    /// Charges `amount` video-seconds, or refuses without charging.
    pub(crate) fn charge(&mut self, amount: f64) -> Result<(), InsufficientBalance> {
        if let Some(balance) = self.balance {
            if balance < amount {
                return Err(InsufficientBalance);
            }
            self.balance = Some(balance - amount);
        }
        self.charged += amount;
        Ok(())
    }

    /// A ledger as it stood: `balance` left and `charged` so far.
    pub(crate) fn restored(balance: Option<f64>, charged: f64) -> Self {
        Ledger { balance, charged }
    }

    /// The balance left (`None`: unlimited).
    pub(crate) fn balance(&self) -> Option<f64> {
        self.balance
    }

    /// Everything charged so far.
    pub(crate) fn charged(&self) -> f64 {
        self.charged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_charge_the_balance_cannot_cover_is_refused_whole() {
        let mut ledger = Ledger::new(Some(10.0));
        assert_eq!(ledger.charge(video_seconds(5, "1080p")), Ok(()));
        assert_eq!(
            ledger.charge(video_seconds(1, "480p")),
            Err(InsufficientBalance)
        );
        assert_eq!(ledger.charged(), 10.0);
        assert_eq!(reported_cost(video_seconds(5, "720p")), 0.5);
    }
}

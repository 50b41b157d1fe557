//! What the caller tells the verifier.

/// Options of one verification.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The identity the badge should have been awarded to (an email address, a URL, a DID...):
    /// checked against a plain or hashed recipient. Without it the recipient check is skipped.
    pub recipient: Option<String>,
    /// "Now" as Unix seconds, for checking validity periods; `None` means the system clock.
    /// Tests set it so that their vectors never expire.
    pub now: Option<i64>,
}

impl Options {
    /// The moment validity periods are checked against.
    pub fn now(&self) -> i64 {
        self.now.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        })
    }
}

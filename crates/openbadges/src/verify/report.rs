//! The verification report: the same shape for every format.

use serde::Serialize;

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The check was made and passed.
    Pass,
    /// The check was made and failed: the badge is not valid.
    Fail,
    /// Something a displayer must show, though the badge is not proven invalid (for example,
    /// revocation could not be checked).
    Warning,
    /// The check does not apply to this badge (no expiry date, no revocation list...).
    Skipped,
}

/// One check of the pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// A stable identifier, e.g. `proof`, `issuer-key`, `expiry`, `revocation`.
    pub id: String,
    /// The outcome.
    pub status: Status,
    /// What was found, in words a person understands.
    pub message: String,
}

/// What the badge says, as far as it could be read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// `Open Badges 2.0` or `Open Badges 3.0`, when known.
    pub version: Option<String>,
    /// The issuer's name, from its profile.
    pub issuer_name: Option<String>,
    /// The issuer's id: a URL or a DID.
    pub issuer_id: Option<String>,
    /// The achievement's (OB 3.0) or badge class's (OB 2.0) name.
    pub achievement_name: Option<String>,
    /// Who the badge was awarded to, as the badge says it (an identity, a hash or a DID).
    pub recipient: Option<String>,
    /// ISO 8601.
    pub issued: Option<String>,
    /// ISO 8601.
    pub expires: Option<String>,
    /// `Some(true)` revoked, `Some(false)` checked and not revoked, `None` not known.
    pub revoked: Option<bool>,
}

/// The verdict on one badge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// True when no check failed (warnings are shown but do not invalidate).
    pub valid: bool,
    /// What was verified: `ob2-hosted`, `ob2-signed`, `ob3-data-integrity`, `ob3-jwt`, or
    /// `unknown` when the input could not be recognised.
    pub format: String,
    /// Every check made, in order.
    pub checks: Vec<Check>,
    /// What the badge says.
    pub summary: Summary,
}

impl Report {
    /// An empty report for `format`, to which checks are added.
    pub fn new(format: &str) -> Report {
        Report {
            valid: true,
            format: format.to_string(),
            checks: Vec::new(),
            summary: Summary::default(),
        }
    }

    /// Records a check; a failure makes the report invalid.
    pub fn check(&mut self, id: &str, status: Status, message: impl Into<String>) -> &mut Report {
        if status == Status::Fail {
            self.valid = false;
        }
        self.checks.push(Check {
            id: id.to_string(),
            status,
            message: message.into(),
        });
        self
    }

    /// Whether any check has this status.
    pub fn has(&self, status: Status) -> bool {
        self.checks.iter().any(|c| c.status == status)
    }

    /// The check with this id, if it was made.
    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_failed_check_makes_the_report_invalid_and_a_warning_does_not() {
        let mut report = Report::new("ob3-data-integrity");
        report.check("proof", Status::Pass, "The signature is valid.");
        report.check(
            "revocation",
            Status::Warning,
            "Revocation could not be checked.",
        );
        assert!(report.valid);
        report.check("expiry", Status::Fail, "Expired on 2020-01-01.");
        assert!(!report.valid);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["checks"][1]["status"], "warning");
        assert_eq!(json["valid"], false);
    }
}

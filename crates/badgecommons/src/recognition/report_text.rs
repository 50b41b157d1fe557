//! A verification report as a person reads it in a terminal.

use openbadges::verify::{Report, Status};

/// The verdict, the summary and one line per check.
pub fn report_text(report: &Report) -> String {
    let mut out = String::new();
    let verdict = if report.valid { "VALID" } else { "NOT VALID" };
    out.push_str(&format!("{verdict} ({})\n", report.format));
    let summary = &report.summary;
    let fields = [
        ("version", &summary.version),
        ("issuer", &summary.issuer_name),
        ("issuer id", &summary.issuer_id),
        ("achievement", &summary.achievement_name),
        ("recipient", &summary.recipient),
        ("issued", &summary.issued),
        ("expires", &summary.expires),
    ];
    for (label, value) in fields {
        if let Some(value) = value {
            out.push_str(&format!("  {label:<12} {value}\n"));
        }
    }
    let revoked = match summary.revoked {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not known",
    };
    out.push_str(&format!("  {:<12} {revoked}\n", "revoked"));
    for check in &report.checks {
        let mark = match check.status {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Warning => "WARN",
            Status::Skipped => "skip",
        };
        out.push_str(&format!("  [{mark}] {}: {}\n", check.id, check.message));
    }
    out
}

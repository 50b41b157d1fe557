//! Members and their roles.

use serde::{Deserialize, Serialize};

/// What a member may do beyond posting.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    /// Reads a stored role; anything unknown is the least privileged.
    pub fn parse(text: &str) -> Role {
        match text {
            "admin" => Role::Admin,
            "moderator" => Role::Moderator,
            _ => Role::Member,
        }
    }
}

/// A signed-in member, as the request handlers see them.
#[derive(Clone, Debug)]
pub struct Member {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// Approved to post (always, unless sign-up needs approval and nobody approved yet).
    pub approved: bool,
    /// Suspended until this Unix time, if in the future.
    pub suspended_until: Option<i64>,
}

impl Member {
    pub fn is_staff(&self) -> bool {
        self.role >= Role::Moderator
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn is_suspended(&self, now: i64) -> bool {
        self.suspended_until.is_some_and(|until| until > now)
    }
}

/// A member's public profile.
#[derive(Clone, Debug)]
pub struct Profile {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub bio: String,
    pub website: String,
    pub created_at: i64,
    pub suspended_until: Option<i64>,
}

/// Usernames: letters, digits, `_` and `-`, up to 32, starting with a letter, digit or `_`; the
/// same rule that recognises @mentions.
pub fn username_problem(username: &str) -> Option<&'static str> {
    let mut chars = username.chars();
    let Some(first) = chars.next() else {
        return Some("Choose a username.");
    };
    if username.len() > 32 {
        return Some("A username has at most 32 characters.");
    }
    if !(first.is_ascii_alphanumeric() || first == '_') {
        return Some("A username starts with a letter, a digit or _.");
    }
    if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Some("A username has only letters, digits, _ and -.");
    }
    None
}

/// A light check that an email address has the form name@domain; real proof needs a sent mail.
pub fn email_problem(email: &str) -> Option<&'static str> {
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(name, domain)| {
            !name.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !email.contains(char::is_whitespace)
        });
    (!valid).then_some("Enter a valid email address.")
}

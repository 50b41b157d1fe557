//! Settings: command-line flags first, then `BADGECOMMONS_*` environment variables (clap reads
//! both), then an optional TOML file, then defaults — so `serve` needs none of them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::net::{parse_allow_list, FetchPolicy};
use crate::store;

/// Who may create an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SignupMode {
    /// Anyone may sign up and post at once.
    Open,
    /// Anyone may sign up; a moderator approves the account before it can post.
    Approval,
    /// Only people holding an invite code from an admin may sign up.
    Invite,
}

impl SignupMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SignupMode::Open => "open",
            SignupMode::Approval => "approval",
            SignupMode::Invite => "invite",
        }
    }
}

/// Everything the server needs to know, resolved from flags, environment, file and defaults.
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// The public address, used for canonical links, feeds and cookies' `Secure` flag.
    pub public_url: String,
    pub site_name: String,
    pub signup: SignupMode,
    /// How many of a new member's first posts wait for a moderator (0: none).
    pub first_posts_need_approval: u32,
    pub limits: RateLimitSettings,
    /// What outbound fetches may reach (see `net`).
    pub fetch: FetchPolicy,
    /// Where the email outbox is sent; `None`: messages are only logged (see `jobs::outbox`).
    pub smtp_url: Option<SmtpUrl>,
    /// The `From` of messages sent, e.g. `Badge Commons <noreply@forum.example.org>`.
    pub mail_from: String,
    /// The WebSub hub the site's own Atom feeds advertise (`rel="hub"`); `None`: no hub.
    pub websub_hub: Option<String>,
}

/// An `smtp://` or `smtps://` URL, perhaps with a user and password. Its `Debug` and
/// [`SmtpUrl::redacted`] hide the password, so settings can be logged and printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(url::Url);

impl SmtpUrl {
    /// Checks the scheme and host; the error never repeats the password.
    pub fn parse(text: &str) -> Result<SmtpUrl, String> {
        let url = url::Url::parse(text.trim()).map_err(|e| format!("not a URL ({e})"))?;
        let shown = redact(&url);
        if !matches!(url.scheme(), "smtp" | "smtps") {
            return Err(format!("{shown} must start with smtp:// or smtps://"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!("{shown} names no mail server"));
        }
        Ok(SmtpUrl(url))
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }

    /// The URL with its password replaced by `***`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

fn redact(url: &url::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SmtpUrl").field(&self.redacted()).finish()
    }
}

/// Requests allowed per client (sign-in, sign-up, verifying: per IP address; posting: per member).
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct RateLimitSettings {
    pub sign_in_per_minute: u32,
    pub sign_up_per_hour: u32,
    pub posts_per_minute: u32,
    /// Badge verifications (`/verify` and `/api/v1/verify`): each may fetch several documents
    /// from other sites on the asker's behalf.
    pub verify_per_minute: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            sign_in_per_minute: 10,
            sign_up_per_hour: 10,
            posts_per_minute: 10,
            verify_per_minute: 30,
        }
    }
}

/// The settings given on the command line or in the environment; `None` where not given.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Overrides {
    /// Directory for the SQLite database, keys and uploads.
    #[arg(long, global = true, env = "BADGECOMMONS_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (default: SQLite in the data directory).
    #[arg(
        long,
        global = true,
        env = "BADGECOMMONS_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// TOML settings file (default: badgecommons.toml in the data directory, if present).
    #[arg(long, global = true, env = "BADGECOMMONS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address ranges that outbound fetches may reach although they are private or loopback,
    /// e.g. 127.0.0.0/8 for tests (default: none).
    #[arg(
        long,
        global = true,
        env = "BADGECOMMONS_FETCH_ALLOW",
        value_name = "CIDR[,CIDR]"
    )]
    pub fetch_allow: Option<String>,
}

/// Flags that only `serve` takes.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ServeOverrides {
    /// Address to listen on.
    #[arg(long, env = "BADGECOMMONS_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Public URL of the site, e.g. https://forum.example.org.
    #[arg(
        long,
        alias = "base-url",
        env = "BADGECOMMONS_PUBLIC_URL",
        value_name = "URL"
    )]
    pub public_url: Option<String>,
    /// Who may sign up.
    #[arg(long, env = "BADGECOMMONS_SIGNUP", value_enum)]
    pub signup: Option<SignupMode>,
    /// Number of a new member's first posts that wait for moderator approval.
    #[arg(long, env = "BADGECOMMONS_FIRST_POSTS_NEED_APPROVAL", value_name = "N")]
    pub first_posts_need_approval: Option<u32>,
    /// Sign-in attempts allowed per minute from one address.
    #[arg(long, env = "BADGECOMMONS_SIGN_IN_PER_MINUTE", value_name = "N")]
    pub sign_in_per_minute: Option<u32>,
    /// Sign-ups allowed per hour from one address.
    #[arg(long, env = "BADGECOMMONS_SIGN_UP_PER_HOUR", value_name = "N")]
    pub sign_up_per_hour: Option<u32>,
    /// Posts allowed per minute from one member.
    #[arg(long, env = "BADGECOMMONS_POSTS_PER_MINUTE", value_name = "N")]
    pub posts_per_minute: Option<u32>,
    /// Badge verifications allowed per minute from one address.
    #[arg(long, env = "BADGECOMMONS_VERIFY_PER_MINUTE", value_name = "N")]
    pub verify_per_minute: Option<u32>,
    /// Mail server for outgoing email: smtp://USER:PASS@HOST:587 (STARTTLS), smtps://...:465
    /// (TLS), smtp://127.0.0.1:2525 (plain: loopback hosts, or ?tls=none) (default: none,
    /// messages are only logged).
    // hide_env_values: `--help` would otherwise print the variable's value, password and all.
    #[arg(
        long,
        env = "BADGECOMMONS_SMTP_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,
    /// Sender of outgoing email (default: the site name <noreply@HOST of the public URL>).
    #[arg(long, env = "BADGECOMMONS_MAIL_FROM", value_name = "MAILBOX")]
    pub mail_from: Option<String>,
    /// WebSub hub that the site's own Atom feeds advertise, e.g. https://websub.example.org/
    /// (default: none).
    #[arg(long, env = "BADGECOMMONS_WEBSUB_HUB", value_name = "URL")]
    pub websub_hub: Option<String>,
}

/// The optional TOML file; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    listen: Option<SocketAddr>,
    public_url: Option<String>,
    site_name: Option<String>,
    signup: Option<SignupMode>,
    first_posts_need_approval: Option<u32>,
    sign_in_per_minute: Option<u32>,
    sign_up_per_hour: Option<u32>,
    posts_per_minute: Option<u32>,
    verify_per_minute: Option<u32>,
    fetch_allow: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    websub_hub: Option<String>,
}

/// A settings file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read settings file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("settings file {path} is not valid: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
    #[error("public URL {0:?} must start with http:// or https://")]
    PublicUrl(String),
    #[error("fetch allow list: {0}")]
    FetchAllow(String),
    #[error("SMTP URL: {0}")]
    SmtpUrl(String),
    #[error("mail sender {0:?} is not a mailbox like \"Name <address@host>\"")]
    MailFrom(String),
    #[error("WebSub hub {0:?} must be an http:// or https:// URL")]
    WebSubHub(String),
}

impl Settings {
    /// Resolves the settings: `overrides` and `serve` win over the file, which wins over defaults.
    pub fn resolve(overrides: &Overrides, serve: &ServeOverrides) -> Result<Settings, ConfigError> {
        let file = load_file(overrides)?;
        let data_dir = overrides
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let database_url = overrides
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| store::default_sqlite_url(&data_dir));
        let listen = serve
            .listen
            .or(file.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let public_url = serve
            .public_url
            .clone()
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://{listen}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError::PublicUrl(public_url));
        }
        let defaults = RateLimitSettings::default();
        let fetch_allow = overrides
            .fetch_allow
            .clone()
            .or(file.fetch_allow)
            .unwrap_or_default();
        let fetch = FetchPolicy {
            allow: parse_allow_list(&fetch_allow).map_err(ConfigError::FetchAllow)?,
            ..FetchPolicy::default()
        };
        let smtp_url = match serve.smtp_url.clone().or(file.smtp_url) {
            Some(text) if !text.trim().is_empty() => {
                Some(SmtpUrl::parse(&text).map_err(ConfigError::SmtpUrl)?)
            }
            _ => None,
        };
        let site_name = file
            .site_name
            .unwrap_or_else(|| "Badge Commons".to_string());
        let mail_from = match serve.mail_from.clone().or(file.mail_from) {
            Some(text) => text,
            None => default_mail_from(&site_name, &public_url),
        };
        // Checked now so that a typo stops the start rather than every message later.
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::MailFrom(mail_from));
        }
        let websub_hub = match serve.websub_hub.clone().or(file.websub_hub) {
            Some(text) if !text.trim().is_empty() => match url::Url::parse(text.trim()) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url.to_string()),
                _ => return Err(ConfigError::WebSubHub(text)),
            },
            _ => None,
        };
        Ok(Settings {
            listen,
            data_dir,
            database_url,
            public_url: public_url.trim_end_matches('/').to_string(),
            site_name,
            signup: serve.signup.or(file.signup).unwrap_or(SignupMode::Open),
            first_posts_need_approval: serve
                .first_posts_need_approval
                .or(file.first_posts_need_approval)
                .unwrap_or(0),
            limits: RateLimitSettings {
                sign_in_per_minute: serve
                    .sign_in_per_minute
                    .or(file.sign_in_per_minute)
                    .unwrap_or(defaults.sign_in_per_minute),
                sign_up_per_hour: serve
                    .sign_up_per_hour
                    .or(file.sign_up_per_hour)
                    .unwrap_or(defaults.sign_up_per_hour),
                posts_per_minute: serve
                    .posts_per_minute
                    .or(file.posts_per_minute)
                    .unwrap_or(defaults.posts_per_minute),
                verify_per_minute: serve
                    .verify_per_minute
                    .or(file.verify_per_minute)
                    .unwrap_or(defaults.verify_per_minute),
            },
            fetch,
            smtp_url,
            mail_from,
            websub_hub,
        })
    }

    /// Whether the site is served over HTTPS, so cookies must be `Secure`.
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// `Site name <noreply@host>`, the host taken from the public URL; a site served on an IP
/// address has no name to give, so `localhost` then (mail parsers refuse `noreply@[127.0.0.1]`).
/// Always a mailbox that parses, whatever the site name holds.
fn default_mail_from(site_name: &str, public_url: &str) -> String {
    use lettre::message::Mailbox;
    let host = match url::Url::parse(public_url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Domain(name)) => name,
        _ => "localhost".to_string(),
    };
    let candidates = [format!("noreply@{host}"), "noreply@localhost".to_string()];
    for address in candidates {
        let Ok(address) = address.parse::<lettre::Address>() else {
            continue;
        };
        let named = Mailbox::new(Some(site_name.to_string()), address.clone()).to_string();
        if named.parse::<Mailbox>().is_ok() {
            return named;
        }
        return address.to_string();
    }
    "noreply@localhost".to_string()
}

fn load_file(overrides: &Overrides) -> Result<FileSettings, ConfigError> {
    let (path, required) = match (&overrides.config, &overrides.data_dir) {
        (Some(path), _) => (path.clone(), true),
        (None, Some(dir)) => (dir.join("badgecommons.toml"), false),
        (None, None) => (Path::new("data").join("badgecommons.toml"), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(FileSettings::default())
        }
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.display().to_string(),
                source,
            })
        }
    };
    toml::from_str(&text).map_err(|source| ConfigError::Parse {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let dir = std::env::temp_dir().join(format!("bc-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("badgecommons.toml"),
            "listen = \"127.0.0.1:9000\"\nsite_name = \"Open Recognition\"\nsignup = \"invite\"\n",
        )
        .unwrap();
        let overrides = Overrides {
            data_dir: Some(dir.clone()),
            ..Default::default()
        };
        let serve = ServeOverrides {
            signup: Some(SignupMode::Approval),
            ..Default::default()
        };
        let settings = Settings::resolve(&overrides, &serve).unwrap();
        assert_eq!(settings.signup, SignupMode::Approval, "the flag wins");
        assert_eq!(
            settings.listen.port(),
            9000,
            "the file fills what flags leave"
        );
        assert_eq!(settings.site_name, "Open Recognition");
        assert_eq!(settings.public_url, "http://127.0.0.1:9000");
        assert!(settings.database_url.starts_with("sqlite://"));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn smtp_settings_resolve_like_the_others_and_never_show_the_password() {
        let dir = std::env::temp_dir().join(format!("bc-config-smtp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("badgecommons.toml"),
            "smtp_url = \"smtps://mailer:file-secret@mail.example.org\"\npublic_url = \"https://forum.example.org\"\n",
        )
        .unwrap();
        let overrides = Overrides {
            data_dir: Some(dir.clone()),
            ..Default::default()
        };
        let settings = Settings::resolve(&overrides, &ServeOverrides::default()).unwrap();
        let url = settings.smtp_url.clone().expect("from the file");
        assert_eq!(url.url().password(), Some("file-secret"));
        assert_eq!(
            settings.mail_from,
            "Badge Commons <noreply@forum.example.org>"
        );
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("file-secret") && shown.contains("mailer:***@"),
            "{shown}"
        );

        let serve = ServeOverrides {
            smtp_url: Some("smtp://u:flag-secret@relay.example.org:587".into()),
            mail_from: Some("Club <club@example.org>".into()),
            ..Default::default()
        };
        let settings = Settings::resolve(&overrides, &serve).unwrap();
        assert_eq!(
            settings.smtp_url.as_ref().map(SmtpUrl::redacted).as_deref(),
            Some("smtp://u:***@relay.example.org:587"),
            "the flag wins"
        );
        assert_eq!(settings.mail_from, "Club <club@example.org>");

        let bad = ServeOverrides {
            smtp_url: Some("http://u:flag-secret@relay.example.org".into()),
            ..Default::default()
        };
        let err = Settings::resolve(&overrides, &bad).unwrap_err().to_string();
        assert!(
            err.contains("smtp://") && !err.contains("flag-secret"),
            "{err}"
        );
        let bad = ServeOverrides {
            mail_from: Some("not an address".into()),
            ..Default::default()
        };
        let err = Settings::resolve(&overrides, &bad).unwrap_err().to_string();
        assert!(err.contains("not an address"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn the_default_sender_always_parses() {
        assert_eq!(
            default_mail_from("Badge Commons", "http://127.0.0.1:8080"),
            "Badge Commons <noreply@localhost>"
        );
        for name in ["Badge Commons", "O'Brien, \"the\" <club>", "Café"] {
            let from = default_mail_from(name, "https://forum.example.org");
            assert!(from.parse::<lettre::message::Mailbox>().is_ok(), "{from}");
            assert!(from.contains("noreply@forum.example.org"), "{from}");
        }
    }

    #[test]
    fn the_websub_hub_must_be_a_web_url() {
        let dir = std::env::temp_dir().join(format!("bc-config-hub-{}", std::process::id()));
        let overrides = Overrides {
            data_dir: Some(dir.clone()),
            ..Default::default()
        };
        let hub = |url: &str| ServeOverrides {
            websub_hub: Some(url.into()),
            ..Default::default()
        };
        let settings = Settings::resolve(&overrides, &hub("https://hub.example.org/")).unwrap();
        assert_eq!(
            settings.websub_hub.as_deref(),
            Some("https://hub.example.org/")
        );
        let none = Settings::resolve(&overrides, &ServeOverrides::default()).unwrap();
        assert_eq!(none.websub_hub, None);
        let err = Settings::resolve(&overrides, &hub("ftp://hub.example.org/")).unwrap_err();
        assert!(err.to_string().contains("ftp://hub.example.org/"), "{err}");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error_naming_it() {
        let dir = std::env::temp_dir().join(format!("bc-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("badgecommons.toml"), "lisen = \"x\"\n").unwrap();
        let overrides = Overrides {
            data_dir: Some(dir.clone()),
            ..Default::default()
        };
        let err = Settings::resolve(&overrides, &ServeOverrides::default()).unwrap_err();
        assert!(err.to_string().contains("lisen"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }
}

//! The `badgecommons` command: serve the community, migrate its database, and administer it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

use badgecommons::accounts::model::{email_problem, username_problem, Role};
use badgecommons::accounts::password::{check_strength, hash_password};
use badgecommons::accounts::store::{self as accounts, NewUser};
use badgecommons::config::{Overrides, ServeOverrides, Settings};
use badgecommons::recognition::{keys, signing};
use badgecommons::store::Db;

/// Badge Commons: a self-hosted home for an open credentials community.
#[derive(Parser)]
#[command(name = "badgecommons", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    overrides: Overrides,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrating the database first).
    Serve {
        #[command(flatten)]
        serve: ServeOverrides,
        /// Fill an empty database with a demo community.
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Administer the community from the command line.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Generate an Ed25519 signing key for issuing badges (written with file mode 0600).
    Keygen {
        /// Where to write the key; an existing file is never overwritten.
        #[arg(short = 'o', long = "output", value_name = "KEYFILE")]
        output: PathBuf,
    },
    /// Sign an Open Badges 3.0 credential with an issuer key.
    Sign {
        /// The key file made by `keygen`.
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
        /// The issuer: the key's did:key, a did:web or an issuer profile URL.
        #[arg(long, value_name = "DID_OR_URL")]
        issuer: String,
        /// The unsigned credential (JSON).
        credential: PathBuf,
        /// Data Integrity proof (eddsa-rdfc-2022) or a VC-JWT.
        #[arg(long, value_enum, default_value = "data-integrity")]
        format: SignFormat,
        /// Where to write the signed credential (default: standard output).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Bake a credential (JSON, JWS or an assertion URL) into a PNG or SVG image.
    Bake {
        #[arg(long, value_name = "IMG")]
        image: PathBuf,
        #[arg(long, value_name = "FILE")]
        credential: PathBuf,
        #[arg(short = 'o', long = "output", value_name = "OUT")]
        output: PathBuf,
    },
    /// Print the credential baked into a PNG or SVG image.
    Unbake {
        #[arg(value_name = "IMG")]
        image: PathBuf,
    },
    /// Verify a badge: a baked PNG/SVG, OB 2.0 or 3.0 JSON, a JWS/JWT, or an assertion URL.
    ///
    /// Exit status: 0 valid, 1 not valid, 2 the input could not be read.
    Verify {
        /// A file, an http(s) URL, or - for standard input.
        #[arg(value_name = "PATH|URL|-")]
        input: String,
        /// The recipient's identity (an email address, usually) to check the badge against.
        #[arg(long, value_name = "EMAIL")]
        recipient: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The planet: members' feeds.
    Planet {
        #[command(subcommand)]
        command: PlanetCommand,
    },
}

#[derive(Subcommand)]
enum PlanetCommand {
    /// Poll every feed that is due now, once, and exit; prints a line per feed.
    ///
    /// Exit status: 0 when the database could be used (a feed's failure is that feed's result).
    Refresh {
        /// Poll every feed, due or not.
        #[arg(long)]
        all: bool,
    },
    /// Add the feeds of an OPML file (the community's, or one member's); the polling job reads
    /// them when the server runs next (or `planet refresh`).
    Import {
        /// The OPML file.
        #[arg(value_name = "FILE.opml")]
        file: PathBuf,
        /// Whose feeds they are (a username); without it, the community's.
        #[arg(long, value_name = "USERNAME")]
        member: Option<String>,
    },
    /// Write every subscription as OPML 2.0, as `/planet.opml` serves it.
    Export {
        /// Where to write it (default: standard output).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SignFormat {
    DataIntegrity,
    Jwt,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account (the first admin, for instance).
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum, default_value = "member")]
        role: Role,
        /// Read the password from standard input (so it stays out of the shell history).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Create a forum category.
    CreateCategory {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Add a new signing key for the community's badges; earlier keys stay published, so the
    /// badges they signed keep verifying. Restart the server to sign with the new key.
    RotateKey,
}

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to standard error, filtered by `RUST_LOG`; `BADGECOMMONS_LOG_FORMAT=json` writes one JSON
/// object per event for log collectors.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("BADGECOMMONS_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Verify {
        input,
        recipient,
        json,
    } = &cli.command
    {
        let settings = Settings::resolve(&cli.overrides, &ServeOverrides::default())?;
        return verify_command(&settings, input, recipient.clone(), *json).await;
    }
    run_command(cli).await.map(|()| ExitCode::SUCCESS)
}

async fn run_command(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { serve, demo } => {
            let settings = Settings::resolve(&cli.overrides, &serve)?;
            badgecommons::run_server(settings, demo).await
        }
        Command::Migrate => {
            let settings = Settings::resolve(&cli.overrides, &ServeOverrides::default())?;
            Db::open(&settings.database_url).await?;
            println!("The database is up to date.");
            Ok(())
        }
        Command::Admin { command } => {
            let settings = Settings::resolve(&cli.overrides, &ServeOverrides::default())?;
            admin(&settings, command).await
        }
        Command::Keygen { output } => {
            let key = keys::generate_key_file(&output)?;
            println!("Wrote {} (mode 0600).", output.display());
            println!(
                "did: {}",
                openbadges::proof::did_key::did(&key.verifying_key())
            );
            Ok(())
        }
        Command::Sign {
            key,
            issuer,
            credential,
            format,
            output,
        } => {
            let key = keys::read_key_file(&key)?;
            let credential = read_json(&credential)?;
            let signed = match format {
                SignFormat::DataIntegrity => serde_json::to_string_pretty(
                    &signing::sign_credential(&credential, &issuer, &key)?,
                )?,
                SignFormat::Jwt => signing::sign_credential_jwt(&credential, &issuer, &key)?,
            };
            write_output(output.as_deref(), signed.as_bytes())
        }
        Command::Bake {
            image,
            credential,
            output,
        } => {
            let image_bytes =
                std::fs::read(&image).with_context(|| format!("reading {}", image.display()))?;
            let payload = std::fs::read_to_string(&credential)
                .with_context(|| format!("reading {}", credential.display()))?;
            let version = openbadges::bake::version_for(&payload)
                .with_context(|| format!("{} is not a credential to bake", credential.display()))?;
            let baked = openbadges::bake::bake(&image_bytes, version, payload.trim())
                .with_context(|| format!("baking into {}", image.display()))?;
            std::fs::write(&output, baked)
                .with_context(|| format!("writing {}", output.display()))?;
            println!(
                "Baked an Open Badges {version} credential into {}.",
                output.display()
            );
            Ok(())
        }
        Command::Unbake { image } => {
            let bytes =
                std::fs::read(&image).with_context(|| format!("reading {}", image.display()))?;
            let found = openbadges::bake::extract(&bytes)
                .with_context(|| format!("{}", image.display()))?;
            println!("{}", found.payload);
            Ok(())
        }
        // Answered by `run`, which needs its report's verdict for the exit status.
        Command::Verify { .. } => Ok(()),
        Command::Planet { command } => {
            let settings = Settings::resolve(&cli.overrides, &ServeOverrides::default())?;
            planet(&settings, command).await
        }
    }
}

/// `badgecommons verify`: prints the report and turns its verdict into the exit status.
async fn verify_command(
    settings: &Settings,
    input: &str,
    recipient: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let client = badgecommons::net::GuardedClient::new(settings.fetch.clone())?;
    let options = openbadges::verify::Options {
        recipient,
        now: None,
    };
    let report = if input.starts_with("http://") || input.starts_with("https://") {
        openbadges::verify::verify_url(input, &options, &client).await
    } else {
        let bytes = if input == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(64 * 1024 * 1024)
                .read_to_end(&mut bytes)
                .map(|_| bytes)
        } else {
            std::fs::read(input)
        };
        match bytes {
            Ok(bytes) => openbadges::verify::verify_bytes(&bytes, &options, &client).await,
            Err(err) => {
                eprintln!("error: cannot read {input}: {err}");
                return Ok(ExitCode::from(2));
            }
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", badgecommons::recognition::report_text(&report));
    }
    let unreadable = report.format == "unknown"
        && report
            .get("input")
            .is_some_and(|c| c.status == openbadges::verify::Status::Fail);
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else if unreadable {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    })
}

/// `badgecommons planet ...`.
async fn planet(settings: &Settings, command: PlanetCommand) -> anyhow::Result<()> {
    match command {
        PlanetCommand::Refresh { all } => {
            use std::io::IsTerminal;
            let db = Db::open(&settings.database_url).await?;
            let fetcher = badgecommons::net::GuardedClient::new(settings.fetch.clone())?;
            let terminal = std::io::stdout().is_terminal();
            let bar = if terminal {
                indicatif::ProgressBar::with_draw_target(
                    None,
                    indicatif::ProgressDrawTarget::stdout(),
                )
            } else {
                indicatif::ProgressBar::hidden()
            };
            let reports = badgecommons::planet::polling::refresh(
                &db,
                fetcher,
                all,
                |total| bar.set_length(total),
                |report| {
                    let line = format!("{}: {}", report.url, report.outcome);
                    if terminal {
                        bar.println(line);
                    } else {
                        println!("{line}");
                    }
                    bar.inc(1);
                },
            )
            .await?;
            bar.finish_and_clear();
            let failed = reports
                .iter()
                .filter(|r| matches!(r.outcome, badgecommons::planet::polling::Outcome::Failed(_)))
                .count();
            println!("Polled {} feed(s), {failed} with an error.", reports.len());
            Ok(())
        }
        PlanetCommand::Import { file, member } => {
            let size = std::fs::metadata(&file)
                .with_context(|| format!("reading {}", file.display()))?
                .len();
            if size > badgecommons::planet::opml::MAX_OPML_BYTES as u64 {
                bail!(
                    "{} is too large for an OPML list ({size} bytes; the limit is {})",
                    file.display(),
                    badgecommons::planet::opml::MAX_OPML_BYTES
                );
            }
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let db = Db::open(&settings.database_url).await?;
            let member_id = match &member {
                Some(name) => Some(
                    accounts::member_by_username(&db, name)
                        .await?
                        .with_context(|| format!("there is no member {name:?}"))?
                        .id,
                ),
                None => None,
            };
            let report = badgecommons::planet::opml::import(&db, &bytes, member_id, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for problem in &report.problems {
                println!("not added: {problem}");
            }
            println!(
                "Imported {} new feed(s); {} already on the planet; {} not added.",
                report.added,
                report.existing,
                report.problems.len()
            );
            Ok(())
        }
        PlanetCommand::Export { output } => {
            let db = Db::open(&settings.database_url).await?;
            let opml = badgecommons::planet::opml::export(&db, &settings.site_name)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            write_output(output.as_deref(), opml.as_bytes())
        }
    }
}

fn read_json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

fn write_output(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            let mut out = std::io::stdout();
            out.write_all(bytes)?;
            out.write_all(b"\n")?;
            Ok(())
        }
    }
}

async fn admin(settings: &Settings, command: AdminCommand) -> anyhow::Result<()> {
    if let AdminCommand::RotateKey = command {
        let path = badgecommons::recognition::issuer::rotate_key(&settings.data_dir)?;
        println!(
            "Wrote the new signing key {} (mode 0600). Restart the server to sign with it; badges signed with earlier keys stay verifiable.",
            path.display()
        );
        return Ok(());
    }
    let db = &Db::open(&settings.database_url).await?;
    match command {
        AdminCommand::CreateUser {
            username,
            email,
            role,
            password_stdin: _,
        } => {
            if let Some(problem) = username_problem(&username).or_else(|| email_problem(&email)) {
                bail!("{problem}");
            }
            let mut password = String::new();
            std::io::stdin()
                .take(4096)
                .read_to_string(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            check_strength(password).map_err(|e| anyhow::anyhow!("{e}"))?;
            let hash = hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
            accounts::create_user(
                db,
                NewUser {
                    username: &username,
                    email: &email,
                    password_hash: &hash,
                    role,
                    approved: true,
                    email_confirmed: true,
                },
            )
            .await?;
            println!("Created {} {username}.", role.as_str());
        }
        AdminCommand::CreateCategory {
            slug,
            name,
            description,
        } => {
            let category = badgecommons::moderation::create_category(
                db,
                &slug,
                &name,
                &description,
                Role::Member,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Created category {} (/c/{}).", category.name, category.slug);
        }
        AdminCommand::RotateKey => {}
    }
    Ok(())
}

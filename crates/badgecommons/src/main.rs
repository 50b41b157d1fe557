//! The `badgecommons` command: serve the community, migrate its database, and administer it.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

use badgecommons::accounts::model::{email_problem, username_problem, Role};
use badgecommons::accounts::password::{check_strength, hash_password};
use badgecommons::accounts::store::{self as accounts, NewUser};
use badgecommons::config::{Overrides, ServeOverrides, Settings};
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
        Ok(()) => ExitCode::SUCCESS,
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

async fn run(cli: Cli) -> anyhow::Result<()> {
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
            let db = Db::open(&settings.database_url).await?;
            admin(&db, command).await
        }
    }
}

async fn admin(db: &Db, command: AdminCommand) -> anyhow::Result<()> {
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
    }
    Ok(())
}

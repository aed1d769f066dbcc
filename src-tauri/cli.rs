//! The one binary's command line: no subcommand opens the window; subcommands serve admins,
//! automation and the test suite.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

pub mod sla;

use crate::backend::Backend;
use crate::config::{self, DatabaseTarget};
use crate::{db, solo};

#[derive(Parser)]
#[command(
    name = "ticketdesk",
    version,
    about = "Desktop ticketing for DevOps teams"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Start in the tray without showing the window (how the login entry starts it:
    /// `autostart::HIDDEN_FLAG`).
    #[arg(long)]
    hidden: bool,
    /// A link to open: ticketdesk://ticket/TKT-2026-00042 (a running ticketdesk opens it).
    #[arg(value_name = "LINK", value_parser = app_link)]
    link: Option<String>,
}

/// Only a `ticketdesk://` link starts the app with an argument, so a mistyped subcommand is an
/// error rather than a window. What the link names is the app's to check (it says so there).
fn app_link(arg: &str) -> Result<String, String> {
    let scheme = format!("{}://", crate::domain::link::SCHEME);
    match arg.get(..scheme.len()) {
        Some(start) if start.eq_ignore_ascii_case(&scheme) => Ok(arg.to_owned()),
        _ => Err(format!("not a command, nor a {scheme} link")),
    }
}

#[derive(Subcommand)]
enum Command {
    /// Apply the database migrations (TICKETDESK_DATABASE_URL, or the solo database).
    Migrate,
    /// Migrate, then load the demo users, tickets, comments and history (idempotent).
    DemoData {
        /// Also generate N synthetic tickets (~5 comments, ~10 history rows each, ~85 %
        /// closed, a few hundred users in every role) for benchmarks. Needs a superuser
        /// connection (solo mode does). A database that has them already gets only the
        /// missing ones, or nothing.
        #[arg(long, value_name = "N")]
        scale: Option<u64>,
    },
    /// Create an ADMIN account; the password is read from standard input (one line).
    CreateAdmin {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Admin")]
        first_name: String,
        #[arg(long, default_value = "User")]
        last_name: String,
    },
    /// Create the database login desktops connect with (member of `ticketdesk_desktop`, the
    /// least-privileged role) and print its URL. Run as the database owner.
    CreateDesktopLogin {
        #[arg(long, default_value = "ticketdesk_app")]
        name: String,
        /// Connections the login may hold at once (default 60: 20 desktops sharing it).
        #[arg(long)]
        connection_limit: Option<u32>,
    },
    /// Create the database login workers connect with (member of `ticketdesk_worker`: the
    /// outbox and its recipients' addresses, nothing else) and print its URL. Run as the
    /// database owner.
    CreateWorkerLogin {
        #[arg(long, default_value = "ticketdesk_worker_app")]
        name: String,
        /// Connections the login may hold at once (default 8).
        #[arg(long)]
        connection_limit: Option<u32>,
    },
    /// Deliver EMAIL, SLACK and SMS notifications until SIGTERM or Ctrl-C. Settings come from
    /// TICKETDESK_WORKER_* variables (see the README), over those of the optional file.
    Worker {
        /// A TOML (or .json) file of worker settings; the environment wins over it.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Issue a one-hour, single-use password reset code for a user (printed on stdout).
    ResetPassword {
        #[arg(long)]
        username: String,
    },
    /// Clear a user's sign-in lockout.
    Unlock {
        #[arg(long)]
        username: String,
    },
    /// Time the queue, search and detail use cases beside their bare-SQL floor (p50/p99), as
    /// the demo engineer `dev` (load `demo-data` first).
    Bench {
        #[arg(long, default_value_t = 200)]
        samples: usize,
        /// Measure assignment → native notification latency on the D-Bus session bus instead
        /// (run under `dbus-run-session` with a display for the notification daemon).
        #[arg(long)]
        notify: bool,
        /// Where the Markdown report goes.
        #[arg(long, default_value = "target/bench-report.md")]
        report: PathBuf,
    },
    /// SLA policies and holiday calendars (managers and admins: the database decides), and
    /// why a ticket is due when it is. Signs in as --login; the password comes from
    /// TICKETDESK_PASSWORD or the first line of standard input.
    Sla {
        #[arg(long)]
        login: String,
        /// The account's current authenticator code, when it has two-factor sign-in on.
        #[arg(long)]
        code: Option<String>,
        #[command(subcommand)]
        action: sla::SlaAction,
    },
    /// Manage the private solo-mode PostgreSQL cluster.
    Solo {
        #[command(subcommand)]
        action: SoloAction,
        /// Data directory (default: TICKETDESK_DATA_DIR/solo or the per-user data directory).
        #[arg(long, global = true)]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SoloAction {
    /// Start the cluster (initialising it on first use) and print its database URL.
    Start,
    /// Stop the cluster.
    Stop,
}

pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        // The link itself is read by tauri-plugin-deep-link from the arguments.
        None => crate::app::run(crate::app::Launch { hidden: cli.hidden }),
        Some(command) => tokio::runtime::Runtime::new()
            .context("cannot start the async runtime")
            .and_then(|rt| rt.block_on(run_command(command))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("ticketdesk: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run_command(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Migrate => with_database(|pool| async move { db::migrate(&pool).await }).await,
        Command::DemoData { scale: None } => {
            with_database(|pool| async move {
                db::migrate(&pool).await?;
                let loaded = crate::generate::demo_data::load(&pool).await?;
                println!(
                "demo data: {} user(s) and {} ticket(s) added (password for every demo user: {})",
                loaded.users,
                loaded.tickets,
                crate::generate::demo_data::DEMO_PASSWORD
            );
                Ok(())
            })
            .await
        }
        Command::DemoData { scale: Some(scale) } => {
            with_database(|pool| async move {
                db::migrate(&pool).await?;
                let mut progress = |line: &str| {
                    use std::io::Write;
                    println!("{line}");
                    let _ = std::io::stdout().flush();
                };
                let options = crate::generate::synthetic::Options::new(scale);
                let report = crate::generate::synthetic::generate(&pool, options, &mut progress).await?;
                let phases: Vec<String> = report
                    .phases
                    .iter()
                    .map(|(name, took)| format!("{name} {:.1} s", took.as_secs_f64()))
                    .collect();
                println!("phases: {}", phases.join(", "));
                println!(
                    "synthetic data: {} ticket(s) before, {} added (--scale {scale}); password \
                     for every demo and synthetic user: {}",
                    report.existing,
                    report.tickets,
                    crate::generate::demo_data::DEMO_PASSWORD
                );
                Ok(())
            })
            .await
        }
        Command::CreateAdmin {
            username,
            email,
            first_name,
            last_name,
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            with_database(|pool| async move {
                db::migrate(&pool).await?;
                let account = crate::domain::account::NewAccount {
                    username,
                    email,
                    first_name,
                    last_name,
                    role: crate::domain::user::Role::Admin,
                    department: None,
                    password,
                };
                let mut conn = pool.acquire().await?;
                let id = db::accounts::create(&mut conn, account)
                    .await
                    .map_err(|e| anyhow::anyhow!(crate::error::AppError::from(e)))?;
                println!("created admin {id}");
                Ok(())
            })
            .await
        }
        Command::ResetPassword { username } => {
            with_database(|pool| async move {
                let user = db::users::find_active_by_username(&pool, &username)
                    .await
                    .map_err(|e| anyhow::anyhow!(crate::error::AppError::from(e)))?;
                let mut conn = pool.acquire().await?;
                let code = db::accounts::issue_reset(&mut conn, user.id)
                    .await
                    .map_err(|e| anyhow::anyhow!(crate::error::AppError::from(e)))?;
                println!("{code}");
                eprintln!("reset code for {username}: valid for one hour, usable once; enter it on the sign-in screen");
                Ok(())
            })
            .await
        }
        Command::Unlock { username } => {
            with_database(|pool| async move {
                let user = db::users::find_active_by_username(&pool, &username)
                    .await
                    .map_err(|e| anyhow::anyhow!(crate::error::AppError::from(e)))?;
                let mut conn = pool.acquire().await?;
                db::accounts::unlock(&mut conn, user.id)
                    .await
                    .map_err(|e| anyhow::anyhow!(crate::error::AppError::from(e)))?;
                println!("unlocked {username}");
                Ok(())
            })
            .await
        }
        Command::CreateDesktopLogin {
            name,
            connection_limit,
        } => {
            with_database(|pool| async move {
                let password = db::desktop_login::create(&pool, &name).await?;
                if let Some(limit) = connection_limit {
                    db::desktop_login::set_connection_limit(&pool, &name, limit).await?;
                }
                let url = config::database_url_for(&pool, &name, &password).await?;
                println!("{url}");
                Ok(())
            })
            .await
        }
        Command::CreateWorkerLogin {
            name,
            connection_limit,
        } => {
            with_database(|pool| async move {
                let group = db::desktop_login::LoginGroup::Worker;
                let password = db::desktop_login::create_in(&pool, &name, group).await?;
                if let Some(limit) = connection_limit {
                    db::desktop_login::set_connection_limit(&pool, &name, limit).await?;
                }
                let url = config::database_url_for(&pool, &name, &password).await?;
                println!("{url}");
                Ok(())
            })
            .await
        }
        Command::Worker { config } => {
            let config = crate::worker::config::load(config.as_deref())?;
            tracing::info!(?config, "starting the notification worker");
            crate::worker::run(config, crate::worker::termination()).await
        }
        Command::Bench {
            samples,
            notify,
            report,
        } => crate::bench::run(samples.max(1), notify, &report).await,
        Command::Sla {
            login,
            code,
            action,
        } => {
            let password = match std::env::var("TICKETDESK_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            with_database(|pool| async move {
                let out = sla::run(&pool, &login, &password, code.as_deref(), action).await?;
                println!("{out}");
                Ok(())
            })
            .await
        }
        Command::Solo { action, dir } => {
            let dir = match dir {
                Some(dir) => dir,
                None => solo::default_dir()?,
            };
            let cluster = solo::SoloCluster::ensure_running(&dir).await?;
            match action {
                SoloAction::Start => println!("{}", cluster.url(solo::DATABASE_NAME)),
                SoloAction::Stop => cluster.stop().await?,
            }
            Ok(())
        }
    }
}

/// Runs `work` against the configured database. In solo mode the cluster is started for it
/// and stopped again afterwards if this command started it.
async fn with_database<F, Fut>(work: F) -> anyhow::Result<()>
where
    F: FnOnce(sqlx::PgPool) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let target = config::resolve(None)?;
    let (pool, cluster) = match &target {
        DatabaseTarget::Team { url } => (db::connect(url, 2).await?, None),
        DatabaseTarget::Solo { dir } => {
            let cluster = solo::SoloCluster::ensure_running(dir).await?;
            (
                db::connect(&cluster.url(solo::DATABASE_NAME), 2).await?,
                Some(cluster),
            )
        }
    };
    let result = work(pool.clone()).await;
    let closing = Backend {
        pool,
        solo: cluster,
    };
    closing.close().await;
    result
}

#[cfg(test)]
mod tests {
    use super::{Cli, Command};
    use clap::Parser;

    #[test]
    fn the_window_takes_a_link_and_hidden_but_a_mistyped_command_is_an_error() {
        let cli =
            Cli::try_parse_from(["ticketdesk", "ticketdesk://ticket/TKT-2026-00042"]).unwrap();
        assert_eq!(
            cli.link.as_deref(),
            Some("ticketdesk://ticket/TKT-2026-00042")
        );
        assert!(cli.command.is_none() && !cli.hidden);
        let cli = Cli::try_parse_from(["ticketdesk", "--hidden"]).unwrap();
        assert!(cli.hidden && cli.link.is_none());
        let cli = Cli::try_parse_from(["ticketdesk", "migrate"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Migrate)));
        let err = Cli::try_parse_from(["ticketdesk", "migrat"]).err().unwrap();
        assert!(
            err.to_string()
                .contains("not a command, nor a ticketdesk:// link"),
            "{err}"
        );
    }
}

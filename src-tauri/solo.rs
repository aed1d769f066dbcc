//! Solo mode: a private PostgreSQL cluster under ticketdesk's own data directory, started with
//! the system's PostgreSQL binaries on a private port and socket directory.
//!
//! Layout of the data directory:
//! - `pgdata/`   the cluster (owned by the OS user that runs the server)
//! - `solo.json` port and superuser password (mode 0600, owned by whoever runs ticketdesk)
//!
//! `initdb` refuses to run as root, so when ticketdesk runs as root the server runs as the
//! unprivileged `postgres` user (created by Debian's postgresql package) via `runuser`.
//! Lifetime: [`SoloCluster::ensure_running`] starts the server if it is not running and
//! remembers that it did; [`SoloCluster::stop_if_started_here`] stops it again. A second
//! process that finds the server running uses it and leaves it running when it exits.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use rand::distributions::{Alphanumeric, DistString};
use serde::{Deserialize, Serialize};
use tokio::process::Command;

/// The database inside the cluster that ticketdesk uses.
pub const DATABASE_NAME: &str = "ticketdesk";
const SUPERUSER: &str = "ticketdesk";
/// The login the solo desktop itself uses: as little privilege as a team desktop has.
const DESKTOP_LOGIN: &str = "ticketdesk_app";
/// The OS user that runs the server when ticketdesk itself runs as root.
const RUN_AS_WHEN_ROOT: &str = "postgres";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Credentials {
    port: u16,
    superuser: String,
    password: String,
}

#[derive(Clone)]
pub struct SoloCluster {
    dir: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<String>,
    credentials: Credentials,
    started_here: bool,
}

impl std::fmt::Debug for SoloCluster {
    // The password stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoloCluster")
            .field("dir", &self.dir)
            .field("port", &self.credentials.port)
            .field("run_as", &self.run_as)
            .field("started_here", &self.started_here)
            .finish()
    }
}

/// Where the solo cluster lives unless `TICKETDESK_DATA_DIR` says otherwise.
pub fn default_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("TICKETDESK_DATA_DIR") {
        return Ok(PathBuf::from(dir).join("solo"));
    }
    if running_as_root() {
        // The server runs as `postgres`, which cannot enter /root: keep the cluster where a
        // system service would.
        return Ok(PathBuf::from("/var/lib/ticketdesk/solo"));
    }
    let dirs = directories::ProjectDirs::from("dev", "ticketdesk", "ticketdesk")
        .context("no home directory to keep the solo database in")?;
    Ok(dirs.data_local_dir().join("solo"))
}

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The newest PostgreSQL server binaries installed, or `TICKETDESK_PG_BIN`.
fn find_bin_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("TICKETDESK_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    newest_server_under(Path::new("/usr/lib/postgresql"))
}

/// The `bin` of the newest PostgreSQL version under `root` that has initdb (Debian's layout).
fn newest_server_under(root: &Path) -> anyhow::Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .map_err(|_| ServerNotInstalled)?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    Ok(versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or(ServerNotInstalled)?)
}

/// Solo mode without PostgreSQL's server programs: the package only recommends them, since a
/// desktop of a team server does not need them. The window shows this text as it is.
#[derive(Debug, thiserror::Error)]
#[error(
    "Solo mode keeps your tickets in a private PostgreSQL, but PostgreSQL's server is not \
     installed (no initdb under /usr/lib/postgresql). Install it (`sudo apt install \
     postgresql`), or connect to your team's server: set TICKETDESK_DATABASE_URL, or \
     databaseUrl in the settings (see the README)."
)]
pub struct ServerNotInstalled;

impl SoloCluster {
    /// Initialises the cluster on first use, starts it if it is not running, and makes sure
    /// the ticketdesk database exists.
    pub async fn ensure_running(dir: &Path) -> anyhow::Result<Self> {
        let bin_dir = find_bin_dir()?;
        let run_as = running_as_root().then(|| RUN_AS_WHEN_ROOT.to_owned());
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        // The server's user must be able to enter this directory to reach pgdata/.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;

        let credentials_path = dir.join("solo.json");
        let pgdata = dir.join("pgdata");
        let credentials = if pgdata.join("PG_VERSION").exists() {
            let text = std::fs::read_to_string(&credentials_path)
                .with_context(|| format!("cannot read {}", credentials_path.display()))?;
            serde_json::from_str(&text).context("solo.json is damaged")?
        } else {
            let credentials = Credentials {
                port: free_port()?,
                superuser: SUPERUSER.to_owned(),
                password: Alphanumeric.sample_string(&mut rand::thread_rng(), 32),
            };
            let fresh = Self {
                dir: dir.to_owned(),
                bin_dir: bin_dir.clone(),
                run_as: run_as.clone(),
                credentials: credentials.clone(),
                started_here: false,
            };
            fresh.init().await?;
            write_private(&credentials_path, &serde_json::to_vec_pretty(&credentials)?)?;
            credentials
        };

        let mut cluster = Self {
            dir: dir.to_owned(),
            bin_dir,
            run_as,
            credentials,
            started_here: false,
        };
        if !cluster.is_running().await? {
            cluster.start().await?;
            cluster.started_here = true;
        }
        cluster.ensure_database().await?;
        Ok(cluster)
    }

    /// A connection URL for `database` in this cluster (loopback, password auth).
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{}:{}@127.0.0.1:{}/{}",
            self.credentials.superuser, self.credentials.password, self.credentials.port, database
        )
    }

    /// The URL desktops use: a least-privileged login (member of `ticketdesk_desktop`), made
    /// once with the superuser connection `owner` and remembered in `desktop.json`.
    pub async fn desktop_url(&self, owner: &sqlx::PgPool) -> anyhow::Result<String> {
        #[derive(Serialize, Deserialize)]
        struct DesktopLogin {
            name: String,
            password: String,
        }
        let path = self.dir.join("desktop.json");
        let login = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).context("desktop.json is damaged")?,
            Err(_) => {
                let name = DESKTOP_LOGIN.to_owned();
                let password = crate::db::desktop_login::create(owner, &name).await?;
                let login = DesktopLogin { name, password };
                write_private(&path, &serde_json::to_vec_pretty(&login)?)?;
                login
            }
        };
        Ok(format!(
            "postgres://{}:{}@127.0.0.1:{}/{}",
            login.name, login.password, self.credentials.port, DATABASE_NAME
        ))
    }

    pub fn started_here(&self) -> bool {
        self.started_here
    }

    fn pgdata(&self) -> PathBuf {
        self.dir.join("pgdata")
    }

    async fn init(&self) -> anyhow::Result<()> {
        let pgdata = self.pgdata();
        std::fs::create_dir_all(&pgdata)?;
        std::fs::set_permissions(&pgdata, std::fs::Permissions::from_mode(0o700))?;
        let pwfile = self.dir.join(".initdb-password");
        write_private(&pwfile, self.credentials.password.as_bytes())?;
        if let Some(user) = &self.run_as {
            chown_to(&pgdata, user).await?;
            chown_to(&pwfile, user).await?;
        }
        let result = self
            .run_pg(
                "initdb",
                &[
                    "-D".as_ref(),
                    pgdata.as_os_str(),
                    "-U".as_ref(),
                    self.credentials.superuser.as_ref(),
                    "--pwfile".as_ref(),
                    pwfile.as_os_str(),
                    "--auth-local=scram-sha-256".as_ref(),
                    "--auth-host=scram-sha-256".as_ref(),
                    "--encoding=UTF8".as_ref(),
                    "--locale=C.UTF-8".as_ref(),
                ],
            )
            .await;
        let _ = std::fs::remove_file(&pwfile);
        result?;
        // Private port, loopback only, socket inside pgdata: never collides with a system
        // PostgreSQL and is not reachable from the network.
        let settings = format!(
            "\n# ticketdesk solo mode\nlisten_addresses = '127.0.0.1'\nport = {}\n\
             unix_socket_directories = '{}'\nmax_connections = 200\n",
            self.credentials.port,
            pgdata.display()
        );
        let conf = pgdata.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf)?;
        text.push_str(&settings);
        std::fs::write(&conf, text)?;
        Ok(())
    }

    async fn is_running(&self) -> anyhow::Result<bool> {
        let pgdata = self.pgdata();
        let status = self
            .command(
                "pg_ctl",
                &["status".as_ref(), "-D".as_ref(), pgdata.as_os_str()],
            )
            .output()
            .await
            .context("cannot run pg_ctl")?;
        Ok(status.status.success())
    }

    async fn start(&self) -> anyhow::Result<()> {
        let pgdata = self.pgdata();
        let log = pgdata.join("server.log");
        self.run_pg(
            "pg_ctl",
            &[
                "start".as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "-D".as_ref(),
                pgdata.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
            ],
        )
        .await
        .with_context(|| format!("the solo PostgreSQL did not start; see {}", log.display()))
    }

    /// Stops the server (fast shutdown: open sessions are rolled back, nothing committed is lost).
    pub async fn stop(&self) -> anyhow::Result<()> {
        let pgdata = self.pgdata();
        self.run_pg(
            "pg_ctl",
            &[
                "stop".as_ref(),
                "-w".as_ref(),
                "-m".as_ref(),
                "fast".as_ref(),
                "-D".as_ref(),
                pgdata.as_os_str(),
            ],
        )
        .await
    }

    /// Stops the server only if this process started it.
    pub async fn stop_if_started_here(&self) -> anyhow::Result<()> {
        if self.started_here {
            self.stop().await?;
        }
        Ok(())
    }

    async fn ensure_database(&self) -> anyhow::Result<()> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .context("cannot connect to the solo PostgreSQL")?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(DATABASE_NAME)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            sqlx::query(&format!("CREATE DATABASE {DATABASE_NAME}"))
                .execute(&mut conn)
                .await?;
        }
        Ok(())
    }

    fn command(&self, program: &str, args: &[&std::ffi::OsStr]) -> Command {
        let binary = self.bin_dir.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(binary);
                c
            }
            None => Command::new(binary),
        };
        command.args(args).stdin(std::process::Stdio::null());
        command
    }

    async fn run_pg(&self, program: &str, args: &[&std::ffi::OsStr]) -> anyhow::Result<()> {
        let output = self
            .command(program, args)
            .output()
            .await
            .with_context(|| format!("cannot run {program}"))?;
        if !output.status.success() {
            bail!(
                "{program} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout).trim(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(bytes)?;
    Ok(())
}

async fn chown_to(path: &Path, user: &str) -> anyhow::Result<()> {
    let status = Command::new("chown")
        .arg("-R")
        .arg(format!("{user}:"))
        .arg(path)
        .status()
        .await?;
    if !status.success() {
        bail!(
            "cannot hand {} to the OS user {user:?} (does it exist? `apt-get install postgresql` creates it)",
            path.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::newest_server_under;

    #[test]
    fn without_postgresql_solo_mode_says_what_to_install_or_where_else_to_connect() {
        let dir = std::env::temp_dir().join(format!("td-no-pg-{}", std::process::id()));
        for root in [dir.join("absent"), dir.clone()] {
            std::fs::create_dir_all(&dir).unwrap();
            let err = newest_server_under(&root).unwrap_err().to_string();
            assert!(err.contains("sudo apt install postgresql"), "{err}");
            assert!(err.contains("TICKETDESK_DATABASE_URL"), "{err}");
        }
        // Control: a version directory with initdb is found, the newest one.
        for version in ["13", "15"] {
            let bin = dir.join(version).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::write(bin.join("initdb"), "").unwrap();
        }
        assert_eq!(
            newest_server_under(&dir).unwrap(),
            dir.join("15").join("bin")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

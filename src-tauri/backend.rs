//! An open database: the pool, and the private cluster when this process runs in solo mode.
//! The desktop app, the command line and the benchmark all open one the same way.

use sqlx::PgPool;

use crate::config::DatabaseTarget;
use crate::db;
use crate::error::{Error, Result};
use crate::solo::{self, SoloCluster};

/// An open database: the desktop's pool, and the solo cluster when this desktop runs one.
pub struct Backend {
    pub pool: PgPool,
    pub solo: Option<SoloCluster>,
}

impl Backend {
    /// Connects to the target. Solo mode starts and migrates its private cluster, then
    /// connects with the least-privileged desktop login like any team desktop; team mode
    /// checks the server's schema and refuses one it does not fit.
    pub async fn open(target: &DatabaseTarget) -> Result<Self> {
        match target {
            DatabaseTarget::Solo { dir } => {
                let cluster = SoloCluster::ensure_running(dir).await.map_err(solo_error)?;
                let owner = db::connect(&cluster.url(solo::DATABASE_NAME), 1)
                    .await
                    .map_err(Error::Unavailable)?;
                db::migrate(&owner).await?;
                let desktop_url = cluster.desktop_url(&owner).await?;
                owner.close().await;
                let pool = db::connect(&desktop_url, db::DEFAULT_POOL_SIZE)
                    .await
                    .map_err(Error::Unavailable)?;
                Ok(Self {
                    pool,
                    solo: Some(cluster),
                })
            }
            DatabaseTarget::Team { url } => {
                let pool = db::connect(url, db::DEFAULT_POOL_SIZE)
                    .await
                    .map_err(Error::Unavailable)?;
                if let Some(problem) = db::schema_state(&pool).await?.problem() {
                    return Err(Error::Incompatible(problem));
                }
                Ok(Self { pool, solo: None })
            }
        }
    }

    /// Stops the solo cluster if this process started it.
    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(cluster) = &self.solo {
            if let Err(err) = cluster.stop_if_started_here().await {
                tracing::warn!(error = format!("{err:#}"), "cannot stop the solo database");
            }
        }
    }
}

/// A solo cluster that cannot start: missing server programs are the user's to fix, so the
/// window says what to install (`Incompatible` is shown as it is); anything else is the
/// database being unavailable.
fn solo_error(err: anyhow::Error) -> Error {
    if err
        .chain()
        .any(|cause| cause.is::<solo::ServerNotInstalled>())
    {
        Error::Incompatible(err.to_string())
    } else {
        Error::Unavailable(err)
    }
}

#[cfg(test)]
mod tests {
    use super::solo_error;
    use crate::error::{AppError, Error};

    #[test]
    fn a_missing_postgresql_reaches_the_window_in_its_own_words() {
        let missing = anyhow::Error::new(crate::solo::ServerNotInstalled);
        let shown = AppError::from(solo_error(missing));
        assert!(
            shown.message.contains("sudo apt install postgresql"),
            "{shown:?}"
        );
        // Control: any other failure is the database being unavailable.
        let other = solo_error(anyhow::anyhow!("initdb failed"));
        assert!(matches!(other, Error::Unavailable(_)), "{other:?}");
    }
}

//! The desktop application: state shared by the commands, start-up and shut-down.

use std::time::Duration;

use sqlx::PgPool;
use tauri::{Emitter, Manager, RunEvent};
use tokio::sync::{watch, OnceCell};
use uuid::Uuid;

use crate::config::{self, DatabaseTarget};
use crate::db;
use crate::domain::permissions::Actor;
use crate::error::{Error, Result};
use crate::notify::desktop::DesktopAlerts;
use crate::solo::{self, SoloCluster};

/// An open database: the pool, and the solo cluster when this desktop runs one.
pub struct Backend {
    pub pool: PgPool,
    pub solo: Option<SoloCluster>,
}

impl Backend {
    /// Connects to the target. Solo mode starts and migrates its private cluster; team mode
    /// checks the server's schema and refuses one it does not fit.
    pub async fn open(target: &DatabaseTarget) -> Result<Self> {
        match target {
            DatabaseTarget::Solo { dir } => {
                let cluster = SoloCluster::ensure_running(dir)
                    .await
                    .map_err(Error::Unavailable)?;
                let pool = db::connect(&cluster.url(solo::DATABASE_NAME), db::DEFAULT_POOL_SIZE)
                    .await
                    .map_err(Error::Unavailable)?;
                db::migrate(&pool).await?;
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

/// What every command can reach through `State<AppState>`.
pub struct AppState {
    target: DatabaseTarget,
    backend: OnceCell<Backend>,
    /// Temporary until sign-in exists: the demo user this window acts as.
    acting_as: watch::Sender<Option<Uuid>>,
}

impl AppState {
    pub fn new(target: DatabaseTarget) -> Self {
        Self {
            target,
            backend: OnceCell::new(),
            acting_as: watch::Sender::new(None),
        }
    }

    /// The open backend; the first caller opens it, others wait. A failure leaves it closed,
    /// so the next call retries.
    pub async fn backend(&self) -> Result<&Backend> {
        self.backend
            .get_or_try_init(|| Backend::open(&self.target))
            .await
    }

    pub async fn pool(&self) -> Result<&PgPool> {
        Ok(&self.backend().await?.pool)
    }

    pub fn acting_as(&self) -> Option<Uuid> {
        *self.acting_as.borrow()
    }

    pub fn set_acting_as(&self, user: Uuid) {
        self.acting_as.send_replace(Some(user));
    }

    /// The user this window acts for, with their current role.
    pub async fn actor(&self) -> Result<Actor> {
        let id = self.acting_as().ok_or_else(|| {
            Error::Unauthenticated("Choose which user this window acts as first.".into())
        })?;
        let user = db::users::find_active(self.pool().await?, id).await?;
        Ok(Actor::from(&user))
    }
}

/// Opens the window and runs until it is closed.
pub fn run() -> anyhow::Result<()> {
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .invoke_handler(crate::commands::handler())
        .setup(|app| {
            let stored_url = stored_database_url(app.handle());
            let target = config::resolve(stored_url)?;
            tracing::info!(?target, "starting");
            app.manage(AppState::new(target));
            tauri::async_runtime::spawn(connect_and_listen(app.handle().clone()));
            tauri::async_runtime::spawn(exit_on_signal(app.handle().clone()));
            Ok(())
        })
        .build(tauri::generate_context!())?;
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            let state = handle.state::<AppState>();
            if let Some(backend) = state.backend.get() {
                tauri::async_runtime::block_on(backend.close());
            }
        }
    });
    Ok(())
}

/// Ctrl-C or SIGTERM leave through the normal exit path, so the solo cluster is stopped.
async fn exit_on_signal(app: tauri::AppHandle) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!("cannot install signal handlers");
        return;
    };
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    tracing::info!("signal received, closing");
    app.exit(0);
}

fn stored_database_url(app: &tauri::AppHandle) -> Option<String> {
    use tauri_plugin_store::StoreExt;
    let store = app.store("settings.json").ok()?;
    store.get("databaseUrl")?.as_str().map(str::to_owned)
}

/// Opens the backend (retrying while it is unreachable), applies `TICKETDESK_ACT_AS`, then
/// keeps the notification listener running for the life of the app.
async fn connect_and_listen(app: tauri::AppHandle) {
    let state = app.state::<AppState>();
    let backend = loop {
        match state.backend().await {
            Ok(backend) => break backend,
            Err(err) => {
                let shown = crate::error::AppError::from(err);
                let _ = app.emit("backend-error", &shown);
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
        }
    };
    if let Ok(username) = std::env::var("TICKETDESK_ACT_AS") {
        match db::users::find_active_by_username(&backend.pool, &username).await {
            Ok(user) => state.set_acting_as(user.id),
            Err(err) => tracing::warn!(%err, "TICKETDESK_ACT_AS names no active user"),
        }
    }
    let alerts = DesktopAlerts { app: app.clone() };
    crate::notify::listener::run(backend.pool.clone(), state.acting_as.subscribe(), alerts).await;
}

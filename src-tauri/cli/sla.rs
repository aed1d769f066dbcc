//! `ticketdesk sla …`: SLA policies and holiday calendars from a terminal (issue 14, item 7),
//! and why a ticket is due when it is. It signs in as a person and goes through the same API
//! functions as the desktop's screen, so the database decides who may change what (managers
//! and admins) and validates every field, with the same messages.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db;
use crate::domain::sla::{self, HolidayCalendar, SlaPolicy};
use crate::error::AppError;

#[derive(Subcommand, Debug, Clone)]
pub enum SlaAction {
    /// List the policies (`--json`: as JSON, the shape `save-policy` reads).
    Policies {
        #[arg(long)]
        json: bool,
    },
    /// Create or change a policy from a JSON file (no `id`: a new one; a change carries the
    /// `updated_at` it was read with).
    SavePolicy {
        #[arg(long)]
        file: PathBuf,
    },
    /// List the holiday calendars with their days (`--json`: as JSON).
    Calendars {
        #[arg(long)]
        json: bool,
    },
    /// Create or change a calendar from a JSON file: name, description and all its holidays.
    SaveCalendar {
        #[arg(long)]
        file: PathBuf,
    },
    /// Why a ticket (its id) is due when it is: both deadlines, step by step.
    Explain { ticket: Uuid },
}

/// Signs `login` in, runs `action` in one transaction of that session, signs out, and
/// returns what to print.
pub async fn run(
    pool: &PgPool,
    login: &str,
    password: &str,
    code: Option<&str>,
    action: SlaAction,
) -> anyhow::Result<String> {
    let tokens = db::auth::sign_in(pool, login, password, code, Some("ticketdesk sla"))
        .await
        .map_err(person)?;
    let result = act(pool, &tokens.session_token, action).await;
    // The session is this command's alone; a failed sign-out leaves it to expire.
    let _ = db::auth::sign_out(pool, &tokens.session_token).await;
    result
}

async fn act(pool: &PgPool, session: &str, action: SlaAction) -> anyhow::Result<String> {
    let mut tx = db::auth::begin_as(pool, session).await.map_err(person)?;
    let out = match action {
        SlaAction::Policies { json } => {
            let policies = db::sla::policies(&mut tx).await.map_err(person)?;
            if json {
                serde_json::to_string_pretty(&policies)?
            } else {
                policies
                    .iter()
                    .map(policy_line)
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
        SlaAction::SavePolicy { file } => {
            let policy: SlaPolicy = read_json(&file)?;
            let id = db::sla::save_policy(&mut tx, &policy)
                .await
                .map_err(person)?;
            format!("saved policy {id}; open tickets under it were walked again")
        }
        SlaAction::Calendars { json } => {
            let calendars = db::sla::calendars(&mut tx).await.map_err(person)?;
            if json {
                serde_json::to_string_pretty(&calendars)?
            } else {
                calendars
                    .iter()
                    .map(calendar_lines)
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
        SlaAction::SaveCalendar { file } => {
            let calendar: HolidayCalendar = read_json(&file)?;
            let id = db::sla::save_calendar(&mut tx, &calendar)
                .await
                .map_err(person)?;
            format!("saved calendar {id}; open tickets of its policies were walked again")
        }
        SlaAction::Explain { ticket } => {
            match db::sla::walk(&mut tx, ticket).await.map_err(person)? {
                None => "no SLA policy applies to that ticket, or you may not see it".to_owned(),
                Some(walk) => explanation_lines(&sla::explain(&walk)),
            }
        }
    };
    tx.commit().await.map_err(|e| person(e.into()))?;
    Ok(out)
}

/// The error as a person reads it (the UI's message), not a chain of internals.
fn person(err: crate::error::Error) -> anyhow::Error {
    anyhow::anyhow!(AppError::from(err))
}

fn read_json<T: serde::de::DeserializeOwned>(file: &PathBuf) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid here", file.display()))
}

/// "P3 medium (default) · P3_MEDIUM · all categories · response 2 h, resolution 24 h ·
/// Mon–Fri 09:00–17:00 UTC · no holidays · from 2025-01-01 · active"
fn policy_line(p: &SlaPolicy) -> String {
    let hours = if p.business_hours_only {
        format!(
            "{} {:02}:00–{:02}:00 {}",
            if p.include_weekends {
                "Mon–Sun"
            } else {
                "Mon–Fri"
            },
            p.business_start_hour,
            p.business_end_hour,
            p.time_zone
        )
    } else {
        "around the clock".to_owned()
    };
    let until = p
        .effective_until
        .map(|d| format!(" until {d}"))
        .unwrap_or_default();
    format!(
        "{} · {} · {} · response {}, resolution {} · {hours} · {} · from {}{until} · {}",
        p.name,
        p.priority,
        p.category
            .map(|c| c.to_string())
            .unwrap_or_else(|| "all categories".into()),
        sla::duration(p.response_time_minutes.into()),
        sla::duration(p.resolution_time_minutes.into()),
        p.calendar_name
            .as_deref()
            .map(|c| format!("holidays: {c}"))
            .unwrap_or_else(|| "no holidays".into()),
        p.effective_from,
        if p.is_active { "active" } else { "inactive" },
    )
}

fn calendar_lines(c: &HolidayCalendar) -> String {
    let mut out = format!("{} ({} days)", c.name, c.holidays.len());
    for h in &c.holidays {
        out.push_str(&format!(
            "\n  {} {}",
            h.day.format("%a %Y-%m-%d"),
            h.label.as_deref().unwrap_or("")
        ));
    }
    out
}

fn explanation_lines(e: &sla::SlaExplanation) -> String {
    let mut out = format!("{}: {}", e.policy, e.terms);
    if let Some(paused) = &e.paused {
        out.push_str(&format!("\n{paused}"));
    }
    for d in &e.deadlines {
        let state = d
            .state
            .map(|s| format!(" ({s:?})"))
            .unwrap_or_default()
            .to_lowercase();
        out.push_str(&format!("\n{}{state}: due {}", d.kind, d.due));
        for step in &d.steps {
            out.push_str(&format!("\n  {step}"));
        }
    }
    out
}

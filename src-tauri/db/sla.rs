//! The SLA clock through the API (SPEC §3, §5): the periodic sweep (breaches, 80 % warnings,
//! RESOLVED tickets closed after 7 days), a ticket's "why", and the policies and holiday
//! calendars managers keep. The deadlines themselves are set by the database when a ticket is
//! created or re-prioritised, moved by pauses and walked again when a policy or calendar
//! changes (sql/sla/, sql/api/sla.sql).

use std::time::Duration;

use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use crate::domain::sla::{Holiday, HolidayCalendar, SlaPolicy, SlaWalk};
use crate::error::Result;

/// How often a desktop or the worker sweeps. Any number of them may: the advisory lock inside
/// `api.sla_sweep()` lets one through at a time and the others return at once.
pub const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// The most tickets one sweep flags, and the most it closes; a full batch is followed by
/// another at once.
pub const SWEEP_BATCH: i32 = 500;

/// One sweep (on a pool: in its own transaction): the larger of how many tickets it flagged as
/// breached and how many it closed, each at most [`SWEEP_BATCH`], or `None` when another
/// process was sweeping at that moment.
pub async fn sweep(conn: impl PgExecutor<'_>) -> Result<Option<i32>> {
    // "?": NULL when another process holds the sweep's lock.
    Ok(
        sqlx::query_scalar!(r#"SELECT api.sla_sweep($1) AS "changed?""#, SWEEP_BATCH)
            .fetch_one(conn)
            .await?,
    )
}

/// Sweeps every `period` for as long as the task lives. A failure (the server away, say) is
/// logged and the next tick tries again.
pub async fn sweep_every(pool: PgPool, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        loop {
            match sweep(&pool).await {
                Ok(Some(changed)) if changed > 0 => {
                    tracing::info!(changed, "SLA sweep flagged or closed tickets");
                    if changed < SWEEP_BATCH {
                        break;
                    }
                }
                Ok(_) => break,
                Err(err) => {
                    tracing::debug!(%err, "SLA sweep skipped");
                    break;
                }
            }
        }
    }
}

/// The steps of the walk behind both of a ticket's deadlines, as the caller may see them
/// (`api.ticket_sla`), or `None` (not visible, or no policy).
pub async fn walk(conn: &mut PgConnection, ticket_id: Uuid) -> Result<Option<SlaWalk>> {
    let walk = sqlx::query_scalar!(
        r#"SELECT api.ticket_sla($1) AS "walk?: Json<SlaWalk>""#,
        ticket_id
    )
    .fetch_one(conn)
    .await?;
    Ok(walk.map(|Json(walk)| walk))
}

/// Every policy (any signed-in user may read them).
pub async fn policies(conn: &mut PgConnection) -> Result<Vec<SlaPolicy>> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", name AS "name!", description, priority AS "priority!",
                  category, response_time_minutes AS "response_time_minutes!",
                  resolution_time_minutes AS "resolution_time_minutes!",
                  business_hours_only AS "business_hours_only!",
                  business_start_hour, business_end_hour,
                  include_weekends AS "include_weekends!", time_zone AS "time_zone!",
                  calendar_id, calendar_name, is_active AS "is_active!",
                  effective_from AS "effective_from!", effective_until,
                  updated_at AS "updated_at!"
           FROM api.sla_policies()"#
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(SlaPolicy {
                id: Some(r.id),
                name: r.name,
                description: r.description,
                priority: r.priority.parse().map_err(anyhow::Error::msg)?,
                category: r
                    .category
                    .map(|c| c.parse())
                    .transpose()
                    .map_err(anyhow::Error::msg)?,
                response_time_minutes: r.response_time_minutes,
                resolution_time_minutes: r.resolution_time_minutes,
                business_hours_only: r.business_hours_only,
                business_start_hour: r.business_start_hour.unwrap_or(9),
                business_end_hour: r.business_end_hour.unwrap_or(17),
                include_weekends: r.include_weekends,
                time_zone: r.time_zone,
                calendar_id: r.calendar_id,
                calendar_name: r.calendar_name,
                is_active: r.is_active,
                effective_from: r.effective_from,
                effective_until: r.effective_until,
                updated_at: Some(r.updated_at),
            })
        })
        .collect()
}

/// Creates or changes a policy (managers and admins; the database refuses anyone else and
/// validates every field), walking its open tickets' deadlines again. Returns its id.
pub async fn save_policy(conn: &mut PgConnection, policy: &SlaPolicy) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"SELECT api.save_sla_policy($1) AS "id!""#,
        Json(policy) as _
    )
    .fetch_one(conn)
    .await?)
}

/// Every holiday calendar with its days.
pub async fn calendars(conn: &mut PgConnection) -> Result<Vec<HolidayCalendar>> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", name AS "name!", description, updated_at AS "updated_at!",
                  holidays AS "holidays!: Json<Vec<Holiday>>"
           FROM api.sla_calendars()"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| HolidayCalendar {
            id: Some(r.id),
            name: r.name,
            description: r.description,
            holidays: r.holidays.0,
            updated_at: Some(r.updated_at),
        })
        .collect())
}

/// Creates or changes a calendar with its whole list of days, walking the open tickets of the
/// policies using it again. Returns its id.
pub async fn save_calendar(conn: &mut PgConnection, calendar: &HolidayCalendar) -> Result<Uuid> {
    Ok(sqlx::query_scalar!(
        r#"SELECT api.save_sla_calendar($1) AS "id!""#,
        Json(calendar) as _
    )
    .fetch_one(conn)
    .await?)
}

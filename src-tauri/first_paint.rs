//! When the window is ready: the UI emits `first-paint` once, after its first screen (the
//! signed-in queue, or the sign-in screen) has been painted. It is logged; with
//! `TICKETDESK_REPORT_READY` set it is also printed on stdout as `ready <view> <ms>`, where
//! `scripts/footprint.sh` times it against an empty Tauri window (SPEC §10).
//!
//! The measurement signs in without a person: with no refresh token kept and
//! `TICKETDESK_MEASURE_LOGIN` and `TICKETDESK_MEASURE_PASSWORD` set, the window signs in as that
//! user (meant for the demo accounts; the variables are readable by the same OS user). Every
//! later start takes the normal path: the refresh token that sign-in kept.

use serde::Deserialize;
use tauri::{AppHandle, Listener};

/// The event the UI emits (ui/src/lib/firstPaint.ts).
pub const EVENT: &str = "first-paint";
/// Set (to anything) to get the `ready …` line on stdout.
pub const REPORT_ENV: &str = "TICKETDESK_REPORT_READY";
const LOGIN_ENV: &str = "TICKETDESK_MEASURE_LOGIN";
const PASSWORD_ENV: &str = "TICKETDESK_MEASURE_PASSWORD";

#[derive(Debug, Deserialize)]
struct FirstPaint {
    /// "queue" or "sign-in".
    view: String,
    /// `performance.now()` in the page: milliseconds since its navigation began.
    ms: f64,
}

/// Listens for the UI's report for the life of the app.
pub fn listen(app: &AppHandle) {
    let print = std::env::var_os(REPORT_ENV).is_some();
    app.listen_any(EVENT, move |event| {
        let Some(line) = ready_line(event.payload()) else {
            return;
        };
        tracing::info!("first paint: {line}");
        if print {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    });
}

/// `ready <view> <ms>` for a well-formed report. Any script in the page may emit the event:
/// anything but the expected shape, views and a finite time gives nothing.
fn ready_line(payload: &str) -> Option<String> {
    let paint: FirstPaint = serde_json::from_str(payload).ok()?;
    let view = match paint.view.as_str() {
        "queue" => "queue",
        "sign-in" => "sign-in",
        _ => return None,
    };
    (paint.ms.is_finite() && paint.ms >= 0.0).then(|| format!("ready {view} {:.1}", paint.ms))
}

/// The measurement's user and password, when both are set.
pub fn measurement_credentials() -> Option<(String, String)> {
    let login = std::env::var(LOGIN_ENV).ok().filter(|v| !v.is_empty())?;
    let password = std::env::var(PASSWORD_ENV).ok().filter(|v| !v.is_empty())?;
    Some((login, password))
}

#[cfg(test)]
mod tests {
    use super::ready_line;

    #[test]
    fn only_a_well_formed_report_becomes_a_ready_line() {
        assert_eq!(
            ready_line(r#"{"view":"queue","ms":412.25}"#).as_deref(),
            Some("ready queue 412.2")
        );
        assert_eq!(
            ready_line(r#"{"view":"sign-in","ms":80}"#).as_deref(),
            Some("ready sign-in 80.0")
        );
        for bad in [
            r#"{"view":"queue\nready queue 1","ms":1}"#,
            r#"{"view":"admin","ms":1}"#,
            r#"{"view":"queue","ms":-1}"#,
            r#"{"view":"queue"}"#,
            r#""ready queue 1""#,
            "",
        ] {
            assert_eq!(ready_line(bad), None, "{bad}");
        }
    }
}

//! The system tray (SPEC §7): the signed-in user's unread count beside the icon, the latest
//! unread notifications in its menu (a click opens the ticket), "Open ticketdesk" and "Quit".
//! While the tray exists, closing the window only hides it: the app keeps listening.
//!
//! On Linux the tray is an AppIndicator (StatusNotifierItem on the session bus). Tauri panics
//! when `libayatana-appindicator3` is missing, so the library is checked first and the tray
//! is built under `catch_unwind`; without it the app runs without a tray and closing the window
//! quits, as before.
//!
//! Refreshes are coalesced: anyone may call [`refresh`] as often as they like; one task waits
//! for a quiet moment, then reads the count and the latest unread in one transaction.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Window, WindowEvent, Wry};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::db::notifications;
use crate::domain::escalation::{countdown, MyAlerts};
use crate::domain::notification::{NotificationItem, NotificationQuery};
use crate::error::{Error, Result};
use crate::state::AppState;

/// The tray's id; on Linux its StatusNotifierItem is exported at
/// `/org/ayatana/NotificationItem/tray_icon_tray_app_ticketdesk` (the e2e test reads it there).
pub const TRAY_ID: &str = "ticketdesk";
/// The label of the window that tray and notifications open (tauri.conf.json).
pub const MAIN_WINDOW: &str = "main";

/// How many unread notifications the menu lists.
pub const MENU_ITEMS: u32 = 5;
/// Longest menu label, in characters (an ellipsis included).
const MAX_LABEL_CHARS: usize = 60;
/// How long the refresher waits for more wake-ups before it queries.
const QUIET: Duration = Duration::from_millis(300);
/// The countdown to the next deadline is refreshed at least this often (issue 15, item 6).
const COUNTDOWN_EVERY: Duration = Duration::from_secs(60);

const MENU_HEADER: &str = "ticketdesk-header";
const MENU_MORE: &str = "ticketdesk-more";
const MENU_OPEN: &str = "ticketdesk-open";
const MENU_QUIT: &str = "ticketdesk-quit";
const MENU_ALERTS: &str = "ticketdesk-alerts";
const MENU_TICKET: &str = "ticketdesk-ticket:";

/// Managed state: whether the tray exists, and the refresher's doorbell.
struct TrayState {
    present: bool,
    wake: mpsc::Sender<()>,
}

/// Builds the tray (or logs why there is none) and starts its refresher. Call from `setup`,
/// after `AppState` is managed. Returns whether the tray exists.
pub fn init(app: &AppHandle) -> bool {
    let present = match create(app) {
        Ok(()) => true,
        Err(why) => {
            tracing::warn!(%why, "no system tray; closing the window quits ticketdesk");
            false
        }
    };
    let (wake, rx) = mpsc::channel(1);
    app.manage(TrayState { present, wake });
    if present {
        tauri::async_runtime::spawn(refresher(app.clone(), rx));
        tauri::async_runtime::spawn(follow_session(app.clone()));
        tauri::async_runtime::spawn(tick_countdown(app.clone()));
    }
    present
}

/// Wakes the refresher every [`COUNTDOWN_EVERY`], so the countdown stays true to the minute.
async fn tick_countdown(app: AppHandle) {
    let mut ticks = tokio::time::interval(COUNTDOWN_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        refresh(&app);
    }
}

/// Whether the tray exists (so the window may close to it).
pub fn present(app: &AppHandle) -> bool {
    app.try_state::<TrayState>().is_some_and(|s| s.present)
}

/// Asks for the tray to be brought up to date soon. Cheap and never blocks: wake-ups that
/// arrive while one is pending are merged into it.
pub fn refresh(app: &AppHandle) {
    if let Some(state) = app.try_state::<TrayState>() {
        if state.present {
            // Full means a refresh is already pending, which will see this change too.
            let _ = state.wake.try_send(());
        }
    }
}

/// Close to tray: while the tray exists, closing the main window hides it instead.
pub fn on_window_event(window: &Window, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        if window.label() == MAIN_WINDOW && present(window.app_handle()) {
            api.prevent_close();
            if let Err(err) = window.hide() {
                tracing::warn!(%err, "cannot hide the window");
            }
        }
    }
}

/// Shows, un-minimises and focuses the main window.
pub fn show_main_window(app: &AppHandle) {
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        tracing::warn!("the main window is gone");
        return;
    };
    let _ = window.unminimize();
    if let Err(err) = window.show() {
        tracing::warn!(%err, "cannot show the window");
    }
    let _ = window.set_focus();
}

/// Brings the window up and asks the UI to open `ticket_id` (tray menu, native notification).
pub fn open_ticket(app: &AppHandle, ticket_id: Uuid) {
    show_main_window(app);
    if let Err(err) = app.emit_to(
        MAIN_WINDOW,
        crate::events::OPEN_TICKET,
        ticket_id.to_string(),
    ) {
        tracing::warn!(%err, "cannot ask the window to open a ticket");
    }
}

fn create(app: &AppHandle) -> std::result::Result<(), String> {
    #[cfg(target_os = "linux")]
    if !library_loadable(APPINDICATOR_LIBRARIES) {
        return Err("libayatana-appindicator3 (or libappindicator3) is not installed".into());
    }
    let signed_out = view(None);
    let menu = build_menu(app, &signed_out).map_err(|e| e.to_string())?;
    let mut builder = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip(&signed_out.tooltip)
        .on_menu_event(on_menu_event);
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    // The libraries are checked above; this catches whatever else makes tauri panic.
    match catch_unwind(AssertUnwindSafe(|| builder.build(app))) {
        Ok(Ok(_tray)) => Ok(()), // the app keeps it (tray_by_id) until it exits
        Ok(Err(err)) => Err(err.to_string()),
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "the tray panicked".into())),
    }
}

/// What tray-icon's Linux backend loads (libappindicator-sys), in its order.
#[cfg(target_os = "linux")]
const APPINDICATOR_LIBRARIES: &[&std::ffi::CStr] =
    &[c"libayatana-appindicator3.so.1", c"libappindicator3.so.1"];

/// Whether one of `names` can be loaded. A loaded library stays loaded: tray-icon opens it
/// again, and unloading a GTK library is not safe.
#[cfg(target_os = "linux")]
fn library_loadable(names: &[&std::ffi::CStr]) -> bool {
    names.iter().any(|name| {
        // SAFETY: a NUL-terminated name; dlopen runs the library's initialisers, as tray-icon's
        // own loading would.
        !unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_LAZY | libc::RTLD_LOCAL) }.is_null()
    })
}

fn on_menu_event(app: &AppHandle, event: MenuEvent) {
    match MenuAction::parse(event.id().as_ref()) {
        Some(MenuAction::Open) => show_main_window(app),
        Some(MenuAction::Quit) => app.exit(0),
        Some(MenuAction::OpenTicket(ticket_id)) => open_ticket(app, ticket_id),
        None => {}
    }
}

/// Follows sign-in, sign-out and session changes.
async fn follow_session(app: AppHandle) {
    let mut session = app.state::<AppState>().session_changes();
    while session.changed().await.is_ok() {
        refresh(&app);
    }
}

/// The one task that queries and updates the tray, once per burst of wake-ups.
async fn refresher(app: AppHandle, mut wake: mpsc::Receiver<()>) {
    let mut shown = view(None);
    while next_burst(&mut wake, QUIET).await {
        let Some(latest) = load(&app).await else {
            continue;
        };
        if latest == shown {
            continue;
        }
        match apply(&app, &latest) {
            Ok(()) => shown = latest,
            Err(err) => tracing::warn!(%err, "cannot update the tray"),
        }
    }
}

/// Waits for a wake-up, then for `quiet`, and swallows the wake-ups that came meanwhile.
/// False when every sender is gone.
async fn next_burst(wake: &mut mpsc::Receiver<()>, quiet: Duration) -> bool {
    if wake.recv().await.is_none() {
        return false;
    }
    tokio::time::sleep(quiet).await;
    while wake.try_recv().is_ok() {}
    true
}

/// What the tray should show now; `None` when that cannot be read (keep what is shown).
async fn load(app: &AppHandle) -> Option<TrayView> {
    let state = app.state::<AppState>();
    if state.signed_in_user().is_none() {
        return Some(view(None));
    }
    match latest_unread(&state).await {
        Ok((count, items, alerts)) => {
            Some(view(Some((count, &items))).with_alerts(alerts.as_ref(), Utc::now()))
        }
        Err(Error::Unauthenticated(_)) => Some(view(None)),
        Err(err) => {
            tracing::warn!(%err, "cannot read the unread notifications for the tray");
            None
        }
    }
}

/// The unread count, the newest unread, and the escalations and deadlines of the user (None
/// when those cannot be read: the notifications still show).
async fn latest_unread(state: &AppState) -> Result<(i64, Vec<NotificationItem>, Option<MyAlerts>)> {
    let (mut tx, _actor) = state.begin().await?;
    let query = NotificationQuery {
        unread_only: true,
        before: None,
        limit: Some(MENU_ITEMS),
    };
    let page = notifications::list(&mut tx, &query).await?;
    let alerts = match crate::db::escalations::my_alerts(&mut tx).await {
        Ok(alerts) => Some(alerts),
        Err(err) => {
            tracing::warn!(%err, "cannot read the escalations and deadlines for the tray");
            None
        }
    };
    crate::db::auth::end_read(tx);
    Ok((page.unread, page.items, alerts))
}

fn apply(app: &AppHandle, view: &TrayView) -> tauri::Result<()> {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return Ok(());
    };
    tray.set_menu(Some(build_menu(app, view)?))?;
    // Linux: the label beside the AppIndicator icon; tooltips are not supported there.
    tray.set_title(Some(&view.title))?;
    tray.set_tooltip(Some(&view.tooltip))?;
    if let Some(icon) = app.default_window_icon() {
        tray.set_icon(Some(if view.warning {
            warning_icon(icon)
        } else {
            icon.clone()
        }))?;
    }
    Ok(())
}

/// The warning state's icon: the app's icon with an orange disc (ringed in white, to stand out
/// on dark and light panels) in its lower right corner.
fn warning_icon(base: &Image<'_>) -> Image<'static> {
    let (width, height) = (base.width(), base.height());
    let mut rgba = base.rgba().to_vec();
    let size = width.min(height) as f32;
    let radius = size * 0.24;
    let ring = (size * 0.05).max(1.0);
    let (cx, cy) = (width as f32 - radius - ring, height as f32 - radius - ring);
    for y in 0..height {
        for x in 0..width {
            let distance = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
            let colour = if distance <= radius {
                [0xE6, 0x51, 0x00, 0xFF]
            } else if distance <= radius + ring {
                [0xFF, 0xFF, 0xFF, 0xFF]
            } else {
                continue;
            };
            let at = ((y * width + x) * 4) as usize;
            rgba[at..at + 4].copy_from_slice(&colour);
        }
    }
    Image::new_owned(rgba, width, height)
}

fn build_menu(app: &AppHandle, view: &TrayView) -> tauri::Result<Menu<Wry>> {
    let header = MenuItem::with_id(app, MENU_HEADER, &view.header, false, None::<&str>)?;
    let mut entries = Vec::new();
    for entry in &view.entries {
        entries.push(MenuItem::with_id(
            app,
            entry.id.as_str(),
            &entry.label,
            true,
            None::<&str>,
        )?);
    }
    if let Some(more) = &view.more {
        entries.push(MenuItem::with_id(app, MENU_MORE, more, true, None::<&str>)?);
    }
    let mut alerts = Vec::new();
    for line in &view.alerts {
        alerts.push(MenuItem::with_id(
            app,
            line.id.as_str(),
            &line.label,
            true,
            None::<&str>,
        )?);
    }
    let open = MenuItem::with_id(app, MENU_OPEN, "Open ticketdesk", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, MENU_QUIT, "Quit", true, None::<&str>)?;
    let top = PredefinedMenuItem::separator(app)?;
    let middle = PredefinedMenuItem::separator(app)?;
    let bottom = PredefinedMenuItem::separator(app)?;
    let mut items: Vec<&dyn IsMenuItem<Wry>> = vec![&header, &top];
    items.extend(entries.iter().map(|e| e as &dyn IsMenuItem<Wry>));
    if !entries.is_empty() {
        items.push(&middle);
    }
    // Escalations and the next deadline, after the notifications and before Open / Quit.
    items.extend(alerts.iter().map(|e| e as &dyn IsMenuItem<Wry>));
    if !alerts.is_empty() {
        items.push(&bottom);
    }
    items.push(&open);
    items.push(&quit);
    Menu::with_items(app, &items)
}

/// What the tray shows, computed from the unread count and the latest unread notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TrayView {
    /// Beside the icon (Linux, macOS): the count, empty when there is nothing unread.
    title: String,
    tooltip: String,
    /// The menu's first, disabled line.
    header: String,
    entries: Vec<MenuEntry>,
    /// "…and N more", when the count exceeds the entries.
    more: Option<String>,
    /// The escalations the user holds and the countdown to their next deadline (issue 15).
    alerts: Vec<MenuEntry>,
    /// Something of the user's breached, or an escalation they hold is unacknowledged.
    warning: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct MenuEntry {
    id: String,
    label: String,
}

/// `None` is signed out; otherwise the unread count and the newest unread notifications.
fn view(unread: Option<(i64, &[NotificationItem])>) -> TrayView {
    let Some((count, latest)) = unread else {
        return TrayView {
            title: String::new(),
            tooltip: "ticketdesk — not signed in".into(),
            header: "Not signed in".into(),
            entries: Vec::new(),
            more: None,
            alerts: Vec::new(),
            warning: false,
        };
    };
    let count = count.max(0);
    let entries: Vec<MenuEntry> = latest
        .iter()
        .take(MENU_ITEMS as usize)
        .map(|n| MenuEntry {
            id: entry_id(n),
            label: menu_label(n.subject.as_deref(), &n.message),
        })
        .collect();
    let hidden = count.saturating_sub(entries.len() as i64);
    TrayView {
        title: count_label(count),
        tooltip: match count {
            0 => "ticketdesk — no unread notifications".into(),
            n => format!("ticketdesk — {n} unread"),
        },
        header: match count {
            0 => "No unread notifications".into(),
            1 => "1 unread notification".into(),
            n => format!("{n} unread notifications"),
        },
        entries,
        more: (hidden > 0).then(|| format!("…and {hidden} more")),
        alerts: Vec::new(),
        warning: false,
    }
}

impl TrayView {
    /// Adds the user's escalations and next deadline, as of `now`: "⚠ 1 escalation waits for
    /// you", "2 open escalations", "TKT-2026-00042 breaches in 12 min" (a click opens it).
    fn with_alerts(mut self, alerts: Option<&MyAlerts>, now: DateTime<Utc>) -> Self {
        let Some(alerts) = alerts else {
            return self;
        };
        let mut lines = Vec::new();
        if alerts.unacknowledged > 0 {
            lines.push((
                "escalations",
                match alerts.unacknowledged {
                    1 => "⚠ 1 escalation waits for you".to_owned(),
                    n => format!("⚠ {n} escalations wait for you"),
                },
            ));
        } else if alerts.open_escalations > 0 {
            lines.push((
                "escalations",
                match alerts.open_escalations {
                    1 => "1 open escalation".to_owned(),
                    n => format!("{n} open escalations"),
                },
            ));
        }
        if alerts.breached > 0 {
            lines.push((
                "breached",
                match alerts.breached {
                    1 => "⚠ 1 of your tickets breached its SLA".to_owned(),
                    n => format!("⚠ {n} of your tickets breached their SLA"),
                },
            ));
        }
        self.alerts = lines
            .into_iter()
            .map(|(what, label)| MenuEntry {
                id: format!("{MENU_ALERTS}#{what}"),
                label,
            })
            .collect();
        if let Some(next) = &alerts.next {
            self.alerts.push(MenuEntry {
                id: format!("{MENU_TICKET}{}#deadline", next.ticket_id),
                label: countdown(next, now),
            });
        }
        self.warning = alerts.warning();
        if self.warning {
            self.tooltip = format!("{} — needs you", self.tooltip);
        }
        self
    }
}

/// The count beside the icon: empty for none, capped at 99+.
fn count_label(count: i64) -> String {
    match count {
        ..=0 => String::new(),
        1..=99 => count.to_string(),
        _ => "99+".into(),
    }
}

/// A notification as one menu line: its subject (else its message) on one line, at most
/// `MAX_LABEL_CHARS`, with `&` escaped (menus read `&x` as a keyboard mnemonic).
fn menu_label(subject: Option<&str>, message: &str) -> String {
    let text = subject
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(message);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = if line.chars().count() > MAX_LABEL_CHARS {
        let kept: String = line.chars().take(MAX_LABEL_CHARS - 1).collect();
        format!("{}…", kept.trim_end())
    } else {
        line
    };
    line.replace('&', "&&")
}

/// The menu id of a notification's item: unique per notification, and carrying the ticket a
/// click opens (a notification without a ticket just opens the window).
fn entry_id(n: &NotificationItem) -> String {
    match n.ticket_id {
        Some(ticket) => format!("{MENU_TICKET}{ticket}#{}", n.id),
        None => format!("{MENU_OPEN}#{}", n.id),
    }
}

/// What a click on a menu item does, from its id.
#[derive(Debug, PartialEq, Eq)]
enum MenuAction {
    Open,
    Quit,
    OpenTicket(Uuid),
}

impl MenuAction {
    fn parse(id: &str) -> Option<Self> {
        let base = id.split_once('#').map_or(id, |(base, _notification)| base);
        match base {
            MENU_OPEN | MENU_MORE | MENU_ALERTS => Some(Self::Open),
            MENU_QUIT => Some(Self::Quit),
            _ => base
                .strip_prefix(MENU_TICKET)
                .and_then(|t| Uuid::parse_str(t).ok())
                .map(Self::OpenTicket),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn item(subject: Option<&str>, message: &str, ticket: Option<Uuid>) -> NotificationItem {
        NotificationItem {
            id: Uuid::new_v4(),
            ticket_id: ticket,
            ticket_number: None,
            kind: "TICKET_ASSIGNED".into(),
            subject: subject.map(str::to_owned),
            message: message.into(),
            priority: "P2_HIGH".into(),
            created_at: Utc::now(),
            read_at: None,
        }
    }

    #[test]
    fn signed_out_shows_no_count() {
        let v = view(None);
        assert_eq!(v.title, "");
        assert_eq!(v.tooltip, "ticketdesk — not signed in");
        assert_eq!(v.header, "Not signed in");
        assert!(v.entries.is_empty());
        assert_eq!(v.more, None);
    }

    #[test]
    fn the_count_is_beside_the_icon_and_in_the_tooltip() {
        let none = view(Some((0, &[])));
        assert_eq!(
            (
                none.title.as_str(),
                none.tooltip.as_str(),
                none.header.as_str()
            ),
            (
                "",
                "ticketdesk — no unread notifications",
                "No unread notifications"
            )
        );
        let one = view(Some((1, &[item(Some("A"), "a", None)])));
        assert_eq!(
            (
                one.title.as_str(),
                one.tooltip.as_str(),
                one.header.as_str()
            ),
            ("1", "ticketdesk — 1 unread", "1 unread notification")
        );
        assert_eq!(one.more, None);
        let many = view(Some((3, &[])));
        assert_eq!(many.title, "3");
        assert_eq!(many.tooltip, "ticketdesk — 3 unread");
        assert_eq!(many.header, "3 unread notifications");
        assert_eq!(count_label(99), "99");
        assert_eq!(count_label(100), "99+");
        assert_eq!(count_label(-1), "");
    }

    #[test]
    fn the_menu_lists_at_most_five_and_says_how_many_more() {
        let ticket = Uuid::new_v4();
        let items: Vec<_> = (0..7)
            .map(|i| {
                item(
                    Some(&format!("TKT-2026-0000{i} assigned to you")),
                    "m",
                    Some(ticket),
                )
            })
            .collect();
        let v = view(Some((12, &items)));
        assert_eq!(v.entries.len(), 5);
        assert_eq!(v.entries[0].label, "TKT-2026-00000 assigned to you");
        assert_eq!(v.more.as_deref(), Some("…and 7 more"));
        let ids: std::collections::HashSet<_> = v.entries.iter().map(|e| &e.id).collect();
        assert_eq!(ids.len(), 5, "ids are unique even for one ticket");
        for entry in &v.entries {
            assert_eq!(
                MenuAction::parse(&entry.id),
                Some(MenuAction::OpenTicket(ticket))
            );
        }
    }

    #[test]
    fn labels_are_one_short_line_with_ampersands_escaped() {
        assert_eq!(
            menu_label(Some("  "), "line one\n  line two"),
            "line one line two"
        );
        assert_eq!(menu_label(None, "R&D asked"), "R&&D asked");
        let long = "é".repeat(100);
        let label = menu_label(Some(&long), "");
        assert_eq!(label.chars().count(), MAX_LABEL_CHARS);
        assert!(label.ends_with('…'));
        let words = format!("{} tail", "word ".repeat(20));
        assert!(
            !menu_label(Some(&words), "").contains(" …"),
            "no space before the ellipsis"
        );
        assert_eq!(menu_label(Some(&"x".repeat(60)), ""), "x".repeat(60));
    }

    #[test]
    fn menu_ids_round_trip() {
        let ticket = Uuid::new_v4();
        assert_eq!(MenuAction::parse(MENU_OPEN), Some(MenuAction::Open));
        assert_eq!(MenuAction::parse(MENU_MORE), Some(MenuAction::Open));
        assert_eq!(MenuAction::parse(MENU_QUIT), Some(MenuAction::Quit));
        assert_eq!(MenuAction::parse(MENU_HEADER), None);
        let with_ticket = item(None, "m", Some(ticket));
        assert_eq!(
            MenuAction::parse(&entry_id(&with_ticket)),
            Some(MenuAction::OpenTicket(ticket))
        );
        assert_eq!(
            MenuAction::parse(&format!("{MENU_TICKET}{ticket}")),
            Some(MenuAction::OpenTicket(ticket))
        );
        assert_eq!(
            MenuAction::parse(&entry_id(&item(None, "m", None))),
            Some(MenuAction::Open)
        );
        assert_eq!(MenuAction::parse("ticketdesk-ticket:not-a-uuid"), None);
        assert_eq!(MenuAction::parse("some-other-menu"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_wake_ups_is_one_refresh() {
        let (tx, mut rx) = mpsc::channel(1);
        let burst = tokio::spawn(async move {
            for _ in 0..50 {
                let _ = tx.try_send(());
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            tx
        });
        assert!(next_burst(&mut rx, QUIET).await);
        let tx = burst.await.unwrap();
        // Everything of the burst was merged into that one.
        let again = tokio::time::timeout(Duration::from_secs(5), next_burst(&mut rx, QUIET));
        assert!(
            again.await.is_err(),
            "no second refresh without a new wake-up"
        );
        // A later wake-up is a later refresh; with no sender left the refresher stops.
        tx.try_send(()).unwrap();
        assert!(next_burst(&mut rx, QUIET).await);
        drop(tx);
        assert!(!next_burst(&mut rx, QUIET).await);
    }

    fn alerts(open: i64, unacknowledged: i64, breached: i64) -> MyAlerts {
        MyAlerts {
            open_escalations: open,
            unacknowledged,
            breached,
            next: None,
        }
    }

    #[test]
    fn escalations_and_the_next_deadline_follow_the_notifications() {
        use crate::domain::escalation::{Deadline, DeadlineKind};
        let now = Utc::now();
        let ticket = Uuid::new_v4();
        let calm = view(Some((0, &[]))).with_alerts(Some(&alerts(0, 0, 0)), now);
        assert_eq!(calm, view(Some((0, &[]))), "nothing held: nothing added");
        assert!(!calm.warning);

        let mut waiting = alerts(2, 1, 0);
        waiting.next = Some(Deadline {
            at: now + chrono::TimeDelta::minutes(12),
            ticket_id: ticket,
            ticket_number: "TKT-2026-00042".into(),
            kind: DeadlineKind::Resolution,
        });
        let v = view(Some((1, &[]))).with_alerts(Some(&waiting), now);
        let labels: Vec<_> = v.alerts.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "⚠ 1 escalation waits for you",
                "TKT-2026-00042 breaches in 12 min"
            ]
        );
        assert!(v.warning, "an unacknowledged escalation is a warning");
        assert_eq!(
            v.title, "1",
            "the count beside the icon stays the unread count"
        );
        assert_eq!(v.tooltip, "ticketdesk — 1 unread — needs you");
        assert_eq!(
            MenuAction::parse(&v.alerts[1].id),
            Some(MenuAction::OpenTicket(ticket)),
            "the countdown opens its ticket"
        );
        assert_eq!(MenuAction::parse(&v.alerts[0].id), Some(MenuAction::Open));

        let acknowledged = view(Some((0, &[]))).with_alerts(Some(&alerts(2, 0, 0)), now);
        assert_eq!(acknowledged.alerts[0].label, "2 open escalations");
        assert!(!acknowledged.warning, "all acknowledged: calm");
        let breached = view(Some((0, &[]))).with_alerts(Some(&alerts(0, 0, 3)), now);
        assert_eq!(
            breached.alerts[0].label,
            "⚠ 3 of your tickets breached their SLA"
        );
        assert!(breached.warning);
        let ids: std::collections::HashSet<_> = view(Some((0, &[])))
            .with_alerts(Some(&alerts(1, 1, 1)), now)
            .alerts
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(ids.len(), 2, "menu ids are unique");
        // Unreadable alerts leave the notifications as they are.
        assert_eq!(
            view(Some((0, &[]))).with_alerts(None, now),
            view(Some((0, &[])))
        );
    }

    #[test]
    fn the_warning_icon_marks_its_corner_and_keeps_the_rest() {
        let base = Image::new_owned(vec![10; 32 * 32 * 4], 32, 32);
        let warned = warning_icon(&base);
        assert_eq!((warned.width(), warned.height()), (32, 32));
        let pixel = |x: u32, y: u32| {
            let at = ((y * 32 + x) * 4) as usize;
            warned.rgba()[at..at + 4].to_vec()
        };
        assert_eq!(
            pixel(0, 0),
            [10, 10, 10, 10],
            "the top left is the app's icon"
        );
        assert_eq!(
            pixel(23, 23),
            [0xE6, 0x51, 0x00, 0xFF],
            "an orange disc bottom right"
        );
        assert_ne!(warned.rgba(), base.rgba());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_missing_library_is_detected_without_panicking() {
        assert!(!library_loadable(&[c"libticketdesk-no-such-library.so.1"]));
        assert!(library_loadable(&[c"libc.so.6"]));
    }
}

//! What a send's outcome does to its row: the backoff schedule and the column values. Pure.
//!
//! `retry_count` counts the failed attempts. A row is tried at most `max_attempts` times: after
//! the last failure it is FAILED. A permanent failure (nowhere to send it, or a 4xx answer that
//! a retry cannot change) is FAILED at once.

use std::time::Duration;

/// Longest `failed_reason` kept: enough to tell what went wrong, short enough for a list.
pub const MAX_REASON_CHARS: usize = 200;

/// Exponential backoff: `base` after the first failure, doubling, never above `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The wait before the next attempt once `failures` attempts have failed (1 or more).
    pub fn after(&self, failures: u32) -> Duration {
        2u32.checked_pow(failures.saturating_sub(1))
            .and_then(|factor| self.base.checked_mul(factor))
            .map_or(self.max, |wait| wait.min(self.max))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub backoff: Backoff,
}

/// Why a send did not go through. The text is short and carries no secret: it is stored in
/// `failed_reason` and logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendError {
    /// Worth another try later (timeouts, 5xx, 408, 429, connection failures).
    Transient(String),
    /// No retry can help (no address, a 4xx answer, an address the server refuses).
    Permanent(String),
}

impl SendError {
    pub fn reason(&self) -> &str {
        match self {
            SendError::Transient(r) | SendError::Permanent(r) => r,
        }
    }
}

/// A send that went through; `external_id` is the provider's handle on it, when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub external_id: Option<String>,
}

/// The new values of the row's delivery columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Update {
    /// status SENT, sent_at now, external_id, failed_reason NULL, next_attempt_at NULL.
    Sent { external_id: Option<String> },
    /// Still PENDING: retry_count, failed_reason, next_attempt_at = now + `after`.
    Retry {
        retry_count: i32,
        failed_reason: String,
        after: Duration,
    },
    /// status FAILED, retry_count, failed_reason, next_attempt_at NULL.
    Failed {
        retry_count: i32,
        failed_reason: String,
    },
}

/// The update for a row that had `retry_count` failures before this attempt.
pub fn decide(outcome: &Result<Sent, SendError>, retry_count: i32, policy: &RetryPolicy) -> Update {
    match outcome {
        Ok(sent) => Update::Sent {
            external_id: sent.external_id.as_deref().map(|id| truncate(id, 255)),
        },
        Err(error) => {
            let failures = retry_count.max(0).saturating_add(1);
            let failed_reason = truncate(error.reason(), MAX_REASON_CHARS);
            let permanent = matches!(error, SendError::Permanent(_));
            if permanent || failures as u32 >= policy.max_attempts {
                Update::Failed {
                    retry_count: failures,
                    failed_reason,
                }
            } else {
                Update::Retry {
                    retry_count: failures,
                    failed_reason,
                    after: policy.backoff.after(failures as u32),
                }
            }
        }
    }
}

/// At most `max` characters (not bytes), marked with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: Backoff = Backoff {
        base: Duration::from_secs(30),
        max: Duration::from_secs(3600),
    };

    fn policy(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            backoff: DEFAULT,
        }
    }

    #[test]
    fn backoff_doubles_from_the_base_and_stops_at_an_hour() {
        let waits: Vec<u64> = (1..=9).map(|n| DEFAULT.after(n).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(DEFAULT.after(0), Duration::from_secs(30));
        assert_eq!(DEFAULT.after(40), Duration::from_secs(3600));
        assert_eq!(DEFAULT.after(u32::MAX), Duration::from_secs(3600));
        let huge = Backoff {
            base: Duration::from_secs(u64::MAX / 2),
            max: Duration::MAX,
        };
        assert_eq!(huge.after(3), Duration::MAX, "overflow saturates at max");
    }

    #[test]
    fn success_clears_and_keeps_the_provider_id() {
        let sent = Ok(Sent {
            external_id: Some("<id@example.com>".into()),
        });
        assert_eq!(
            decide(&sent, 2, &policy(5)),
            Update::Sent {
                external_id: Some("<id@example.com>".into())
            }
        );
        let long = Ok(Sent {
            external_id: Some("x".repeat(300)),
        });
        let Update::Sent {
            external_id: Some(id),
        } = decide(&long, 0, &policy(5))
        else {
            panic!()
        };
        assert_eq!(id.chars().count(), 255, "fits VARCHAR(255)");
    }

    #[test]
    fn transient_failures_retry_with_backoff_until_the_last_attempt() {
        let err = Err(SendError::Transient("HTTP 500".into()));
        assert_eq!(
            decide(&err, 0, &policy(5)),
            Update::Retry {
                retry_count: 1,
                failed_reason: "HTTP 500".into(),
                after: Duration::from_secs(30)
            }
        );
        assert_eq!(
            decide(&err, 3, &policy(5)),
            Update::Retry {
                retry_count: 4,
                failed_reason: "HTTP 500".into(),
                after: Duration::from_secs(240)
            }
        );
        assert_eq!(
            decide(&err, 4, &policy(5)),
            Update::Failed {
                retry_count: 5,
                failed_reason: "HTTP 500".into()
            }
        );
        // One attempt only: the first failure is the last.
        assert!(matches!(
            decide(&err, 0, &policy(1)),
            Update::Failed { retry_count: 1, .. }
        ));
    }

    #[test]
    fn permanent_failures_fail_at_once() {
        let err = Err(SendError::Permanent("recipient has no phone number".into()));
        assert_eq!(
            decide(&err, 0, &policy(5)),
            Update::Failed {
                retry_count: 1,
                failed_reason: "recipient has no phone number".into()
            }
        );
    }

    #[test]
    fn reasons_are_cut_to_size_on_a_character_boundary() {
        let err = Err(SendError::Transient("é".repeat(500)));
        let Update::Retry { failed_reason, .. } = decide(&err, 0, &policy(5)) else {
            panic!()
        };
        assert_eq!(failed_reason.chars().count(), MAX_REASON_CHARS);
        assert!(failed_reason.ends_with('…'));
        assert_eq!(truncate("  short  ", 10), "short");
    }
}

//! TOTP enrolment (RFC 6238): a fresh secret and the otpauth:// URI an authenticator app
//! scans. The secret goes to the server once and is never readable again; the server checks
//! codes itself.

use serde::Serialize;
use totp_rs::{Algorithm, Secret, TOTP};
use ts_rs::TS;

pub const DIGITS: usize = 6;
pub const STEP_SECONDS: u64 = 30;
const ISSUER: &str = "ticketdesk";

/// What the enrolment screen shows, once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MfaEnrolment {
    /// Base32, for typing into an authenticator by hand.
    pub secret: String,
    /// `otpauth://totp/…`, for scanning.
    pub uri: String,
}

/// A new 160-bit secret (RFC 4226's recommendation) for `account`.
pub fn new_enrolment(account: &str) -> Result<(Vec<u8>, MfaEnrolment), String> {
    let secret = Secret::generate_secret()
        .to_bytes()
        .map_err(|e| format!("cannot make an MFA secret: {e}"))?;
    let totp = totp_for(&secret, account)?;
    let enrolment = MfaEnrolment {
        secret: totp.get_secret_base32(),
        uri: totp.get_url(),
    };
    Ok((secret, enrolment))
}

/// The TOTP the server's SQL implements: SHA-1, 6 digits, 30-second steps, ±1 step.
pub fn totp_for(secret: &[u8], account: &str) -> Result<TOTP, String> {
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECONDS,
        secret.to_vec(),
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| format!("cannot set up TOTP: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrolment_gives_a_scannable_uri_and_the_same_secret_in_base32() {
        let (secret, enrolment) = new_enrolment("lena").unwrap();
        assert_eq!(secret.len(), 20, "160 bits");
        assert!(
            enrolment.uri.starts_with("otpauth://totp/ticketdesk:lena?"),
            "{}",
            enrolment.uri
        );
        assert!(enrolment
            .uri
            .contains(&format!("secret={}", enrolment.secret)));
        assert!(enrolment.uri.contains("issuer=ticketdesk"));
        let (other, _) = new_enrolment("lena").unwrap();
        assert_ne!(secret, other, "secrets are random");
    }

    #[test]
    fn codes_follow_rfc_6238() {
        // RFC 6238 appendix B, SHA-1 seed, T = 59 s → 94287082 (8 digits); 6 digits: 287082.
        let totp = totp_for(b"12345678901234567890", "rfc").unwrap();
        assert_eq!(totp.generate(59), "287082");
        assert_eq!(totp.generate(1_111_111_109), "081804");
    }
}

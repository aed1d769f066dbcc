//! Password verifiers without password hashes on the wire.
//!
//! The desktop derives `key = Argon2id(password, salt, m, t, p)`; the server stores only
//! `sha256(key)` and compares it. No hash ever leaves the server, and cracking a stolen
//! verifier still costs one Argon2id per guess (the scheme Bitwarden uses). The verifier text,
//! kept in `users.password_hash`, carries its parameters so they can be raised later:
//! `$tdv1$m=<KiB>,t=<iterations>,p=<lanes>$<salt>$<sha256(key) as hex>`.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// OWASP's minimum for Argon2id; the server refuses weaker verifiers.
pub const MIN_M_COST_KIB: u32 = 19 * 1024;
pub const MIN_T_COST: u32 = 2;
pub const MIN_P_COST: u32 = 1;
/// Upper bounds the desktop accepts from a server, so a hostile one cannot make it hang.
const MAX_M_COST_KIB: u32 = 1024 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 8;
pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 1024;

/// What the server hands out for deriving the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KdfParams {
    pub salt: String,
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl KdfParams {
    pub fn fresh() -> Self {
        let mut salt = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut salt);
        Self {
            salt: base64::engine::general_purpose::STANDARD_NO_PAD.encode(salt),
            m_cost_kib: MIN_M_COST_KIB,
            t_cost: MIN_T_COST,
            p_cost: MIN_P_COST,
        }
    }
}

/// Argon2id of the password with the server's parameters. CPU- and memory-heavy (tens of
/// milliseconds, 19 MiB): call it off the async runtime.
pub fn derive_key(password: &str, params: &KdfParams) -> Result<[u8; 32], String> {
    if params.m_cost_kib > MAX_M_COST_KIB
        || params.t_cost > MAX_T_COST
        || params.p_cost > MAX_P_COST
    {
        return Err("The server asked for unreasonable password-hashing parameters.".into());
    }
    let argon_params = Params::new(params.m_cost_kib, params.t_cost, params.p_cost, Some(32))
        .map_err(|e| format!("invalid password-hashing parameters: {e}"))?;
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params)
        .hash_password_into(password.as_bytes(), params.salt.as_bytes(), &mut key)
        .map_err(|e| format!("password hashing failed: {e}"))?;
    Ok(key)
}

/// The verifier the server stores for a new password.
pub fn new_verifier(password: &str) -> Result<String, String> {
    check_new_password(password)?;
    let params = KdfParams::fresh();
    let key = derive_key(password, &params)?;
    Ok(format!(
        "$tdv1$m={},t={},p={}${}${}",
        params.m_cost_kib,
        params.t_cost,
        params.p_cost,
        params.salt,
        hex(&Sha256::digest(key))
    ))
}

pub fn check_new_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(format!(
            "A password needs at least {PASSWORD_MIN_CHARS} characters."
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(format!(
            "A password may have at most {PASSWORD_MAX_CHARS} characters."
        ));
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(verifier: &str) -> Vec<&str> {
        verifier.split('$').collect()
    }

    #[test]
    fn verifier_records_owasp_parameters_salt_and_digest() {
        let verifier = new_verifier("correct horse battery").unwrap();
        let p = parts(&verifier);
        assert_eq!(p[1], "tdv1");
        assert_eq!(p[2], "m=19456,t=2,p=1");
        assert_eq!(p[3].len(), 22, "16 random bytes, base64 without padding");
        assert_eq!(p[4].len(), 64, "sha256 as hex");
    }

    #[test]
    fn the_same_password_and_params_derive_the_same_key_and_others_do_not() {
        let verifier = new_verifier("correct horse battery").unwrap();
        let p = parts(&verifier);
        let params = KdfParams {
            salt: p[3].into(),
            m_cost_kib: 19456,
            t_cost: 2,
            p_cost: 1,
        };
        let key = derive_key("correct horse battery", &params).unwrap();
        assert_eq!(
            hex(&Sha256::digest(key)),
            p[4],
            "the server's comparison succeeds"
        );
        let wrong = derive_key("correct horse battery!", &params).unwrap();
        assert_ne!(hex(&Sha256::digest(wrong)), p[4]);
        assert_ne!(
            new_verifier("correct horse battery").unwrap(),
            verifier,
            "salts are random"
        );
    }

    #[test]
    fn unreasonable_server_parameters_are_refused() {
        let params = KdfParams {
            salt: "saltsaltsaltsalt".into(),
            m_cost_kib: 4 * 1024 * 1024,
            t_cost: 2,
            p_cost: 1,
        };
        assert!(derive_key("x", &params).is_err());
    }

    #[test]
    fn new_passwords_have_bounds() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password(&"x".repeat(1025)).is_err());
        assert!(check_new_password("long enough").is_ok());
    }
}

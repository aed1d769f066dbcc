//! What the admin screen shows of an account and what its forms send (the rules of who may do
//! what are the server's: sql/api/accounts.sql).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use super::user::Role;

/// A row of the admin screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountView {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub department: Option<String>,
    pub is_active: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub failed_sign_ins: i32,
    pub email_verified: bool,
    pub mfa_enabled: bool,
}

/// What the admin's "new user" form sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewAccount {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub department: Option<String>,
    pub password: String,
}

/// Role, department and whether the account may sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountChange {
    pub role: Role,
    pub department: Option<String>,
    pub is_active: bool,
}

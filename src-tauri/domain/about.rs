//! What the About dialog shows (issue 18): this build, and the server it talks to.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct About {
    /// This build's version (Cargo.toml, the same as `ticketdesk --version`).
    pub app_version: String,
    /// The newest migration the server has applied (e.g. "20261209000000"); None before the
    /// server could be asked.
    pub schema_version: Option<String>,
    /// The server's PostgreSQL version, e.g. "15.18".
    pub postgres_version: Option<String>,
}

/// PostgreSQL's `server_version_num` as people write it: 150018 → "15.18" (10 and later have
/// two parts), 90624 → "9.6.24".
pub fn postgres_version(num: u32) -> String {
    if num >= 100_000 {
        format!("{}.{}", num / 10_000, num % 10_000)
    } else {
        format!("{}.{}.{}", num / 10_000, num / 100 % 100, num % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::postgres_version;

    #[test]
    fn server_version_numbers_read_as_people_write_them() {
        assert_eq!(postgres_version(150018), "15.18");
        assert_eq!(postgres_version(170000), "17.0");
        assert_eq!(postgres_version(90624), "9.6.24");
    }
}

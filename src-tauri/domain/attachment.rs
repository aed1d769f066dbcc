//! Attachments: the limits of SPEC §3 and what a file's name and type may be.

use serde::Deserialize;
use ts_rs::TS;
use uuid::Uuid;

/// SPEC §3 and the seed's `chk_file_size`: 50 MB (50 MiB, as the seed counts it).
pub const MAX_BYTES: u64 = 52_428_800;
/// Files travel and are stored in parts of this size, so progress can be shown and a download
/// streams.
pub const CHUNK_BYTES: usize = 1_048_576;
pub const FILE_NAME_MAX_CHARS: usize = 255;
pub const FILE_TYPE_MAX_CHARS: usize = 100;
const DEFAULT_TYPE: &str = "application/octet-stream";

/// Attaches a staged upload to a ticket, or to one of its comments.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewAttachment {
    pub upload_id: Uuid,
    pub ticket_id: Uuid,
    #[ts(optional)]
    pub comment_id: Option<Uuid>,
    pub file_name: String,
    #[ts(optional)]
    pub file_type: Option<String>,
}

/// Refuses a file over the limit before a byte of it is sent.
pub fn check_size(total_bytes: u64) -> Result<(), String> {
    match total_bytes {
        0 => Err("That file is empty.".into()),
        n if n > MAX_BYTES => Err(format!(
            "That file is {:.1} MB; attachments are limited to 50 MB.",
            n as f64 / 1_048_576.0
        )),
        _ => Ok(()),
    }
}

/// Checks one part of an upload: its position and size.
pub fn check_chunk(seq: u32, len: usize) -> Result<(), String> {
    let max_chunks = MAX_BYTES.div_ceil(CHUNK_BYTES as u64) as u32;
    if seq >= max_chunks {
        return Err("Attachments are limited to 50 MB.".into());
    }
    if len == 0 || len > CHUNK_BYTES {
        return Err(format!(
            "An upload part must hold 1 to {CHUNK_BYTES} bytes."
        ));
    }
    Ok(())
}

/// The name to store: without any directory part, trimmed, no control characters.
pub fn clean_file_name(name: &str) -> Result<String, String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if base.is_empty() || base == "." || base == ".." {
        return Err("A file needs a name.".into());
    }
    if base.chars().any(char::is_control) {
        return Err("A file name cannot contain control characters.".into());
    }
    if base.chars().count() > FILE_NAME_MAX_CHARS {
        return Err(format!(
            "File names are limited to {FILE_NAME_MAX_CHARS} characters."
        ));
    }
    Ok(base.to_owned())
}

/// A MIME type as `type/subtype`; anything unrecognisable is stored as a byte stream.
pub fn clean_file_type(file_type: Option<&str>) -> String {
    let t = file_type.unwrap_or_default().trim().to_ascii_lowercase();
    let valid = t.len() <= FILE_TYPE_MAX_CHARS
        && t.split_once('/').is_some_and(|(a, b)| {
            let token = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
            };
            token(a) && token(b)
        });
    if valid {
        t
    } else {
        DEFAULT_TYPE.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_fifty_megabytes_inclusive() {
        assert!(check_size(MAX_BYTES).is_ok());
        let err = check_size(MAX_BYTES + 1).unwrap_err();
        assert!(err.contains("50 MB"), "{err}");
        assert!(check_size(0).is_err());
    }

    #[test]
    fn parts_are_bounded_in_number_and_size() {
        assert!(check_chunk(0, CHUNK_BYTES).is_ok());
        assert!(check_chunk(49, 1).is_ok(), "50 parts of 1 MiB make 50 MB");
        assert!(check_chunk(50, 1).is_err());
        assert!(check_chunk(0, CHUNK_BYTES + 1).is_err());
        assert!(check_chunk(0, 0).is_err());
    }

    #[test]
    fn file_names_lose_their_directories() {
        assert_eq!(
            clean_file_name("/home/dev/report.pdf").unwrap(),
            "report.pdf"
        );
        assert_eq!(clean_file_name("C:\\logs\\app.log ").unwrap(), "app.log");
        assert!(clean_file_name("../").is_err());
        assert!(clean_file_name("a\u{0}b").is_err());
        assert!(clean_file_name(&"n".repeat(256)).is_err());
    }

    #[test]
    fn unknown_types_become_byte_streams() {
        assert_eq!(clean_file_type(Some("Text/Plain")), "text/plain");
        assert_eq!(clean_file_type(Some("image/svg+xml")), "image/svg+xml");
        assert_eq!(clean_file_type(None), DEFAULT_TYPE);
        assert_eq!(clean_file_type(Some("not a type")), DEFAULT_TYPE);
        assert_eq!(
            clean_file_type(Some("text/html; charset=utf-8")),
            DEFAULT_TYPE
        );
    }
}

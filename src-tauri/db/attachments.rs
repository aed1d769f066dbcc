//! Attachment content lives on the server, so every desktop can fetch it: staged in parts,
//! sealed by the server (which computes the SHA-256 and stores each distinct file once, in
//! `attachment_blobs`/`attachment_blob_chunks`), then named by an attachment row in the same
//! transaction. Downloads stream the parts and are checked against the hash.

use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::tickets::{self, announce_change};
use crate::domain::attachment::{self, NewAttachment};
use crate::domain::permissions::Actor;
use crate::domain::ticket::TicketDetail;
use crate::error::{Error, Result};

/// Stores one part of an upload (its own short transaction). Sending a part again is harmless.
pub async fn stage_chunk(
    tx: &mut PgConnection,
    upload_id: Uuid,
    seq: u32,
    data: &[u8],
) -> Result<()> {
    attachment::check_chunk(seq, data.len()).map_err(Error::Validation)?;
    sqlx::query!(
        "SELECT api.stage_upload_chunk($1, $2, $3)",
        upload_id,
        seq as i32,
        data
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Seals the staged upload and attaches it; all or nothing.
pub async fn attach(
    tx: &mut PgConnection,
    actor: Actor,
    input: NewAttachment,
) -> Result<TicketDetail> {
    let file_name = attachment::clean_file_name(&input.file_name).map_err(Error::Validation)?;
    let file_type = attachment::clean_file_type(input.file_type.as_deref());
    // The server checks what the caller may see, seals the upload and names it, in one call.
    sqlx::query!(
        "SELECT api.attach_file($1, $2, $3, $4, $5)",
        input.upload_id,
        input.ticket_id,
        input.comment_id,
        &file_name,
        &file_type
    )
    // fetch_one, not execute: query! has no execute for a statement that returns a value.
    .fetch_one(&mut *tx)
    .await?;
    announce_change(&mut *tx, input.ticket_id).await?;
    tickets::detail(&mut *tx, actor, input.ticket_id).await
}

/// What a download delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    pub file_name: String,
    pub file_type: String,
    pub size: u64,
    pub sha256: String,
}

/// Streams an attachment's content into `sink` part by part (with the bytes delivered so far),
/// then checks it against the stored hash and size. A mismatch is an error: whatever the sink
/// wrote must then be thrown away.
pub async fn download(
    conn: &mut PgConnection,
    attachment_id: Uuid,
    mut sink: impl FnMut(&[u8], u64) -> Result<()>,
) -> Result<Downloaded> {
    // Only a file the caller sees; one on a deleted comment went with it.
    let file = sqlx::query!(
        r#"SELECT file_name AS "file_name!", file_type AS "file_type!",
                  file_size AS "file_size!", file_hash AS "file_hash?"
           FROM api.attachment_download($1)"#,
        attachment_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::NotFound("No such attachment.".into()))?;
    let (file_name, file_type, file_size) = (file.file_name, file.file_type, file.file_size);
    let file_hash = file.file_hash.unwrap_or_default();
    let mut hasher = Sha256::new();
    let mut delivered: u64 = 0;
    let mut parts = sqlx::query_scalar!(
        r#"SELECT data AS "data!" FROM api.attachment_content($1) ORDER BY seq"#,
        attachment_id
    )
    .fetch(&mut *conn);
    while let Some(part) = parts.try_next().await? {
        hasher.update(&part);
        delivered += part.len() as u64;
        sink(&part, delivered)?;
    }
    let actual = hex(&hasher.finalize());
    if actual != file_hash || delivered != file_size as u64 {
        return Err(Error::Integrity(format!(
            "{file_name} does not match its checksum on the server, so it was not saved."
        )));
    }
    Ok(Downloaded {
        file_name,
        file_type,
        size: delivered,
        sha256: actual,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

//! Attachments: staged uploads sealed on the server, stored once per content, downloaded and
//! checked, and shown only to who may see them.

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use ticketdesk::db::attachments::{self, Downloaded};
use ticketdesk::domain::attachment::{self as rules, NewAttachment, CHUNK_BYTES, MAX_BYTES};
use ticketdesk::domain::ticket::{NewComment, TicketDetail};
use ticketdesk::domain::user::Role;
use ticketdesk::error::{Error, Result};
use uuid::Uuid;

use crate::helpers::{count, create, detail, new_ticket, signed_in, Desk};

const MIB: usize = 1_048_576;

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `len` pseudo-random bytes; a different `seed` gives different content.
fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) as u8
        })
        .collect()
}

/// Stages one part in its own transaction, as the app's `upload_chunk` command does.
async fn stage(desk: &Desk, upload: Uuid, seq: u32, data: &[u8]) -> Result<()> {
    let mut tx = desk.tx().await;
    attachments::stage_chunk(&mut tx, upload, seq, data).await?;
    tx.commit().await?;
    Ok(())
}

/// Stages `data` in parts of `part` bytes under a new upload id.
async fn upload(desk: &Desk, data: &[u8], part: usize) -> Uuid {
    let upload_id = Uuid::new_v4();
    for (seq, chunk) in data.chunks(part).enumerate() {
        stage(desk, upload_id, seq as u32, chunk)
            .await
            .unwrap_or_else(|e| panic!("staging part {seq}: {e:?}"));
    }
    upload_id
}

/// Seals and attaches in one transaction, as the app's `attach_upload` command does.
async fn attach(
    desk: &Desk,
    upload_id: Uuid,
    ticket_id: Uuid,
    comment_id: Option<Uuid>,
    file_name: &str,
    file_type: Option<&str>,
) -> Result<TicketDetail> {
    let mut tx = desk.tx().await;
    let detail = attachments::attach(
        &mut tx,
        desk.actor(),
        NewAttachment {
            upload_id,
            ticket_id,
            comment_id,
            file_name: file_name.into(),
            file_type: file_type.map(str::to_owned),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(detail)
}

/// Uploads and attaches `data` to the ticket; returns the new attachment's id.
async fn upload_and_attach(
    desk: &Desk,
    data: &[u8],
    ticket_id: Uuid,
    comment_id: Option<Uuid>,
    file_name: &str,
) -> Uuid {
    let upload_id = upload(desk, data, CHUNK_BYTES).await;
    let detail = attach(desk, upload_id, ticket_id, comment_id, file_name, None)
        .await
        .unwrap_or_else(|e| panic!("attaching {file_name}: {e:?}"));
    detail
        .attachments
        .iter()
        .rev()
        .find(|a| a.file_name == file_name)
        .unwrap_or_else(|| panic!("{file_name} is listed after attaching"))
        .id
}

/// Downloads an attachment: the bytes, the progress reported after each part, and the result.
async fn download(desk: &Desk, attachment_id: Uuid) -> Result<(Vec<u8>, Vec<u64>, Downloaded)> {
    let mut tx = desk.tx().await;
    let mut bytes = Vec::new();
    let mut progress = Vec::new();
    let downloaded = attachments::download(&mut tx, attachment_id, |part, so_far| {
        bytes.extend_from_slice(part);
        progress.push(so_far);
        Ok(())
    })
    .await?;
    tx.commit().await?;
    Ok((bytes, progress, downloaded))
}

async fn comment(desk: &Desk, ticket_id: Uuid, content: &str, is_internal: bool) -> Uuid {
    let id = Uuid::new_v4();
    let mut tx = desk.tx().await;
    ticketdesk::db::comments::add(
        &mut tx,
        desk.actor(),
        NewComment {
            id,
            ticket_id,
            content: content.into(),
            is_internal,
        },
    )
    .await
    .expect("adding a comment");
    tx.commit().await.unwrap();
    id
}

async fn scalar_i64(pool: &PgPool, sql: &str, bind: Uuid) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Rows of the staged upload, as the superuser sees them, with their owner.
async fn staged(pool: &PgPool, upload_id: Uuid) -> Vec<(i32, Uuid)> {
    sqlx::query_as(
        "SELECT seq, uploaded_by FROM attachment_upload_chunks WHERE upload_id = $1 ORDER BY seq",
    )
    .bind(upload_id)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn attachment_history(pool: &PgPool, ticket_id: Uuid) -> Vec<serde_json::Value> {
    let values: Vec<String> = sqlx::query_scalar(
        "SELECT new_value FROM ticket_history \
         WHERE ticket_id = $1 AND action = 'ATTACHMENT_ADDED' ORDER BY timestamp",
    )
    .bind(ticket_id)
    .fetch_all(pool)
    .await
    .unwrap();
    values
        .iter()
        .map(|v| serde_json::from_str(v).expect("history values are JSON"))
        .collect()
}

/// Nothing of an attachment was written anywhere.
async fn assert_nothing_attached(pool: &PgPool, ticket_id: Uuid, what: &str) {
    for table in ["attachments", "attachment_blobs", "attachment_blob_chunks"] {
        assert_eq!(count(pool, table).await, 0, "{what}: {table} must be empty");
    }
    assert!(
        attachment_history(pool, ticket_id).await.is_empty(),
        "{what}: no ATTACHMENT_ADDED history"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_small_upload_is_listed_with_its_name_type_size_and_hash(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let ticket = create(&erin, new_ticket("Screen flickers", None))
        .await
        .unwrap();
    let data = b"Log line one\nLog line two\nLog line three\n".repeat(20);
    let upload_id = upload(&erin, &data, 300).await;
    assert_eq!(
        staged(&pool, upload_id).await.len(),
        3,
        "three parts staged"
    );

    let shown = attach(
        &erin,
        upload_id,
        ticket.id,
        None,
        "C:\\Users\\erin\\flicker.log",
        Some("Text/Plain"),
    )
    .await
    .expect("a requestor attaches to her own ticket");

    assert_eq!(shown.attachments.len(), 1);
    let file = &shown.attachments[0];
    assert_eq!(
        file.file_name, "flicker.log",
        "the directory part is dropped"
    );
    assert_eq!(file.file_type, "text/plain");
    assert_eq!(file.file_size, data.len() as i64);
    assert_eq!(
        file.sha256,
        sha256_hex(&data),
        "the server's hash is the file's"
    );
    assert_eq!(file.comment_id, None);
    assert_eq!(file.uploaded_by.as_ref().map(|u| u.id), Some(erin.id));
    assert_eq!(
        detail(&erin, ticket.id).await.unwrap().attachments,
        shown.attachments,
        "the committed detail agrees with what attach returned"
    );
    let history: Vec<_> = shown
        .history
        .iter()
        .filter(|h| h.action == "ATTACHMENT_ADDED")
        .collect();
    assert_eq!(history.len(), 1, "one ATTACHMENT_ADDED row in the detail");
    assert_eq!(history[0].actor.as_ref().map(|a| a.id), Some(erin.id));
    let written = attachment_history(&pool, ticket.id).await;
    assert_eq!(written.len(), 1);
    assert_eq!(written[0]["attachmentId"], serde_json::json!(file.id));
    assert_eq!(written[0]["fileName"], "flicker.log");
    assert_eq!(written[0]["fileSize"], data.len());

    let (path, provider): (String, String) =
        sqlx::query_as("SELECT file_path, storage_provider FROM attachments WHERE id = $1")
            .bind(file.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(path, format!("postgres:attachment_blobs/{}", file.sha256));
    assert_eq!(provider, "postgres");
    let (size, chunks): (i64, i32) =
        sqlx::query_as("SELECT file_size, chunk_count FROM attachment_blobs WHERE file_hash = $1")
            .bind(&file.sha256)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((size, chunks), (data.len() as i64, 3));
    assert!(
        staged(&pool, upload_id).await.is_empty(),
        "sealing drops the staged parts"
    );

    let (bytes, progress, downloaded) = download(&erin, file.id).await.unwrap();
    assert_eq!(bytes, data);
    assert_eq!(progress, [300, 600, data.len() as u64]);
    assert_eq!(downloaded.file_name, "flicker.log");
    assert_eq!(downloaded.file_type, "text/plain");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_same_bytes_uploaded_twice_are_stored_once(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let devs = create(&dev, new_ticket("Dev's ticket", None))
        .await
        .unwrap();
    let erins = create(&erin, new_ticket("Erin's ticket", None))
        .await
        .unwrap();
    let data = content(5_000, 1);
    let hash = sha256_hex(&data);

    // Dev sends it in 2 parts, Erin in 5: same content, same stored file.
    let first = upload(&dev, &data, 2_500).await;
    attach(&dev, first, devs.id, None, "dump.bin", None)
        .await
        .unwrap();
    let second = upload(&erin, &data, 1_000).await;
    let shown = attach(&erin, second, erins.id, None, "copy.bin", None)
        .await
        .unwrap();
    assert_eq!(shown.attachments[0].sha256, hash);
    assert_eq!(
        shown.attachments[0].file_type, "application/octet-stream",
        "no type given: a byte stream"
    );
    // Dev attaches it a second time, to the same ticket.
    let third = upload(&dev, &data, 5_000).await;
    let again = attach(&dev, third, devs.id, None, "dump-again.bin", None)
        .await
        .unwrap();
    assert_eq!(again.attachments.len(), 2);

    assert_eq!(
        count(&pool, "attachments").await,
        3,
        "three attachment rows"
    );
    assert_eq!(
        scalar_i64(
            &pool,
            "SELECT count(*) FROM attachments WHERE file_hash = (SELECT file_hash FROM attachments WHERE id = $1)",
            shown.attachments[0].id,
        )
        .await,
        3,
        "all naming the same content"
    );
    assert_eq!(count(&pool, "attachment_blobs").await, 1, "ONE stored file");
    let (chunk_count, stored_bytes): (i64, i64) = sqlx::query_as(
        "SELECT count(*), sum(length(data))::bigint FROM attachment_blob_chunks WHERE file_hash = $1",
    )
    .bind(&hash)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (chunk_count, stored_bytes),
        (2, data.len() as i64),
        "its chunks are stored once (as first sent)"
    );
    assert_eq!(count(&pool, "attachment_blob_chunks").await, 2);
    assert_eq!(
        count(&pool, "attachment_upload_chunks").await,
        0,
        "no staging left behind"
    );

    for (desk, id) in [
        (&dev, again.attachments[0].id),
        (&dev, again.attachments[1].id),
        (&erin, shown.attachments[0].id),
    ] {
        let (bytes, _, downloaded) = download(desk, id).await.unwrap();
        assert_eq!(bytes, data, "every copy downloads the same content");
        assert_eq!(downloaded.sha256, hash);
    }

    // Different content is a second stored file.
    upload_and_attach(&erin, &content(5_000, 2), erins.id, None, "other.bin").await;
    assert_eq!(count(&pool, "attachment_blobs").await, 2);
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_multi_part_file_downloads_identical_with_rising_progress(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let ticket = create(&dev, new_ticket("Core dump", None)).await.unwrap();
    let data = content(2 * MIB + MIB / 2, 7);
    let upload_id = upload(&dev, &data, MIB).await;
    assert_eq!(staged(&pool, upload_id).await.len(), 3);
    let shown = attach(&dev, upload_id, ticket.id, None, "core.dump", None)
        .await
        .unwrap();
    let file = &shown.attachments[0];
    assert_eq!(file.file_size, data.len() as i64);
    assert_eq!(file.sha256, sha256_hex(&data));

    let (bytes, progress, downloaded) = download(&dev, file.id).await.unwrap();
    assert!(bytes == data, "the download is byte for byte the original");
    assert_eq!(
        progress,
        [MIB as u64, 2 * MIB as u64, data.len() as u64],
        "progress after each part, up to the total"
    );
    assert!(progress.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        downloaded,
        Downloaded {
            file_name: "core.dump".into(),
            file_type: "application/octet-stream".into(),
            size: data.len() as u64,
            sha256: sha256_hex(&data),
        }
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn the_app_refuses_files_over_fifty_megabytes_and_parts_over_one_mebibyte(pool: PgPool) {
    assert_eq!(MAX_BYTES, 52_428_800);
    let err = rules::check_size(52_428_801).unwrap_err();
    assert!(err.contains("50 MB"), "{err}");
    assert!(rules::check_size(52_428_800).is_ok());

    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let upload_id = Uuid::new_v4();
    let err = stage(&erin, upload_id, 50, b"x").await.unwrap_err();
    assert!(
        matches!(err, Error::Validation(_)),
        "part 50 would be past 50 MB: {err:?}"
    );
    let err = stage(&erin, upload_id, 0, &vec![0u8; MIB + 1])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation(_)),
        "a part over 1 MiB: {err:?}"
    );
    let err = stage(&erin, upload_id, 0, &[]).await.unwrap_err();
    assert!(
        matches!(err, Error::Validation(_)),
        "an empty part: {err:?}"
    );
    assert!(stage(&erin, upload_id, 49, &vec![0u8; MIB]).await.is_ok());
    assert_eq!(
        staged(&pool, upload_id).await,
        [(49, erin.id)],
        "only the valid part was staged"
    );
}

/// A desktop that skips the app's checks and stages through SQL on its own connection.
async fn raw_stage(desk: &Desk, sql: &str, upload_id: Uuid, data: &[u8]) -> Result<()> {
    let mut tx = desk.tx().await;
    sqlx::query(sql)
        .bind(upload_id)
        .bind(data)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_hostile_desktop_cannot_stage_past_fifty_megabytes(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let ticket = create(&erin, new_ticket("Huge file", None)).await.unwrap();
    let part = vec![0xA5u8; MIB];

    // 51 one-MiB parts, staged past the app's own checks.
    let upload_id = Uuid::new_v4();
    raw_stage(
        &erin,
        "SELECT api.stage_upload_chunk($1, g, $2) FROM generate_series(0, 50) g",
        upload_id,
        &part,
    )
    .await
    .expect("the server takes parts 0..63 of at most 1 MiB");
    let err = attach(&erin, upload_id, ticket.id, None, "huge.bin", None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation(m) if m.contains("50 MB")),
        "sealing 51 MiB is a validation error: {err:?}"
    );
    assert_nothing_attached(&pool, ticket.id, "after the refused seal").await;
    let left = staged(&pool, upload_id).await;
    assert_eq!(
        left.len(),
        51,
        "the refused attach rolled back, so the staging is as it was"
    );
    assert!(
        left.iter().all(|(_, by)| *by == erin.id),
        "and it is still only Erin's"
    );
    // Calling the API directly is refused the same way.
    let mut tx = erin.tx().await;
    let err: Error = sqlx::query("SELECT api.attach_file($1, $2, NULL, 'huge.bin', 'x/y')")
        .bind(upload_id)
        .bind(ticket.id)
        .execute(&mut *tx)
        .await
        .unwrap_err()
        .into();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    drop(tx);
    assert_nothing_attached(&pool, ticket.id, "after a direct call").await;

    // Exactly at the limit: 50 MiB is fine, one byte more is not.
    let boundary = Uuid::new_v4();
    let stage_50_mib = |upload: Uuid| {
        raw_stage(
            &erin,
            "SELECT api.stage_upload_chunk($1, g, $2) FROM generate_series(0, 49) g",
            upload,
            &part,
        )
    };
    stage_50_mib(boundary).await.unwrap();
    raw_stage(
        &erin,
        "SELECT api.stage_upload_chunk($1, 50, $2)",
        boundary,
        b"!",
    )
    .await
    .unwrap();
    let err = attach(&erin, boundary, ticket.id, None, "edge.bin", None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation(_)),
        "50 MiB + 1 byte: {err:?}"
    );
    assert_nothing_attached(&pool, ticket.id, "after 50 MiB + 1").await;
    let exact = Uuid::new_v4();
    stage_50_mib(exact).await.unwrap();
    let shown = attach(&erin, exact, ticket.id, None, "edge.bin", None)
        .await
        .expect("exactly 50 MiB is allowed");
    assert_eq!(shown.attachments[0].file_size, MAX_BYTES as i64);
    assert_eq!(
        shown.attachments[0].sha256,
        sha256_hex(&part.repeat(50)),
        "the server hashed all 50 parts in order"
    );
    assert_eq!(count(&pool, "attachment_blobs").await, 1);

    // Other tricks on the staging table are refused by the database itself.
    let sneaky = Uuid::new_v4();
    let err = raw_stage(
        &erin,
        "SELECT api.stage_upload_chunk($1, 64, $2)",
        sneaky,
        b"x",
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "part 64: {err:?}");
    let err = raw_stage(
        &erin,
        "SELECT api.stage_upload_chunk($1, 0, $2)",
        sneaky,
        &vec![1u8; MIB + 1],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::Validation(_)),
        "a 1 MiB + 1 part: {err:?}"
    );
    // The table itself is out of reach (issue 13): no staging in someone else's name, no
    // reading or dropping anyone's parts.
    for sql in [
        "INSERT INTO attachment_upload_chunks (upload_id, seq, data, uploaded_by) \
         VALUES ($1, 0, 'x', $2)",
        "DELETE FROM attachment_upload_chunks WHERE upload_id = $1 OR uploaded_by = $2",
    ] {
        let mut tx = erin.tx().await;
        let err: Error = sqlx::query(sql)
            .bind(sneaky)
            .bind(dev.id)
            .execute(&mut *tx)
            .await
            .unwrap_err()
            .into();
        assert!(matches!(err, Error::Forbidden(_)), "{sql}: {err:?}");
    }
    assert!(staged(&pool, sneaky).await.is_empty());
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn an_upload_with_missing_parts_is_refused_and_writes_nothing(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let ticket = create(&erin, new_ticket("Gappy", None)).await.unwrap();
    let data = content(3_000, 3);
    let upload_id = Uuid::new_v4();
    stage(&erin, upload_id, 0, &data[..1_000]).await.unwrap();
    stage(&erin, upload_id, 2, &data[2_000..]).await.unwrap();

    let err = attach(&erin, upload_id, ticket.id, None, "gappy.bin", None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation(m) if m.contains("missing parts")),
        "{err:?}"
    );
    assert_nothing_attached(&pool, ticket.id, "missing part 1").await;
    assert_eq!(
        staged(&pool, upload_id).await.len(),
        2,
        "the staged parts wait for the missing one"
    );

    // The missing part arrives (and a part sent twice is harmless): now it attaches.
    stage(&erin, upload_id, 1, &data[1_000..2_000])
        .await
        .unwrap();
    stage(&erin, upload_id, 2, &data[2_000..]).await.unwrap();
    let shown = attach(&erin, upload_id, ticket.id, None, "gappy.bin", None)
        .await
        .unwrap();
    let (bytes, _, _) = download(&erin, shown.attachments[0].id).await.unwrap();
    assert_eq!(bytes, data);

    // Missing the first part only is refused too.
    let no_start = Uuid::new_v4();
    stage(&erin, no_start, 1, b"second").await.unwrap();
    stage(&erin, no_start, 2, b"third").await.unwrap();
    let err = attach(&erin, no_start, ticket.id, None, "late.bin", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");

    // An unknown upload, and an upload that is someone else's, do not exist.
    let err = attach(&erin, Uuid::new_v4(), ticket.id, None, "x.bin", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let devs_upload = upload(&dev, b"dev's secret bytes", 100).await;
    let err = attach(&erin, devs_upload, ticket.id, None, "stolen.bin", None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::NotFound(_)),
        "another user's staged upload cannot be sealed: {err:?}"
    );
    assert_eq!(staged(&pool, devs_upload).await, [(0, dev.id)]);
    assert_eq!(
        count(&pool, "attachments").await,
        1,
        "only the completed one"
    );
    assert_eq!(attachment_history(&pool, ticket.id).await.len(), 1);
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn a_corrupted_stored_chunk_fails_the_download(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let ticket = create(&dev, new_ticket("Corrupt me", None)).await.unwrap();
    let data = content(3 * 1_000, 9);
    let upload_id = upload(&dev, &data, 1_000).await;
    let shown = attach(&dev, upload_id, ticket.id, None, "c.bin", None)
        .await
        .unwrap();
    let file = shown.attachments[0].clone();
    download(&dev, file.id).await.expect("intact: fine");

    // Same length, one byte flipped.
    let flipped = sqlx::query(
        "UPDATE attachment_blob_chunks \
         SET data = set_byte(data, 10, (get_byte(data, 10) + 1) % 256) \
         WHERE file_hash = $1 AND seq = 1",
    )
    .bind(&file.sha256)
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(flipped.rows_affected(), 1);
    let err = download(&dev, file.id).await.unwrap_err();
    assert!(
        matches!(err, Error::Integrity(_)),
        "a flipped byte is an integrity error: {err:?}"
    );

    // Restored, then a part lost: the size no longer matches either.
    sqlx::query("UPDATE attachment_blob_chunks SET data = $2 WHERE file_hash = $1 AND seq = 1")
        .bind(&file.sha256)
        .bind(&data[1_000..2_000])
        .execute(&pool)
        .await
        .unwrap();
    download(&dev, file.id).await.expect("restored: fine again");
    sqlx::query("DELETE FROM attachment_blob_chunks WHERE file_hash = $1 AND seq = 2")
        .bind(&file.sha256)
        .execute(&pool)
        .await
        .unwrap();
    let err = download(&dev, file.id).await.unwrap_err();
    assert!(
        matches!(err, Error::Integrity(_)),
        "a missing part is an integrity error: {err:?}"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn requestors_cannot_reach_files_they_may_not_see(pool: PgPool) {
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let noah = signed_in(&pool, "noah", Role::EndUser).await;
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let erins = create(&erin, new_ticket("Erin's", None)).await.unwrap();
    let noahs = create(&noah, new_ticket("Noah's", None)).await.unwrap();

    let noah_data = content(4_000, 11);
    let noah_file = upload_and_attach(&noah, &noah_data, noahs.id, None, "payroll.xlsx").await;

    let err = download(&erin, noah_file).await.unwrap_err();
    assert!(
        matches!(err, Error::NotFound(_)),
        "Erin cannot download from Noah's ticket: {err:?}"
    );
    // Stored content is read through the API only (issue 13), per attachment the caller sees.
    let parts = |desk: Desk, file: Uuid| async move {
        let mut tx = desk.tx().await;
        let direct = sqlx::query("SELECT count(*) FROM attachment_blob_chunks")
            .execute(&mut *tx)
            .await
            .unwrap_err();
        assert_eq!(
            direct.as_database_error().and_then(|e| e.code()).as_deref(),
            Some("42501"),
            "no desktop reads stored files directly"
        );
        drop(tx);
        let mut tx = desk.tx().await;
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM api.attachment_content($1)")
            .bind(file)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        n
    };
    assert_eq!(
        parts(erin.clone(), noah_file).await,
        0,
        "Erin's own connection reads none of Noah's file"
    );
    assert_eq!(parts(noah.clone(), noah_file).await, 1, "Noah reads his");
    assert_eq!(
        parts(dev.clone(), noah_file).await,
        1,
        "an engineer reads it"
    );
    let (bytes, _, _) = download(&dev, noah_file).await.unwrap();
    assert_eq!(bytes, noah_data, "an engineer downloads it");

    // Nor can Erin attach to Noah's ticket.
    let erins_upload = upload(&erin, b"not for noah", 100).await;
    let err = attach(&erin, erins_upload, noahs.id, None, "x.txt", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");

    // A file on an internal note on Erin's own ticket is invisible to her.
    let note = comment(&dev, erins.id, "Internal: her disk is failing", true).await;
    let secret = content(2_000, 12);
    let secret_file = upload_and_attach(&dev, &secret, erins.id, Some(note), "smart.log").await;
    let dev_view = detail(&dev, erins.id).await.unwrap();
    assert_eq!(
        dev_view
            .attachments
            .iter()
            .map(|a| (a.id, a.comment_id))
            .collect::<Vec<_>>(),
        [(secret_file, Some(note))],
        "engineers see the note's file"
    );
    let erin_view = detail(&erin, erins.id).await.unwrap();
    assert!(
        erin_view.attachments.is_empty(),
        "the requestor's detail lists no file of an internal note"
    );
    assert!(
        erin_view
            .history
            .iter()
            .all(|h| h.action != "ATTACHMENT_ADDED"),
        "nor its history row"
    );
    assert!(
        dev_view
            .history
            .iter()
            .any(|h| h.action == "ATTACHMENT_ADDED"),
        "which engineers do see"
    );
    let err = download(&erin, secret_file).await.unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert_eq!(
        parts(erin.clone(), secret_file).await,
        0,
        "nor can she read its content through the API"
    );
    assert!(
        parts(dev.clone(), secret_file).await > 0,
        "control: the engineer can"
    );
    let err = attach(&erin, erins_upload, erins.id, Some(note), "reply.txt", None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::NotFound(_)),
        "an internal note does not exist for her: {err:?}"
    );
    // Her own attachment still works after those refusals.
    attach(&erin, erins_upload, erins.id, None, "mine.txt", None)
        .await
        .expect("her staged upload survived the refusals");
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn files_attach_to_a_comment_of_the_same_ticket_only(pool: PgPool) {
    let dev = signed_in(&pool, "dev", Role::DevopsEngineer).await;
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let first = create(&erin, new_ticket("First", None)).await.unwrap();
    let second = create(&erin, new_ticket("Second", None)).await.unwrap();
    let reply = comment(&dev, first.id, "Here is the fix script.", false).await;
    let data = content(1_500, 21);

    let upload_id = upload(&dev, &data, 1_000).await;
    let err = attach(&dev, upload_id, second.id, Some(reply), "fix.sh", None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::NotFound(_)),
        "a comment of another ticket: {err:?}"
    );
    let err = attach(
        &dev,
        upload_id,
        first.id,
        Some(Uuid::new_v4()),
        "fix.sh",
        None,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::NotFound(_)),
        "no such comment: {err:?}"
    );
    assert_nothing_attached(&pool, first.id, "refused comment attachments").await;
    assert!(attachment_history(&pool, second.id).await.is_empty());
    assert_eq!(staged(&pool, upload_id).await.len(), 2, "still staged");

    let shown = attach(
        &dev,
        upload_id,
        first.id,
        Some(reply),
        "fix.sh",
        Some("text/x-shellscript"),
    )
    .await
    .unwrap();
    assert_eq!(shown.attachments.len(), 1);
    let file = &shown.attachments[0];
    assert_eq!(file.comment_id, Some(reply));
    assert_eq!(file.file_name, "fix.sh");
    assert_eq!(file.file_type, "text/x-shellscript");
    assert_eq!(file.sha256, sha256_hex(&data));
    let (ticket_id, comment_id): (Option<Uuid>, Option<Uuid>) =
        sqlx::query_as("SELECT ticket_id, comment_id FROM attachments WHERE id = $1")
            .bind(file.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (ticket_id, comment_id),
        (None, Some(reply)),
        "it belongs to the comment, not the ticket"
    );
    let history = attachment_history(&pool, first.id).await;
    assert_eq!(history.len(), 1, "history on the comment's ticket");
    assert_eq!(history[0]["commentId"], serde_json::json!(reply));

    // The requestor sees a public reply's file, and may download it.
    let erin_view = detail(&erin, first.id).await.unwrap();
    assert_eq!(
        erin_view
            .attachments
            .iter()
            .map(|a| (a.id, a.comment_id))
            .collect::<Vec<_>>(),
        [(file.id, Some(reply))]
    );
    assert!(detail(&erin, second.id)
        .await
        .unwrap()
        .attachments
        .is_empty());
    let (bytes, _, _) = download(&erin, file.id).await.unwrap();
    assert_eq!(bytes, data);

    // Once the comment is deleted, its file leaves the detail, and nothing more attaches to it.
    let mut tx = dev.tx().await;
    let after = ticketdesk::db::comments::delete(&mut tx, dev.actor(), reply)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        after.attachments.is_empty(),
        "a deleted comment's file is not listed"
    );
    assert!(detail(&erin, first.id)
        .await
        .unwrap()
        .attachments
        .is_empty());
    let gone = download(&erin, file.id).await.unwrap_err();
    assert!(
        matches!(gone, Error::NotFound(_)),
        "nor downloadable: {gone:?}"
    );
    let late = upload(&dev, b"too late", 100).await;
    let err = attach(&dev, late, first.id, Some(reply), "late.txt", None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::NotFound(_)),
        "a deleted comment takes no files: {err:?}"
    );
}

#[sqlx::test(migrator = "ticketdesk::db::MIGRATOR")]
async fn sealing_without_attaching_leaves_nothing_behind(pool: PgPool) {
    // Sealing is the API's to do, in the same call as the attachment row (issue 13): a desktop
    // can no longer seal a file and leave it stored with nothing naming it. And should a seal
    // still go unconsumed, the commit is refused (the deferred check on auth.sealed_uploads).
    let erin = signed_in(&pool, "erin", Role::EndUser).await;
    let data = content(3_000, 5);
    let upload_id = upload(&erin, &data, 1_000).await;
    let mut tx = erin.tx().await;
    let err: Error = sqlx::query("SELECT * FROM seal_upload($1)")
        .bind(upload_id)
        .fetch_one(&mut *tx)
        .await
        .unwrap_err()
        .into();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    drop(tx);
    // The deferred check still stands behind the API, for server code that seals.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('ticketdesk.session', $1, true)")
        .bind(&erin.signed_in.tokens.session_token)
        .execute(&mut *tx)
        .await
        .unwrap();
    let (hash, size): (String, i64) = sqlx::query_as("SELECT * FROM seal_upload($1)")
        .bind(upload_id)
        .fetch_one(&mut *tx)
        .await
        .expect("the owner seals on erin's behalf");
    assert_eq!((hash, size), (sha256_hex(&data), 3_000));
    let err = Error::from(tx.commit().await.unwrap_err());
    assert!(
        matches!(&err, Error::Validation(m) if m.contains("not attached")),
        "{err:?}"
    );
    assert_eq!(count(&pool, "attachments").await, 0);
    let left = (
        count(&pool, "auth.sealed_uploads").await,
        count(&pool, "attachment_blobs").await,
        count(&pool, "attachment_blob_chunks").await,
        count(&pool, "attachment_upload_chunks").await,
    );
    assert_eq!(
        left,
        (0, 0, 0, 3),
        "(seals, stored files, stored chunks, staged parts): nothing stored, the staging intact"
    );
}

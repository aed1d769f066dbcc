import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, ftruncateSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { eventually, gate, openSignedIn, openTicket, useHarness } from "./helpers/app.mjs";
import { appError, fakeBackend } from "./helpers/fixtures.mjs";

const harness = useHarness();
const MiB = 1_048_576;

/** A file of `size` bytes on disk (sparse: Playwright cannot hand over buffers this large). */
function bigFile(t, name, size) {
  const dir = mkdtempSync(join(tmpdir(), "ticketdesk-ui-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, name);
  const fd = openSync(path, "w");
  ftruncateSync(fd, size);
  closeSync(fd);
  return path;
}

test("a file over 50 MB is refused with a clear message before anything is sent", async (t) => {
  const backend = fakeBackend();
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-3");

  await detail.getByTestId("attach-input").setInputFiles(bigFile(t, "disk-image.raw", 52_428_801));
  const error = detail.getByTestId("upload-error");
  await error.waitFor();
  assert.match(await error.innerText(), /disk-image\.raw is 50\.0 MB; attachments can be at most 50\.0 MB/);
  assert.equal(backend.callsOf("upload_chunk").length, 0, "no part was sent");
  assert.equal(backend.callsOf("attach_upload").length, 0);
  app.done();
});

test("a file is sent in 1 MiB parts with its headers, with progress, then attached", async (t) => {
  const secondPart = gate();
  const backend = fakeBackend({
    handlers: {
      upload_chunk: async (args, b) => {
        if (args.headers["x-seq"] === "1") await secondPart.wait;
        return b.defaults.upload_chunk(args, b);
      },
    },
  });
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-3");

  // 2.5 MiB; every part starts with its own byte (1, 2, 3) so the order can be checked.
  const buffer = Buffer.alloc(2.5 * MiB);
  for (let part = 0; part < 3; part++) buffer.fill(part + 1, part * MiB, Math.min(buffer.length, (part + 1) * MiB));
  await detail.getByTestId("attach-input").setInputFiles({ name: "kernel.log", mimeType: "text/plain", buffer });

  const upload = detail.locator('[data-testid="upload"][data-file-name="kernel.log"]');
  await eventually(async () => assert.equal(await upload.getByTestId("upload-sent").innerText(), "1.0 MB of 2.5 MB"));
  assert.equal(await upload.getByTestId("upload-progress").evaluate((p) => p.value / p.max), 0.4);
  secondPart.open();

  const attachment = detail.locator('[data-testid="attachments"] [data-testid="attachment"]');
  await eventually(async () => assert.match(await attachment.innerText(), /kernel\.log\s+2\.5 MB · Ada Admin/));
  assert.equal(await upload.count(), 0, "the progress line goes once attached");

  const parts = backend.callsOf("upload_chunk");
  const uploadId = parts[0].headers["x-upload-id"];
  assert.match(uploadId, /^[0-9a-f-]{36}$/);
  assert.deepEqual(
    parts.map((p) => [p.headers["x-upload-id"], p.headers["x-seq"], p.headers["x-total-size"], p.rawSize, p.firstByte]),
    [
      [uploadId, "0", String(2.5 * MiB), MiB, 1],
      [uploadId, "1", String(2.5 * MiB), MiB, 2],
      [uploadId, "2", String(2.5 * MiB), 0.5 * MiB, 3],
    ],
  );
  assert.deepEqual(backend.callsOf("attach_upload"), [{ input: { uploadId, ticketId: "t-3", fileName: "kernel.log", fileType: "text/plain" } }]);
  assert.match(await detail.getByTestId("timeline").innerText(), /Attached kernel\.log \(2\.5 MB\)/);
  app.done();
});

test("a download shows its progress from the Channel, then where it was saved", async (t) => {
  const release = gate();
  let channel = null;
  const backend = fakeBackend({
    handlers: {
      download_attachment: async (args, b) => {
        channel = args.onProgress;
        await release.wait;
        return b.defaults.download_attachment(args, b);
      },
    },
  });
  backend.detail("t-3").attachments.push(
    { id: "a-1", commentId: null, fileName: "trace.txt", fileType: "text/plain", fileSize: 4096, sha256: "ab".repeat(32), uploadedBy: null, uploadedAt: new Date().toISOString() },
    { id: "a-2", commentId: "c1", fileName: "screenshot.png", fileType: "image/png", fileSize: 2048, sha256: "cd".repeat(32), uploadedBy: null, uploadedAt: new Date().toISOString() },
  );
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-3");

  const comment = detail.locator('[data-comment-id="c1"]');
  assert.match(await comment.getByTestId("comment-attachments").innerText(), /screenshot\.png/, "a comment's files are listed with it");
  const item = detail.locator('[data-testid="attachments"] [data-attachment-id="a-1"]');
  await item.getByTestId("attachment-download").click();
  await eventually(() => assert.ok(channel, "the command got a Channel"));
  assert.deepEqual(backend.callsOf("download_attachment"), [{ attachmentId: "a-1", onProgress: channel }]);
  await app.channelSend(channel, 2048);
  await eventually(async () => assert.equal(await item.getByTestId("download-progress").innerText(), "2.0 KB of 4.0 KB"));
  assert.equal(await item.getByTestId("attachment-download").isDisabled(), true);

  release.open();
  await eventually(async () => assert.equal(await item.getByTestId("download-saved").innerText(), "Saved to /home/ada/Downloads/trace.txt"));
  assert.equal(await item.getByTestId("download-progress").count(), 0);
  app.done();
});

test("a failed download says why and can be tried again", async (t) => {
  let fail = true;
  const backend = fakeBackend({
    handlers: {
      download_attachment: (args, b) => {
        if (fail) throw appError("validation", "The file does not match its checksum.");
        return b.defaults.download_attachment(args, b);
      },
    },
  });
  backend.detail("t-3").attachments.push({
    id: "a-1", commentId: null, fileName: "trace.txt", fileType: "text/plain", fileSize: 10, sha256: "ab".repeat(32), uploadedBy: null, uploadedAt: new Date().toISOString(),
  });
  const app = await openSignedIn(harness, t, backend);
  const detail = await openTicket(app, "t-3");
  const item = detail.locator('[data-attachment-id="a-1"]');

  await item.getByTestId("attachment-download").click();
  await eventually(async () => assert.equal(await item.getByTestId("download-error").innerText(), "Download failed: The file does not match its checksum."));
  fail = false;
  await item.getByTestId("attachment-download").click();
  await eventually(async () => assert.match(await item.getByTestId("download-saved").innerText(), /Downloads\/trace\.txt/));
  assert.equal(await item.getByTestId("download-error").count(), 0);
  app.done();
});

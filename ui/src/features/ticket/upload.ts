// Sending a file as an attachment: 1 MiB raw parts in order, then one call that attaches them.
import { api, ApiError } from "../../lib/api";
import type { TicketDetail } from "../../lib/bindings/TicketDetail";
import { formatBytes } from "../../lib/labels";

/** SPEC §3: at most 50 MB per attachment (the backend refuses more at part 0 too). */
export const MAX_ATTACHMENT_BYTES = 52_428_800;
/** The largest part `upload_chunk` takes. */
export const PART_BYTES = 1_048_576;

/** Why `file` cannot be attached, or null when it can. */
export function refusal(file: { name: string; size: number }): string | null {
  if (file.size > MAX_ATTACHMENT_BYTES) {
    return `${file.name} is ${formatBytes(file.size)}; attachments can be at most ${formatBytes(MAX_ATTACHMENT_BYTES)}.`;
  }
  return null;
}

/**
 * Uploads `file` to the ticket (or to one of its comments), calling `onProgress` with the bytes
 * sent after each part, and resolves to the ticket with the new attachment. A file over the
 * limit is refused before anything is sent.
 */
export async function uploadAttachment(
  file: File,
  target: { ticketId: string; commentId?: string },
  onProgress: (sent: number) => void,
): Promise<TicketDetail> {
  const refused = refusal(file);
  if (refused) throw new ApiError("validation", refused);
  const uploadId = crypto.randomUUID();
  // An empty file is still one (empty) part, so the backend has something to attach.
  const parts = Math.max(1, Math.ceil(file.size / PART_BYTES));
  for (let seq = 0; seq < parts; seq++) {
    const start = seq * PART_BYTES;
    const bytes = new Uint8Array(await file.slice(start, start + PART_BYTES).arrayBuffer());
    await api.uploadChunk(bytes, { uploadId, seq, totalSize: file.size });
    onProgress(Math.min(file.size, start + PART_BYTES));
  }
  return api.attachUpload({
    uploadId,
    ticketId: target.ticketId,
    commentId: target.commentId,
    fileName: file.name,
    fileType: file.type || undefined,
  });
}

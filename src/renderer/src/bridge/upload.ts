/**
 * Sends one file's bytes to the host (`POST /upload`, same origin in both hosts) and returns the upload id that
 * `captures.import` accepts as `{ kind: 'upload' }`. The bytes are kept as they are: no decoding or
 * re-encoding happens in the window, so a 16-bit TIFF arrives with its full bit depth.
 */
import { AppError, isAppErrorShape } from '../../../shared/errors';
import { UPLOAD_PATH, uploadResponseSchema } from '../../../shared/wire';

function errorFromBody(body: unknown): string | null {
  if (isAppErrorShape(body)) return body.message;
  if (typeof body === 'object' && body !== null) {
    const nested = (body as { error?: unknown }).error;
    if (isAppErrorShape(nested)) return nested.message;
    if (typeof nested === 'string') return nested;
    const message = (body as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return null;
}

export async function upload(file: File, signal?: AbortSignal): Promise<string> {
  let response: Response;
  try {
    response = await fetch(UPLOAD_PATH, {
      method: 'POST',
      headers: { 'x-file-name': encodeURIComponent(file.name), 'content-type': 'application/octet-stream' },
      body: file,
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw new AppError('internal', `The upload of “${file.name}” was cancelled.`);
    console.error('[lucida] upload failed', error);
    throw new AppError('internal', `Could not send “${file.name}” to the Lucida host: the connection failed. Check that the host is running and try again.`);
  }
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = errorFromBody(body) ?? (text.trim().slice(0, 300) || `The host refused the upload (HTTP ${response.status}).`);
    throw new AppError(isAppErrorShape(body) ? body.code : 'internal', message);
  }
  const parsed = uploadResponseSchema.safeParse(body);
  if (!parsed.success) throw new AppError('internal', `The host accepted “${file.name}” but did not return an upload id.`);
  return parsed.data.uploadId;
}

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

export interface UploadOptions {
  signal?: AbortSignal;
  /** Bytes of this file sent so far; reported while sending where the page's scheme allows it. */
  onProgress?: (sentBytes: number) => void;
}

interface RawResponse {
  ok: boolean;
  status: number;
  text: string;
}

const headersFor = (file: File) => ({ 'x-file-name': encodeURIComponent(file.name), 'content-type': 'application/octet-stream' });

/**
 * XMLHttpRequest is the one browser API that reports upload progress, so the browser host (http:) uses it. Under
 * Electron's app:// scheme fetch is the documented path, and progress is per file instead.
 */
function sendWithProgress(file: File, options: UploadOptions): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', UPLOAD_PATH);
    for (const [name, value] of Object.entries(headersFor(file))) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => options.onProgress?.(event.loaded);
    xhr.onload = () => resolve({ ok: xhr.status >= 200 && xhr.status < 300, status: xhr.status, text: xhr.responseText });
    xhr.onerror = () => reject(new Error('network'));
    xhr.onabort = () => reject(new Error('aborted'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

async function sendWithFetch(file: File, options: UploadOptions): Promise<RawResponse> {
  const response = await fetch(UPLOAD_PATH, { method: 'POST', headers: headersFor(file), body: file, signal: options.signal });
  const text = await response.text().catch(() => '');
  options.onProgress?.(file.size);
  return { ok: response.ok, status: response.status, text };
}

export async function upload(file: File, options: UploadOptions = {}): Promise<string> {
  const { signal } = options;
  if (signal?.aborted) throw new AppError('internal', `The upload of “${file.name}” was cancelled.`);
  let response: RawResponse;
  try {
    const httpPage = location.protocol === 'http:' || location.protocol === 'https:';
    response = httpPage ? await sendWithProgress(file, options) : await sendWithFetch(file, options);
  } catch (error) {
    if (signal?.aborted) throw new AppError('internal', `The upload of “${file.name}” was cancelled.`);
    console.error('[lucida] upload failed', error);
    throw new AppError('internal', `Could not send “${file.name}” to the Lucida host: the connection failed. Check that the host is running and try again.`);
  }
  const { text } = response;
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = errorFromBody(body) ?? (text.trim().slice(0, 300) || `The host refused the upload of “${file.name}” (HTTP ${response.status}).`);
    throw new AppError(isAppErrorShape(body) ? body.code : 'internal', message);
  }
  const parsed = uploadResponseSchema.safeParse(body);
  if (!parsed.success) throw new AppError('internal', `The host accepted “${file.name}” but did not return an upload id.`);
  return parsed.data.uploadId;
}

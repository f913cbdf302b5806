/**
 * The browser host's wire format. Calls and events are the contract's; only the framing lives here.
 *   WebSocket `/rpc`:  client → host  { type: 'call', id, channel, payload }
 *                      host → client  { type: 'result', id, envelope } | { type: 'event', event, payload }
 *   HTTP `POST /upload` with header `x-file-name` (URI-encoded) and the file bytes as body → { uploadId }
 *   HTTP `GET /library/<path>` serves library files (images, thumbnails, tiles) — the same relative URLs the
 *   Electron host serves from `app://lucida/library/<path>`.
 */
import { z } from 'zod';

export const RPC_PATH = '/rpc';
export const UPLOAD_PATH = '/upload';
export const LIBRARY_URL_PREFIX = '/library/';

export const clientMessageSchema = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  channel: z.string().max(100),
  payload: z.unknown(),
});
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export type HostMessage =
  | { type: 'result'; id: number; envelope: unknown }
  | { type: 'event'; event: string; payload: unknown };

export const uploadResponseSchema = z.object({ uploadId: z.string() });

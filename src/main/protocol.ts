/**
 * The one privileged scheme, `app://lucida/`, serving the renderer and library files from the same origin as the
 * page, so images and tiles load without file:// access. Path rules are the browser host's (host/static.ts).
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { protocol } from 'electron';
import { contentTypeFor, resolveRequest, SECURITY_HEADERS } from './host/static';
import { UPLOAD_PATH } from '../shared/wire';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = 'app://lucida';

/** Must run before `app.ready`. */
export function registerSchemePrivileges(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

export interface ProtocolDeps {
  rendererDir: string;
  resolveLibraryFile: (relativePath: string) => string | null;
  stageUpload: (body: Readable, name: string) => Promise<string>;
  /** Makes a missing deep-zoom tile (the pyramid service); null when the path is not a tile. */
  tileFileForRequest?: (relPath: string, signal?: AbortSignal) => Promise<string | null>;
}

export function handleAppProtocol(deps: ProtocolDeps): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'lucida') return new Response('Forbidden', { status: 403 });
    if (request.method === 'POST' && url.pathname === UPLOAD_PATH && request.body) {
      const name = decodeURIComponent(request.headers.get('x-file-name') ?? '');
      if (!name) return Response.json({ code: 'invalid-input', message: 'The upload has no file name.' }, { status: 400 });
      const uploadId = await deps.stageUpload(Readable.fromWeb(request.body as import('node:stream/web').ReadableStream), name);
      return Response.json({ uploadId });
    }
    const target = await resolveRequest(url.pathname, deps.rendererDir, deps.resolveLibraryFile, deps.tileFileForRequest, request.signal);
    if (target.kind !== 'file') return new Response(target.kind, { status: target.kind === 'forbidden' ? 403 : 404 });
    const body = Readable.toWeb(fs.createReadStream(target.file)) as ReadableStream;
    return new Response(body, { headers: { 'content-type': contentTypeFor(target.file), ...SECURITY_HEADERS } });
  });
}

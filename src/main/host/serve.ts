/**
 * The browser host: the same services as the Electron app behind HTTP + WebSocket on 127.0.0.1, serving the
 * built renderer. Used by the end-to-end tests in Chromium and for reviewing from another screen.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { createServices } from '../services';
import { resolveLibraryDir } from '../services/library/paths';
import { createDispatcher } from '../rpc';
import { clientMessageSchema, RPC_PATH, UPLOAD_PATH, type HostMessage } from '../../shared/wire';
import { contentTypeFor, isImmutableTile, resolveRequest, SECURITY_HEADERS } from './static';
import { serveLive } from './live';
import { LIVE_PATH } from '../../shared/contract';
import { parseHostOptions } from './args';
import { AppError } from '../../shared/errors';
import os from 'node:os';
import { forkSpawner } from '../services/inference';
import { createHostInference, inferenceHostEnv } from '../services/enhance/hosting';

const MAX_MESSAGE_BYTES = 1 << 20;

function send(socket: WebSocket, message: HostMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

export async function startBrowserHost(argv: readonly string[], env: NodeJS.ProcessEnv) {
  const options = parseHostOptions(argv, env);
  const libraryDir = resolveLibraryDir({ argv, env, platform: process.platform, homeDir: os.homedir() });
  const appRoot = path.resolve(__dirname, '../..');
  const rendererDir = path.join(appRoot, 'out/renderer');
  const resourcesDir = path.join(appRoot, 'resources');
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`The renderer is not built (no ${rendererDir}/index.html); run “npm run build” first.`);
  }

  const sockets = new Set<WebSocket>();
  const loopback = ['127.0.0.1', '::1', 'localhost'].includes(options.bindAddress);
  const inference = createHostInference({
    spawn: forkSpawner({ modulePath: path.join(__dirname, 'inferenceHost.js'), env: inferenceHostEnv() }),
    resourcesDir,
    libraryDir,
  });
  const services = createServices({
    inference,
    // A host other machines can reach must not import arbitrary paths of this one; uploads still work.
    allowPathImports: loopback,
    libraryDir,
    resourcesDir,
    host: 'browser',
    appVersion: process.env.npm_package_version ?? '0.1.0',
    emit: (event, payload) => {
      for (const socket of sockets) send(socket, { type: 'event', event, payload });
    },
  });
  const dispatch = createDispatcher(services.handlers);

  let origin = '';
  // A page on another site could otherwise drive the host through the user's browser: only requests whose
  // Origin (when sent) is the page's own are answered, and on loopback the Host header must name us, which
  // defeats DNS rebinding.
  const fromUs = (req: http.IncomingMessage) => {
    const host = req.headers.host ?? '';
    const port = new URL(origin).port;
    const okHost = !loopback || host === new URL(origin).host || host === `localhost:${port}`;
    const requestOrigin = req.headers.origin;
    return okHost && (requestOrigin === undefined || requestOrigin === `http://${host}`);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (!fromUs(req)) {
      res.writeHead(403).end('Forbidden');
      return;
    }
    if (req.method === 'POST' && url.pathname === UPLOAD_PATH) {
      let name: string;
      try {
        name = decodeURIComponent(String(req.headers['x-file-name'] ?? ''));
      } catch {
        name = '';
      }
      if (!name) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'invalid-input', message: 'The upload has no file name.' }));
        return;
      }
      services.stageUpload(req, name).then(
        (uploadId) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ uploadId })),
        (error: unknown) => {
          const known = error instanceof AppError;
          if (!known) console.error(`[lucida] upload of ${name} failed:`, error);
          res.writeHead(known ? 400 : 500, { 'content-type': 'application/json' }).end(
            JSON.stringify(known ? error.toShape() : { code: 'internal', message: `The upload of ${name} failed; nothing was imported.` }),
          );
        },
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    // A tile the viewer scrolled past is not worth making: the request's abort drops it from the pyramid's queue.
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    void resolveRequest(url.pathname, rendererDir, services.resolveLibraryFile, services.tileFileForRequest, abort.signal).then((target) => {
      if (res.destroyed) return;
      if (target.kind !== 'file') {
        res.writeHead(target.kind === 'forbidden' ? 403 : 404).end(target.kind === 'forbidden' ? 'Forbidden' : 'Not found');
        return;
      }
      const stat = fs.statSync(target.file);
      res.writeHead(200, {
        'content-type': contentTypeFor(target.file),
        'content-length': stat.size,
        'cache-control':
          url.pathname.startsWith('/assets/') || isImmutableTile(url.pathname) ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      if (req.method === 'HEAD') res.end();
      else fs.createReadStream(target.file).pipe(res);
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const liveWss = new WebSocketServer({ noServer: true, maxPayload: 64 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === LIVE_PATH && fromUs(req)) {
      // Not in `sockets`: live views take binary frames only, never contract events.
      liveWss.handleUpgrade(req, socket, head, (ws) => serveLive(ws, services.capture.live));
      return;
    }
    if (url.pathname !== RPC_PATH || !fromUs(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', async (data) => {
        let message;
        try {
          message = clientMessageSchema.parse(JSON.parse(String(data)));
        } catch {
          // Without a readable id there is no call to answer; the contract says nothing changes.
          return;
        }
        const envelope = await dispatch(message.channel, message.payload);
        send(ws, { type: 'result', id: message.id, envelope });
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.bindAddress, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = options.bindAddress.includes(':') ? `[${options.bindAddress}]` : options.bindAddress;
  origin = `http://${shownHost}:${port}`;

  const close = async () => {
    for (const socket of sockets) socket.terminate();
    wss.close();
    for (const socket of liveWss.clients) socket.terminate();
    liveWss.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await services.close();
    await inference.close();
  };
  return { url: `${origin}/`, libraryDir, close };
}

if (require.main === module) {
  startBrowserHost(process.argv.slice(2), process.env).then(
    (host) => {
      // e2e/harness.ts and scripts/start.mjs read this exact line.
      console.log(`Lucida browser host: ${host.url}`);
      console.log(`Library: ${host.libraryDir}`);
      let closing = false;
      const stop = () => {
        if (closing) return;
        closing = true;
        host.close().finally(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (error: unknown) => {
      console.error(`Lucida could not start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

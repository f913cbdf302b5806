/**
 * The holography physics in a worker thread, so a 2048² multi-height retrieval (minutes of FFTs) never holds the
 * main process's event loop, where IPC, the app:// protocol and every other job live. One worker per stage;
 * cancelling terminates it. Built as out/main/holographyWorker.js; tests run this source with the TS hooks.
 */
import { parentPort } from 'node:worker_threads';
import { backPropagate, multiHeight, searchFocus, type Optics } from './physics';

export type PhysicsRequest =
  | { op: 'focus'; hologram: Float64Array; widthPx: number; heightPx: number; optics: Optics; zMinUm: number; zMaxUm: number }
  | { op: 'backprop'; hologram: Float64Array; widthPx: number; heightPx: number; optics: Optics; zUm: number }
  | { op: 'multi-height'; holograms: Float64Array[]; widthPx: number; heightPx: number; optics: Optics; heightsUm: number[]; iterations: number };

export type PhysicsReply =
  | { type: 'progress'; done: number; total: number }
  | { type: 'focus'; zUm: number; curve: { zUm: number; score: number }[]; stepUm: number }
  | { type: 'field'; width: number; height: number; re: Float64Array; im: Float64Array }
  | { type: 'error'; message: string };

const port = parentPort;
if (port) {
  port.once('message', (request: PhysicsRequest) => {
    void (async () => {
      try {
        if (request.op === 'focus') {
          const found = await searchFocus(request.hologram, request.widthPx, request.heightPx, request.optics, request, {
            check: () => undefined,
            onProgress: (done, total) => port.postMessage({ type: 'progress', done, total } satisfies PhysicsReply),
          });
          port.postMessage({ type: 'focus', ...found } satisfies PhysicsReply);
          return;
        }
        const field =
          request.op === 'backprop'
            ? backPropagate(request.hologram, request.widthPx, request.heightPx, request.optics, request.zUm)
            : multiHeight(request.holograms, request.widthPx, request.heightPx, request.optics, request.heightsUm, request.iterations);
        const reply: PhysicsReply = { type: 'field', width: field.width, height: field.height, re: field.re, im: field.im };
        port.postMessage(reply, [field.re.buffer as ArrayBuffer, field.im.buffer as ArrayBuffer]);
      } catch (error) {
        port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies PhysicsReply);
      }
    })();
  });
}

// Run an exported Lucida model with onnxruntime-node on .npy tensors.
//
//   node training/evaluate_onnx.mjs job.json
//
// job.json: { "model": "path/model.onnx", "ep": "cpu" | "webgpu", "threads": 1,
//             "warmup": 1, "repeat": 3,
//             "items": [ { "input": "in.npy", "output": "out.npy" }, ... ] }
// Every input is a float32 NCHW array; the output of the (single-output) model is written as
// float32 .npy.  Prints one JSON line: { ok, ep, inputName, outputName, items: [{ shape, ms }] }
// where ms is the median wall time of `repeat` runs of session.run (after `warmup` runs).
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(resolve(here, '..', 'package.json'));
const ort = require('onnxruntime-node');

const DTYPES = { '<f4': 'float32', '<f8': 'float64', '|u1': 'uint8' };

export function readNpy(path) {
  const buf = readFileSync(path);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (fortran) throw new Error(`${path}: Fortran order not supported`);
  const off = start + hlen;
  const n = shape.reduce((a, b) => a * b, 1);
  const raw = buf.subarray(off);
  let data;
  if (DTYPES[descr] === 'float32') {
    data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = raw.readFloatLE(i * 4);
  } else if (DTYPES[descr] === 'float64') {
    data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = raw.readDoubleLE(i * 8);
  } else if (DTYPES[descr] === 'uint8') {
    data = Float32Array.from(raw.subarray(0, n));
  } else {
    throw new Error(`${path}: unsupported dtype ${descr}`);
  }
  return { data, shape };
}

export function writeNpy(path, data, shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.alloc(data.length * 4);
  for (let i = 0; i < data.length; i++) body.writeFloatLE(data[i], i * 4);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

async function main() {
  const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const ep = job.ep ?? 'cpu';
  const opts = {
    executionProviders: [ep],
    intraOpNumThreads: job.threads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  const session = await ort.InferenceSession.create(job.model, opts);
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  const items = [];
  for (const item of job.items) {
    const { data, shape } = readNpy(item.input);
    const feeds = { [inputName]: new ort.Tensor('float32', data, shape) };
    let out;
    for (let i = 0; i < (job.warmup ?? 1); i++) out = await session.run(feeds);
    const times = [];
    for (let i = 0; i < Math.max(1, job.repeat ?? 1); i++) {
      const t0 = process.hrtime.bigint();
      out = await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    const y = out[outputName];
    if (item.output) writeNpy(item.output, y.data, y.dims);
    items.push({ shape: y.dims, type: y.type, ms: times[Math.floor(times.length / 2)] });
  }
  await session.release?.();
  console.log(JSON.stringify({ ok: true, ep, inputName, outputName, items }));
}

main().catch((e) => {
  console.log(JSON.stringify({ ok: false, error: String(e && e.stack ? e.stack : e) }));
  process.exit(1);
});

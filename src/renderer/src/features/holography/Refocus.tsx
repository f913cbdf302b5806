import { useEffect, useRef, useState } from 'react';
import type { HoloReconstruction } from '../../../../shared/contract';
import { fieldFrom, parseFloatTiff, renderPlane } from './field';
import type { RefocusReply, RefocusRequest } from './refocus.worker';

const MAX_SIDE_PX = 256;

async function fetchFloat(url: string) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return parseFloatTiff(await response.arrayBuffer());
}

/**
 * Re-propagates the reconstructed field by Δz as the slider moves, in a Web Worker on a copy shrunk to at most
 * 256 px a side. Only the newest slider position is computed: positions passed while the worker was busy are
 * skipped, so the picture follows the hand without a queue.
 */
export function Refocus(props: { result: HoloReconstruction }) {
  const { result } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const worker = useRef<Worker | null>(null);
  const base = useRef<{ field: RefocusRequest['field']; pixelSizeUm: number } | null>(null);
  const busy = useRef(false);
  const wanted = useRef<number | null>(null);
  const nextId = useRef(1);
  const [dzUm, setDzUm] = useState(0);
  const [show, setShow] = useState<'phase' | 'amplitude'>('phase');
  const [status, setStatus] = useState('Loading the field…');
  const showRef = useRef(show);
  showRef.current = show;
  const last = useRef<RefocusReply | null>(null);

  const draw = (reply: RefocusReply) => {
    const c = canvas.current;
    const b = base.current;
    if (!c || !b) return;
    c.width = b.field.width;
    c.height = b.field.height;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const rgba = renderPlane(showRef.current === 'phase' ? reply.phaseRad : reply.amplitude, showRef.current);
    ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), b.field.width, b.field.height), 0, 0);
  };

  const send = (dz: number) => {
    const b = base.current;
    if (!b || !worker.current) return;
    if (busy.current) {
      wanted.current = dz;
      return;
    }
    busy.current = true;
    const request: RefocusRequest = {
      id: nextId.current++,
      field: b.field,
      wavelengthNm: result.wavelengthNm,
      pixelSizeUm: b.pixelSizeUm,
      refractiveIndex: result.refractiveIndex,
      dzUm: dz,
    };
    worker.current.postMessage(request);
  };

  useEffect(() => {
    let live = true;
    const w = new Worker(new URL('./refocus.worker.ts', import.meta.url), { type: 'module' });
    worker.current = w;
    w.onmessage = (event: MessageEvent<RefocusReply>) => {
      busy.current = false;
      last.current = event.data;
      draw(event.data);
      setStatus(`Propagated in ${event.data.ms.toFixed(0)} ms`);
      if (wanted.current !== null) {
        const dz = wanted.current;
        wanted.current = null;
        send(dz);
      }
    };
    w.onerror = () => setStatus('Refocusing failed in the worker.');
    void Promise.all([fetchFloat(result.amplitude.fileUrl), fetchFloat(result.phase.fileUrl)])
      .then(([amplitude, phase]) => {
        if (!live) return;
        const { field, factor } = fieldFrom(amplitude, phase, MAX_SIDE_PX);
        base.current = { field, pixelSizeUm: result.pixelSizeUm * factor };
        setDzUm(0);
        send(0);
      })
      .catch((error: unknown) => live && setStatus(`The field could not be loaded: ${error instanceof Error ? error.message : String(error)}`));
    return () => {
      live = false;
      w.terminate();
      worker.current = null;
      base.current = null;
      busy.current = false;
    };
    // The result's files never change; a different result remounts this component.
  }, [result.id]);

  useEffect(() => {
    if (last.current) draw(last.current);
  }, [show]);

  const range = Math.max(50, Math.round(result.zUm * 0.5));
  return (
    <section className="holo-refocus" aria-label="Refocus">
      <div className="holo-refocus-controls">
        <label>
          Refocus Δz <span className="mono">{dzUm >= 0 ? '+' : ''}{dzUm} µm</span> (z = {(result.zUm + dzUm).toFixed(1)} µm)
          <input
            type="range"
            min={-range}
            max={range}
            step={1}
            value={dzUm}
            aria-label="Refocus distance"
            onChange={(e) => {
              const dz = Number(e.target.value);
              setDzUm(dz);
              send(dz);
            }}
          />
        </label>
        <select aria-label="Refocus shows" value={show} onChange={(e) => setShow(e.target.value as 'phase' | 'amplitude')}>
          <option value="phase">Phase</option>
          <option value="amplitude">Amplitude</option>
        </select>
        <span className="muted" role="status">
          {status}
        </span>
      </div>
      <canvas ref={canvas} className="holo-refocus-canvas" data-testid="refocus-canvas" />
    </section>
  );
}

import { useEffect, useRef } from 'react';
import type { DisplaySettings } from '../../../../shared/contract';

export interface ColormapTables {
  grey: number[];
  cyclic: number[];
  diverging: number[];
}

/** Ticks a person reads: multiples of π for a phase window of ±π, else the window ends and its middle. */
export function colorBarTicks(window: [number, number], unit: string): string[] {
  const [lo, hi] = window;
  const isPi = (v: number, k: number) => Math.abs(v - k * Math.PI) < 1e-6;
  if (unit === 'rad' && isPi(lo, -1) && isPi(hi, 1)) return ['−π', '0', 'π'];
  const f = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3))));
  return [f(lo), f((lo + hi) / 2), f(hi)];
}

/** The colour map the tiles are drawn with (the same 256-entry table), labelled with the window in true units. */
export function ColorBar(props: { colormap: DisplaySettings['colormap']; window: [number, number]; unit: string; tables: ColormapTables }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const table = props.tables[props.colormap];
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const image = ctx.createImageData(256, 1);
    for (let i = 0; i < 256; i++) {
      image.data[i * 4] = table[i * 3];
      image.data[i * 4 + 1] = table[i * 3 + 1];
      image.data[i * 4 + 2] = table[i * 3 + 2];
      image.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }, [table]);
  const ticks = colorBarTicks(props.window, props.unit);
  return (
    <figure className="color-bar" data-testid="color-bar" data-colormap={props.colormap} aria-label={`Colour bar ${props.colormap}: ${ticks[0]} to ${ticks[2]} ${props.unit}`}>
      <canvas ref={ref} width={256} height={1} />
      <figcaption>
        <span>{ticks[0]}</span>
        <span>{ticks[1]}</span>
        <span>
          {ticks[2]} {props.unit}
        </span>
      </figcaption>
    </figure>
  );
}

import { useEffect, useRef } from 'react';

/** Log-scaled histogram over the sensor's full range, with red end bars when samples clip at 0 or at the maximum. */
export function Histogram(props: { bins: number[]; clippedLow: number; clippedHigh: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const { width, height } = canvas;
    ctx.clearRect(0, 0, width, height);
    const max = Math.max(1, ...props.bins.map((b) => Math.log1p(b)));
    const w = width / props.bins.length;
    ctx.fillStyle = '#8fb8e8';
    props.bins.forEach((b, i) => {
      const h = (Math.log1p(b) / max) * (height - 2);
      ctx.fillRect(i * w, height - h, Math.max(1, w - 1), h);
    });
    ctx.fillStyle = '#ef5f5f';
    if (props.clippedLow > 0.001) ctx.fillRect(0, 0, 3, height);
    if (props.clippedHigh > 0.001) ctx.fillRect(width - 3, 0, 3, height);
  }, [props.bins, props.clippedLow, props.clippedHigh]);
  return <canvas ref={ref} className="capture-histogram" width={256} height={72} aria-label="Histogram" role="img" />;
}

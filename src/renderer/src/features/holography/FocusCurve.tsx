import type { FocusPoint } from '../../../../shared/contract';
import { focusCurvePoints } from './field';

const W = 320;
const H = 120;

/** Autofocus criterion against z, with the chosen z marked. */
export function FocusCurve(props: { curve: FocusPoint[]; zUm: number }) {
  const { points, x } = focusCurvePoints(props.curve, W, H);
  const z0 = props.curve[0]?.zUm ?? 0;
  const z1 = props.curve[props.curve.length - 1]?.zUm ?? 0;
  return (
    <figure className="holo-focus">
      <svg
        width={W}
        height={H}
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Focus curve: ${props.curve.length} planes from ${z0.toFixed(0)} to ${z1.toFixed(0)} µm, best at ${props.zUm.toFixed(1)} µm`}
        data-testid="focus-curve"
        data-points={props.curve.length}
      >
        <rect x={0} y={0} width={W} height={H} className="holo-focus-bg" />
        <line x1={x(props.zUm)} x2={x(props.zUm)} y1={0} y2={H} className="holo-focus-best" />
        <polyline points={points} className="holo-focus-line" fill="none" />
      </svg>
      <figcaption className="muted">
        Sharpness (Tamura of gradient) vs z: {z0.toFixed(0)}–{z1.toFixed(0)} µm, focus at {props.zUm.toFixed(1)} µm
      </figcaption>
    </figure>
  );
}

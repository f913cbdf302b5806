/**
 * Closed-form reference solutions used to validate the numerical propagators.
 */

/**
 * Fresnel integrals C(x) = int_0^x cos(pi t^2 / 2) dt and S(x) = int_0^x sin(pi t^2 / 2) dt,
 * by composite Simpson quadrature with a step that resolves the chirp (absolute error < 1e-9
 * for |x| <= 20).
 */
export function fresnelIntegrals(x: number): { c: number; s: number } {
  const ax = Math.abs(x);
  if (ax === 0) return { c: 0, s: 0 };
  // local period of cos(pi t^2/2) is ~2/t; take >= 400 samples per period at the end point
  let n = Math.ceil(ax * Math.max(1, ax) * 200 + 64);
  if (n % 2 === 1) n++;
  const h = ax / n;
  let c = 0;
  let s = 0;
  for (let i = 0; i <= n; i++) {
    const t = i * h;
    const w = i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2;
    const a = (Math.PI / 2) * t * t;
    c += w * Math.cos(a);
    s += w * Math.sin(a);
  }
  c *= h / 3;
  s *= h / 3;
  return x < 0 ? { c: -c, s: -s } : { c, s };
}

/**
 * Paraxial (Fresnel) diffraction of a unit-amplitude plane wave by the rectangular aperture
 * [x0, x1] x [y0, y1] (micrometres), observed at (xUm, yUm) a distance zUm downstream in a medium
 * of index n. Includes the exp(i k z) carrier:
 *   U = exp(i k z) / (2i) * [E(tx1) - E(tx0)] [E(ty1) - E(ty0)],   E = C + iS,
 *   t = sqrt(2 / (lambda' z)) (xi - x),   lambda' = lambda / n.
 */
export function fresnelRectAperture(
  xUm: number,
  yUm: number,
  aperture: { x0Um: number; x1Um: number; y0Um: number; y1Um: number },
  params: { wavelengthNm: number; zUm: number; refractiveIndex: number },
): { re: number; im: number } {
  const lambdaUm = params.wavelengthNm / 1000 / params.refractiveIndex;
  const q = Math.sqrt(2 / (lambdaUm * params.zUm));
  const ex0 = fresnelIntegrals(q * (aperture.x0Um - xUm));
  const ex1 = fresnelIntegrals(q * (aperture.x1Um - xUm));
  const ey0 = fresnelIntegrals(q * (aperture.y0Um - yUm));
  const ey1 = fresnelIntegrals(q * (aperture.y1Um - yUm));
  const axr = ex1.c - ex0.c;
  const axi = ex1.s - ex0.s;
  const ayr = ey1.c - ey0.c;
  const ayi = ey1.s - ey0.s;
  // product of the two 1-D factors
  const pr = axr * ayr - axi * ayi;
  const pi = axr * ayi + axi * ayr;
  // times exp(ikz) / (2i) = exp(ikz) * (-i / 2)
  const kz = (2 * Math.PI * params.zUm) / lambdaUm;
  const cr = Math.cos(kz);
  const ci = Math.sin(kz);
  const qr = pi / 2; // (-i/2) * (pr + i pi) = pi/2 - i pr/2
  const qi = -pr / 2;
  return { re: qr * cr - qi * ci, im: qr * ci + qi * cr };
}

/**
 * Paraxial Gaussian beam with waist w0 (1/e amplitude radius, micrometres) at z = 0, evaluated at
 * radius rUm and distance zUm, including the exp(i k z) carrier and Gouy phase.
 */
export function gaussianBeam(
  rUm: number,
  zUm: number,
  waistUm: number,
  params: { wavelengthNm: number; refractiveIndex: number },
): { re: number; im: number } {
  const lambdaUm = params.wavelengthNm / 1000 / params.refractiveIndex;
  const k = (2 * Math.PI) / lambdaUm;
  const zR = (Math.PI * waistUm * waistUm) / lambdaUm;
  // complex beam parameter form: U = (q0 / q) exp(i k r^2 / (2 q)) exp(i k z), q = z - i zR
  // (with q0 = -i zR); written out to avoid a complex-number type.
  const qr = zUm;
  const qi = -zR;
  const q2 = qr * qr + qi * qi;
  // 1/q = (qr - i qi) / |q|^2
  const invR = qr / q2;
  const invI = -qi / q2;
  // prefactor q0 / q = (-i zR) * (1/q)
  const pr = zR * invI;
  const pi = -zR * invR;
  // exponent i k r^2 / 2 * (1/q) + i k z
  const er = -((k * rUm * rUm) / 2) * invI;
  const ei = ((k * rUm * rUm) / 2) * invR + k * zUm;
  const m = Math.exp(er);
  const c = Math.cos(ei) * m;
  const s = Math.sin(ei) * m;
  return { re: pr * c - pi * s, im: pr * s + pi * c };
}

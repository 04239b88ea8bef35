// Seeded Gaussian noise for the sampler's x_T: the same seed gives the same floats on every platform.
// The generator is mulberry32 (32-bit state, Math.imul only); normals come from the Marsaglia polar form of
// Box–Muller, which needs only a logarithm and a square root. Math.log is "implementation-approximated" in
// ECMAScript (engines may differ in the last bit), so the logarithm is computed here with +, −, ×, ÷ only, which
// IEEE 754 rounds identically everywhere; Math.sqrt is correctly rounded. Results are float32.

/** A uint32 generator (mulberry32). The seed is taken modulo 2^32 (`seed >>> 0`). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (z ^ (z >>> 14)) >>> 0;
  };
}

const LN2 = 0.6931471805599453;

/** Natural logarithm of x > 0 (finite) in basic IEEE arithmetic only, accurate to a few ulps. */
export function portableLog(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`portableLog: ${x} is not a positive finite number`);
  // x = m · 2^e with m in [√½, √2): multiplications by 2 and ½ are exact.
  let m = x;
  let e = 0;
  while (m < Math.SQRT1_2) {
    m *= 2;
    e -= 1;
  }
  while (m >= Math.SQRT2) {
    m *= 0.5;
    e += 1;
  }
  // ln m = 2 atanh(f), f = (m − 1) / (m + 1), |f| ≤ 0.1716: 2 (f + f³/3 + f⁵/5 + …), 13 terms reach 1e-20.
  const f = (m - 1) / (m + 1);
  const f2 = f * f;
  let series = 0;
  for (let k = 25; k >= 3; k -= 2) series = (series + 1 / k) * f2;
  return e * LN2 + 2 * f * (1 + series);
}

/** Uniform in the open interval (−1, 1), from one uint32. */
function symmetricUniform(next: () => number): number {
  return ((next() + 0.5) / 4294967296) * 2 - 1;
}

/** `count` independent N(0, 1) floats from `seed` (an integer; taken modulo 2^32). */
export function gaussianNoise(seed: number, count: number): Float32Array {
  if (!Number.isFinite(seed)) throw new RangeError(`the seed must be a finite number, got ${seed}`);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`gaussianNoise: bad count ${count}`);
  const next = mulberry32(seed);
  const out = new Float32Array(count);
  let i = 0;
  while (i < count) {
    const u = symmetricUniform(next);
    const v = symmetricUniform(next);
    const s = u * u + v * v;
    if (s >= 1 || s === 0) continue;
    const factor = Math.sqrt((-2 * portableLog(s)) / s);
    out[i++] = u * factor;
    if (i < count) out[i++] = v * factor;
  }
  return out;
}

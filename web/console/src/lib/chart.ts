// The arithmetic of the console's SVG charts: value axes with round ticks, point positions,
// which category labels fit, and which point the pointer is nearest.

/** The round step (1, 2, 2.5 or 5 × 10^k) nearest above `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1
  const power = 10 ** Math.floor(Math.log10(raw))
  const fraction = raw / power
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10
  return nice * power
}

/**
 * The ticks of a value axis from 0 to at least `max`, about `count` intervals, with a round
 * step (a whole number when `integer`, as for counts of people). Never fewer than two ticks.
 */
export function niceTicks(max: number, count = 5, integer = true): number[] {
  const top = Number.isFinite(max) && max > 0 ? max : 1
  let step = niceStep(top / Math.max(1, count))
  // Whole steps only: below 1 becomes 1, and 2.5 (the one fractional nice step above 1) becomes 5.
  if (integer && !Number.isInteger(step)) step = step < 1 ? 1 : 5
  const intervals = Math.max(1, Math.ceil(top / step - 1e-9))
  // Multiply rather than add, so that fractional steps do not accumulate error.
  return Array.from({ length: intervals + 1 }, (_, i) => Number((i * step).toPrecision(12)))
}

/** A linear map from the domain [d0, d1] to the range [r0, r1] (a flat domain maps to r0). */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (value: number) => number {
  const span = d1 - d0
  return (value) => (span === 0 ? r0 : r0 + ((value - d0) / span) * (r1 - r0))
}

/** The x of the `i`-th of `n` evenly spaced points between `left` and `right` (one point: the middle). */
export function pointX(i: number, n: number, left: number, right: number): number {
  return n <= 1 ? (left + right) / 2 : left + (i * (right - left)) / (n - 1)
}

/** The index of the point of `n` nearest to `x` (see pointX); -1 when there are none. */
export function nearestIndex(x: number, n: number, left: number, right: number): number {
  if (n <= 0) return -1
  if (n === 1 || right <= left) return 0
  const i = Math.round(((x - left) * (n - 1)) / (right - left))
  return Math.min(n - 1, Math.max(0, i))
}

/**
 * Which of `n` category labels to draw when at most `fit` fit: every k-th from the first, and
 * the last one too when it does not crowd the one before it.
 */
export function labelIndexes(n: number, fit: number): number[] {
  if (n <= 0) return []
  const stride = Math.max(1, Math.ceil(n / Math.max(1, fit)))
  const shown: number[] = []
  for (let i = 0; i < n; i += stride) shown.push(i)
  const last = n - 1
  const prev = shown[shown.length - 1]
  if (prev !== last) {
    if (last - prev > stride / 2) shown.push(last)
    else if (shown.length > 1) shown[shown.length - 1] = last
  }
  return shown
}

/** The SVG path through `points`. */
export function linePath(points: Array<[number, number]>): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${round(x)},${round(y)}`).join('')
}

const round = (v: number) => Math.round(v * 10) / 10

/** A tick or tooltip value: "1,234", and "1.2万" from ten thousand. */
export function formatCount(value: number): string {
  if (Math.abs(value) >= 10_000) return `${Number((value / 10_000).toFixed(1))}万`
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 })
}

// The geometry of small bar charts (a group's daily sessions; the wallet's daily income, stacked
// by where it came from), worked out apart from drawing: the pages only turn it into SVG
// rectangles and text.

export interface ChartPoint {
  /** Shown under the bar when there is room (a day, 11-26). */
  label: string
  value: number
}

export interface ChartOptions {
  /** The whole drawing, in SVG units. */
  width: number
  height: number
  /** Room around the plot: left for the scale, bottom for the labels. */
  top?: number
  right?: number
  bottom?: number
  left?: number
  /** The share of each bar's slot left empty between bars, 0–0.9. */
  gap?: number
  /** At most this many labels under the bars (the last bar always has one). */
  maxLabels?: number
}

export interface Bar {
  x: number
  y: number
  width: number
  height: number
  value: number
  label: string
  /** Whether the label is drawn (they would not fit under every bar). */
  labeled: boolean
  /** The middle of the bar, where its label goes. */
  center: number
}

export interface Tick {
  value: number
  y: number
}

export interface BarChart {
  width: number
  height: number
  /** The y of the zero line, and of the top of the plot. */
  baseline: number
  top: number
  /** The plot's left and right edges. */
  left: number
  right: number
  /** The value at the top of the plot: a round number at least the largest value. */
  max: number
  ticks: Tick[]
  bars: Bar[]
}

const STEPS = [1, 2, 4, 6, 8, 10]

/**
 * The smallest round number (1, 2, 4, 6, 8 × a power of ten) at least `value`, 1 at the least:
 * half of it is a whole number too, for the middle line of the scale.
 */
export function niceMax(value: number): number {
  if (!(value > 1)) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  for (const step of STEPS) {
    // Rounded: 0.1 steps of floating point would otherwise miss an exact hit.
    const candidate = Math.round(step * power * 1e6) / 1e6
    if (candidate >= value) return candidate
  }
  return 10 * power
}

/**
 * Which of `count` bars get a label, at most `max` of them, evenly spaced and counted back from
 * the last one (today's is the one people look for).
 */
export function labelIndexes(count: number, max: number): Set<number> {
  const out = new Set<number>()
  if (count <= 0 || max <= 0) return out
  if (count <= max) {
    for (let i = 0; i < count; i++) out.add(i)
    return out
  }
  const step = max === 1 ? count : Math.ceil((count - 1) / (max - 1))
  for (let i = count - 1; i >= 0 && out.size < max; i -= step) out.add(i)
  return out
}

const round2 = (n: number) => Math.round(n * 100) / 100

/** Lays out one bar per point, left to right in the order given, on a common scale from 0. */
export function barChart(points: ChartPoint[], options: ChartOptions): BarChart {
  const { width, height, top = 8, right = 4, bottom = 20, left = 28, maxLabels = 5 } = options
  const gap = Math.min(0.9, Math.max(0, options.gap ?? 0.35))
  const values = points.map((p) => (Number.isFinite(p.value) && p.value > 0 ? p.value : 0))
  const max = niceMax(Math.max(0, ...values))
  const plotWidth = Math.max(0, width - left - right)
  const plotHeight = Math.max(0, height - top - bottom)
  const baseline = top + plotHeight
  const slot = points.length ? plotWidth / points.length : 0
  const barWidth = slot * (1 - gap)
  const labeled = labelIndexes(points.length, maxLabels)

  const bars = points.map((point, i) => {
    const value = values[i]
    // A value above zero stays visible, however small next to the largest.
    const barHeight = value > 0 ? Math.max(1, (value / max) * plotHeight) : 0
    const x = left + i * slot + (slot - barWidth) / 2
    return {
      x: round2(x),
      y: round2(baseline - barHeight),
      width: round2(barWidth),
      height: round2(barHeight),
      value,
      label: point.label,
      labeled: labeled.has(i),
      center: round2(left + (i + 0.5) * slot),
    }
  })

  const tickValues = max === 1 ? [0, 1] : [0, max / 2, max]
  const ticks = tickValues.map((value) => ({ value, y: round2(baseline - (value / max) * plotHeight) }))
  return { width, height, baseline, top, left, right: width - right, max, ticks, bars }
}

/** One bar made of parts stacked from the baseline up (a day's income by kind). */
export interface StackPoint {
  label: string
  /** The parts, bottom first; one per series, in the same order for every point. */
  values: number[]
}

export interface Segment {
  /** The index of the part in its point's values. */
  series: number
  value: number
  y: number
  height: number
}

export interface StackedBar extends Bar {
  /** The parts above zero, bottom first, filling the bar exactly. */
  segments: Segment[]
}

export interface StackedBarChart extends Omit<BarChart, 'bars'> {
  bars: StackedBar[]
}

/**
 * Lays out one bar per point as barChart does for the sum of its parts, and splits each bar into
 * its parts: parts at or below zero (or not numbers) are left out; the top part ends where the
 * bar does, so a tiny bar kept visible is still filled.
 */
export function stackedBarChart(points: StackPoint[], options: ChartOptions): StackedBarChart {
  const clean = points.map((p) => p.values.map((v) => (Number.isFinite(v) && v > 0 ? v : 0)))
  const chart = barChart(
    points.map((p, i) => ({ label: p.label, value: clean[i].reduce((a, b) => a + b, 0) })),
    options,
  )
  const plotHeight = chart.baseline - chart.top
  const bars = chart.bars.map((bar, i) => {
    const values = clean[i]
    let last = values.length - 1
    while (last >= 0 && values[last] <= 0) last--
    const segments: Segment[] = []
    let sum = 0
    let below = chart.baseline
    values.forEach((value, series) => {
      if (value <= 0) return
      sum += value
      const y = series === last ? bar.y : round2(chart.baseline - (sum / chart.max) * plotHeight)
      segments.push({ series, value, y, height: round2(below - y) })
      below = y
    })
    return { ...bar, segments }
  })
  return { ...chart, bars }
}

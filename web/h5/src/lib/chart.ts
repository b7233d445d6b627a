// The small bar charts of the H5 app (a group's daily sessions; the wallet's daily income,
// stacked by where it came from), as ECharts options: the scale, today's partial day marked,
// the tooltip's words, a sensible empty chart. Pure: the pages hand the option to ECharts.

/** One stacked part of every bar (a single part for a plain bar chart). */
export interface BarSeries {
  /** A stable name (data-series, colours). */
  name: string
  /** What the tooltip and the legend call it. */
  label: string
  color: string
  /** One value per day, in `days` order. */
  values: number[]
}

export interface BarsInput {
  /** The days, YYYY-MM-DD, oldest first. */
  days: string[]
  series: BarSeries[]
  /** The bar of a day still going on (today), drawn paler and said to be partial; null for none. */
  partial?: number | null
  /** How values read: sessions (次) or fen (shown as ¥ and as yuan on the scale). */
  unit: 'sessions' | 'fen'
  /** The scale's top when every value is small or zero: 10 sessions, 100 fen (¥1). */
  floor: number
  /** Said across an empty chart. */
  emptyText: string
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

const clean = (v: number) => (Number.isFinite(v) && v > 0 ? v : 0)

/** Each day's bar: the sum of its parts (bad or negative parts count as 0). */
export function barTotals(input: Pick<BarsInput, 'days' | 'series'>): number[] {
  return input.days.map((_, i) => input.series.reduce((n, s) => n + clean(s.values[i] ?? 0), 0))
}

/** The top of the scale: a round number at least the tallest bar, never below `floor`. */
export function axisMax(totals: number[], floor: number): number {
  return Math.max(niceMax(floor), niceMax(Math.max(0, ...totals)))
}

/** Integer fen as yuan: 12345 → ¥123.45. */
export function fenText(fen: number): string {
  const n = Math.round(fen)
  const abs = Math.abs(n)
  return `${n < 0 ? '-' : ''}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** A value as the tooltip says it: "12 次", "¥1.23". */
export function valueText(value: number, unit: BarsInput['unit']): string {
  return unit === 'fen' ? fenText(value) : `${Math.round(value)} 次`
}

/** A value of the scale: sessions as they are, fen as short yuan (0, 0.5, 20). */
export function scaleText(value: number, unit: BarsInput['unit']): string {
  return unit === 'fen' ? String(Math.round(value) / 100) : String(value)
}

/** A day under its bar: 11-26, or 今天 for the partial day. */
export function dayLabel(day: string, partial: boolean): string {
  if (partial) return '今天'
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? day.slice(5) : day
}

/** The tooltip of day `i`, line by line: the day (partial said so), each part, and the total. */
export function tooltipLines(input: BarsInput, i: number): string[] {
  const day = input.days[i] ?? ''
  const partial = input.partial === i
  const head = partial ? `${dayLabel(day, false)}（今天，进行中，未满一天）` : dayLabel(day, false)
  const totals = barTotals(input)
  const lines = [head]
  if (input.series.length > 1) {
    for (const s of input.series) lines.push(`${s.label}：${valueText(clean(s.values[i] ?? 0), input.unit)}`)
    lines.push(`合计：${valueText(totals[i] ?? 0, input.unit)}`)
  } else if (input.series.length === 1) {
    lines.push(`${input.series[0].label}：${valueText(totals[i] ?? 0, input.unit)}`)
  }
  return lines
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** The index of the day an axis tooltip is about (ECharts hands a list of the parts there). */
function dataIndexOf(params: unknown): number {
  const first = Array.isArray(params) ? params[0] : params
  const i = (first as { dataIndex?: unknown } | undefined)?.dataIndex
  return typeof i === 'number' ? i : -1
}

/** The ECharts option of a (stacked) bar chart of days. */
export function barsOption(input: BarsInput) {
  const totals = barTotals(input)
  const max = axisMax(totals, input.floor)
  const empty = totals.every((t) => t === 0)
  const partial = input.partial ?? null
  const labels = input.days.map((d, i) => dayLabel(d, i === partial))
  return {
    animation: false,
    grid: { left: 8, right: 8, top: 22, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      // A tap shows it on a phone, as the pointer does on a desktop.
      triggerOn: 'mousemove|click',
      confine: true,
      axisPointer: { type: 'shadow' },
      formatter: (params: unknown) =>
        tooltipLines(input, dataIndexOf(params))
          .map((line, n) => (n === 0 ? `<b>${escapeHtml(line)}</b>` : escapeHtml(line)))
          .join('<br/>'),
    },
    xAxis: {
      type: 'category',
      data: labels,
      axisTick: { show: false },
      axisLabel: { color: '#8c8c8c', fontSize: 10, hideOverlap: true },
      axisLine: { lineStyle: { color: '#e5e5e5' } },
    },
    yAxis: {
      type: 'value',
      min: 0,
      max,
      interval: max / 2,
      axisLabel: { color: '#8c8c8c', fontSize: 10, formatter: (v: number) => scaleText(v, input.unit) },
      splitLine: { lineStyle: { color: '#f0f0f0' } },
    },
    series: input.series.map((s, n) => ({
      type: 'bar',
      name: s.label,
      stack: 'total',
      barMaxWidth: 18,
      itemStyle: { color: s.color },
      data: input.days.map((_, i) => ({
        value: clean(s.values[i] ?? 0),
        // Today's bar is not a whole day yet: paler, with a dashed edge.
        ...(i === partial ? { itemStyle: { color: s.color, opacity: 0.45, borderType: 'dashed', borderColor: s.color } } : {}),
      })),
      ...(n === 0 && partial !== null
        ? {
            markArea: {
              silent: true,
              itemStyle: { color: 'rgba(0, 0, 0, 0.04)' },
              label: { show: true, position: 'top', color: '#8c8c8c', fontSize: 10, formatter: '进行中' },
              data: [[{ xAxis: labels[partial] }, { xAxis: labels[partial] }]],
            },
          }
        : {}),
    })),
    graphic: empty
      ? [
          {
            type: 'text',
            left: 'center',
            top: 'middle',
            silent: true,
            style: { text: input.emptyText, fill: '#8c8c8c', fontSize: 13 },
          },
        ]
      : [],
  }
}

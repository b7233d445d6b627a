// Today's figures cover only part of the day: charts of days mark today as partial (a dashed,
// lighter last segment, a shaded band labelled 今日（截至 HH:mm）) so a low today does not read
// like an incident.
import { formatDateTime } from './dates'

/** "今日（截至 14:05）": today's figures as of `nowIso` (shown in Beijing time). */
export function partialDayLabel(now: number | string = Date.now()): string {
  const iso = typeof now === 'number' ? new Date(now).toISOString() : now
  return `今日（截至 ${formatDateTime(iso).slice(11, 16)}）`
}

/** Whether the last of `days` is `today` (so its figures are partial). */
export const endsToday = (days: string[], today: string): boolean =>
  days.length > 0 && days[days.length - 1] === today

/**
 * `values` split in two: the full days (today left out) and today's partial figure joined to the
 * day before it (so it draws as one separate, dashed segment). Without today in `days`, all
 * values are full and the partial series is empty.
 */
export function splitPartialDay(
  days: string[],
  values: number[],
  today: string,
): { full: Array<number | null>; partial: Array<number | null> } {
  const n = days.length
  if (!endsToday(days, today)) return { full: [...values], partial: values.map(() => null) }
  const full = values.map((v, i) => (i === n - 1 ? null : v))
  const partial = values.map((v, i) => (i >= n - 2 ? v : null))
  return { full, partial }
}

export interface DayLine {
  name: string
  color: string
  values: number[]
}

/**
 * ECharts line series of `lines` over `days` with today (when the range ends with it) drawn as a
 * dashed, lighter segment under the same name (the legend toggles both) and a shaded band over
 * today labelled `label` (on the first line).
 */
export function partialDaySeries(
  days: string[],
  lines: DayLine[],
  today: string,
  label: string,
  extra: Record<string, unknown> = {},
): Array<Record<string, unknown>> {
  const marked = endsToday(days, today)
  return lines.flatMap((line, i) => {
    const { full, partial } = splitPartialDay(days, line.values, today)
    const solid = {
      type: 'line',
      name: line.name,
      data: full,
      color: line.color,
      showSymbol: days.length <= 31,
      symbolSize: 5,
      ...extra,
    }
    if (!marked) return [solid]
    return [
      solid,
      {
        type: 'line',
        name: line.name,
        data: partial,
        color: line.color,
        symbolSize: 5,
        lineStyle: { type: 'dashed', opacity: 0.6 },
        itemStyle: { opacity: 0.6 },
        ...extra,
        ...(i === 0
          ? {
              markArea: {
                silent: true,
                itemStyle: { color: 'rgba(22, 119, 255, 0.06)' },
                label: { show: true, position: 'insideTopRight', align: 'right', color: '#86909c', formatter: label },
                data: [[{ xAxis: today }, { xAxis: today }]],
              },
            }
          : {}),
      },
    ]
  })
}

export interface TooltipItem {
  seriesName?: string
  value?: unknown
  marker?: unknown
  axisValue?: unknown
}

/**
 * The text of a day's tooltip (HTML): the day (with `label` on today) and each line's value once
 * (a value drawn by both the full and the partial segment shows once).
 */
export function dayTooltip(
  items: TooltipItem[],
  today: string,
  label: string,
  format: (value: number) => string,
): string {
  const day = String(items[0]?.axisValue ?? '')
  const seen = new Set<string>()
  const rows: string[] = []
  for (const item of items) {
    const name = item.seriesName ?? ''
    const value = typeof item.value === 'number' ? item.value : null
    if (value === null || seen.has(name)) continue
    seen.add(name)
    rows.push(`${typeof item.marker === 'string' ? item.marker : ''}${escapeHtml(name)}：<b>${escapeHtml(format(value))}</b>`)
  }
  const title = day === today ? `${day} ${label}` : day
  return [escapeHtml(title), ...rows].join('<br/>')
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)

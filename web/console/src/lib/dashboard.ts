// The dashboard's series: robots' use, active groups by stars, income and payouts, per day,
// from days that may predate these figures (a day without them counts 0; a range without any
// shows no chart).
import type { DashboardDay, RobotsUse } from '../api'
import { formatCount } from './chartOption'
import { shortDay } from './dates'
import { dayTooltip, partialDaySeries, type TooltipItem } from './partialDay'

export const ROBOT_USE_SERIES: Array<{ key: keyof RobotsUse; name: string; color: string }> = [
  { key: 'free', name: '空余位置', color: '#86909c' },
  { key: 'distributed', name: '分配', color: '#1677ff' },
  { key: 'displayed', name: '展示', color: '#ff7d00' },
  { key: 'activated', name: '激活', color: '#00a870' },
]

export const STAR_SERIES = [
  { star: '1', name: '1 星', color: '#c9cdd4' },
  { star: '2', name: '2 星', color: '#14c9c9' },
  { star: '3', name: '3 星', color: '#1677ff' },
  { star: '4', name: '4 星', color: '#722ed1' },
  { star: '5', name: '5 星', color: '#f5a623' },
]

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

export interface DaySeries {
  /** Whether any day of the range has these figures. */
  any: boolean
  series: Array<{ name: string; color: string; values: number[] }>
}

/** The series of `lines` over `days` (a day without its figure counts 0), and whether any day has them. */
function daySeries<L extends { name: string; color: string }>(
  days: DashboardDay[],
  lines: L[],
  has: (day: DashboardDay) => unknown,
  value: (day: DashboardDay, line: L) => unknown,
): DaySeries {
  return {
    any: days.some(has),
    series: lines.map((line) => ({
      name: line.name,
      color: line.color,
      values: days.map((d) => num(value(d, line))),
    })),
  }
}

const isObject = (v: unknown): boolean => !!v && typeof v === 'object'

export const robotUseSeries = (days: DashboardDay[]): DaySeries =>
  daySeries(days, ROBOT_USE_SERIES, (d) => isObject(d.robots), (d, { key }) => d.robots?.[key])

export const starsSeries = (days: DashboardDay[]): DaySeries =>
  daySeries(days, STAR_SERIES, (d) => isObject(d.groups_by_stars), (d, { star }) => d.groups_by_stars?.[star])

/** The last day's active groups, all stars together (0 without figures). */
export function activeGroupsOn(day: DashboardDay | undefined): number {
  if (!day?.groups_by_stars) return 0
  return STAR_SERIES.reduce((sum, { star }) => sum + num(day.groups_by_stars?.[star]), 0)
}

export const MONEY_SERIES: Array<{ key: 'income_fen' | 'payouts_fen'; name: string; color: string }> = [
  { key: 'income_fen', name: '入账收入', color: '#00a870' },
  { key: 'payouts_fen', name: '提现到账', color: '#ff7d00' },
]

/** Daily income credited and payouts made, in yuan (the chart's unit), 0 on days without them. */
export const moneySeries = (days: DashboardDay[]): DaySeries =>
  daySeries(
    days,
    MONEY_SERIES,
    (d) => MONEY_SERIES.some(({ key }) => typeof d[key] === 'number'),
    (d, { key }) => num(d[key]) / 100,
  )

/** The range's income and payouts, in fen. */
export function moneyTotals(days: DashboardDay[]): { income_fen: number; payouts_fen: number } {
  return {
    income_fen: days.reduce((sum, d) => sum + num(d.income_fen), 0),
    payouts_fen: days.reduce((sum, d) => sum + num(d.payouts_fen), 0),
  }
}

// ---- The charts' ECharts options ----

export interface DayChartSpec {
  days: string[]
  series: DaySeries['series']
  /** The server's business day: its figures are partial, marked as such. */
  today: string
  /** The partial day's label, "今日（截至 14:05）". */
  todayLabel: string
  /** A value as shown (the tooltip and axis). */
  format: (value: number) => string
  /** Whether values are counts (whole ticks). */
  integer?: boolean
}

/**
 * The ECharts option of a per-day line chart: days along the bottom (today as 今日), values from
 * 0, today's partial figures dashed and shaded (see partialDay), a tooltip with each line once.
 */
export function dayChartOption({ days, series, today, todayLabel, format, integer = true }: DayChartSpec) {
  return {
    grid: { top: 28, right: 16, bottom: 8, left: 8, containLabel: true },
    xAxis: {
      type: 'category',
      data: days,
      boundaryGap: false,
      axisLabel: { formatter: (day: string) => (day === today ? '今日' : shortDay(day)), hideOverlap: true },
    },
    yAxis: {
      type: 'value',
      min: 0,
      ...(integer ? { minInterval: 1 } : {}),
      axisLabel: { formatter: (v: number) => (integer ? formatCount(v) : format(v)) },
    },
    tooltip: {
      trigger: 'axis',
      confine: true,
      className: 'chart-tooltip',
      formatter: (items: TooltipItem | TooltipItem[]) =>
        dayTooltip(Array.isArray(items) ? items : [items], today, todayLabel, format),
    },
    series: partialDaySeries(days, series, today, todayLabel),
  }
}

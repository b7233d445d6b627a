// The dashboard's series: robots' use, active groups by stars, income and payouts, per day,
// from days that may predate these figures (a day without them counts 0; a range without any
// shows no chart).
import type { DashboardDay, RobotsUse } from '../api'

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

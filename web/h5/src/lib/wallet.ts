// How the wallet tells the owner's money: the flows (流水) and the 15-day income chart.
import type { DailyIncome, Flow, FlowKind } from '../api'
import type { BarSeries, BarsInput } from './chart'
import { formatDate, formatDateTime, formatDay } from './format'

const FLOW_TITLES: Record<FlowKind, string> = {
  group_income: '群收益',
  protected_income: '保障收益',
  ad_income: '广告收益',
  master_commission: '徒弟分成',
  grand_master_commission: '徒孙分成',
  master_ad_commission: '徒弟广告分成',
  grand_master_ad_commission: '徒孙广告分成',
  withdrawal_hold: '提现冻结',
  withdrawal_release: '提现退回',
}

const COMMISSIONS = new Set<string>([
  'master_commission',
  'grand_master_commission',
  'master_ad_commission',
  'grand_master_ad_commission',
])
const INCOMES = new Set<string>(['group_income', 'protected_income', 'ad_income', ...COMMISSIONS])

/** A flow's name: the server's title, else ours for its kind, else the kind as it came. */
export function flowTitle(flow: Pick<Flow, 'kind' | 'title'>): string {
  return flow.title?.trim() || FLOW_TITLES[flow.kind] || flow.kind
}

/**
 * Where the money came from: the apprentice (and their group) for a commission, the group for
 * group or ad income, the withdrawal for a hold or its release; '' when the flow does not say.
 */
export function flowSource(flow: Flow): string {
  const group = flow.group_name?.trim() || (flow.group_id != null ? `群 #${flow.group_id}` : '')
  const person = flow.source_nickname?.trim() || (flow.source_user_id != null ? `用户 #${flow.source_user_id}` : '')
  if (COMMISSIONS.has(flow.kind)) return [person, group].filter(Boolean).join(' · ')
  if (flow.withdrawal_id != null && !group && !person) return `提现单 #${flow.withdrawal_id}`
  return group || person
}

/**
 * When: the time it was credited, and for income credited on a later day (settlement runs
 * after the day), the day it was earned: "2026-11-27 02:10 · 11-26 收益".
 */
export function flowWhen(flow: Pick<Flow, 'at' | 'day' | 'kind'>): string {
  const at = formatDateTime(flow.at)
  return INCOMES.has(flow.kind) && flow.day && flow.day !== formatDate(flow.at)
    ? `${at} · ${formatDay(flow.day)} 收益`
    : at
}

/** The parts of a day's income, in the order they stack from the bottom, with their names and colours. */
export const INCOME_SERIES = [
  { key: 'group_fen', name: 'group', label: '群收益', color: '#ff8a3d' },
  { key: 'ad_fen', name: 'ad', label: '广告收益', color: '#4e8cff' },
  { key: 'commission_fen', name: 'commission', label: '徒弟分成', color: '#36b37e' },
] as const satisfies readonly { key: keyof DailyIncome; name: string; label: string; color: string }[]

/** The chart's parts: one series per part of INCOME_SERIES, a value per day, oldest first. */
export function incomeSeries(daily: DailyIncome[]): BarSeries[] {
  return INCOME_SERIES.map((s) => ({ name: s.name, label: s.label, color: s.color, values: daily.map((d) => d[s.key]) }))
}

/** Each part summed over the days, and all of them together. */
export function incomeTotals(daily: DailyIncome[]): { parts: number[]; total: number } {
  const parts = INCOME_SERIES.map((s) => daily.reduce((n, d) => n + d[s.key], 0))
  return { parts, total: parts.reduce((a, b) => a + b, 0) }
}

/** The day after `day` (YYYY-MM-DD). */
export function nextDay(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`)
  return Number.isNaN(t) ? day : new Date(t + 86_400_000).toISOString().slice(0, 10)
}

/**
 * The wallet chart's days and parts: the settled days, then today (the day after the last
 * settled one) with its estimate as a part of its own, marked as partial.
 */
export function walletChart(daily: DailyIncome[], todayFen: number): BarsInput {
  const days = daily.map((d) => d.day)
  const series = incomeSeries(daily)
  const withToday = days.length > 0
  if (withToday) {
    days.push(nextDay(days[days.length - 1]))
    for (const s of series) s.values.push(0)
  }
  series.push({
    name: 'estimate',
    label: '今日预估',
    color: '#bfbfbf',
    values: days.map((_, i) => (withToday && i === days.length - 1 ? Math.max(0, todayFen) : 0)),
  })
  return {
    days,
    series,
    partial: withToday ? days.length - 1 : null,
    unit: 'fen',
    floor: 100,
    emptyText: '近 15 天暂无收益',
  }
}

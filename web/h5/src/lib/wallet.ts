// How the wallet tells the owner's money: the flows (流水) and the 15-day income chart.
import type { DailyIncome, Flow, FlowKind } from '../api'
import type { StackPoint } from './chart'
import { formatDate, formatDateTime, formatDay } from './format'

const FLOW_TITLES: Record<FlowKind, string> = {
  group_income: '群收益',
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
const INCOMES = new Set<string>(['group_income', 'ad_income', ...COMMISSIONS])

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

/** The parts of a day's income, in the order they stack from the bottom, with their names. */
export const INCOME_SERIES = [
  { key: 'group_fen', name: 'group', label: '群收益' },
  { key: 'ad_fen', name: 'ad', label: '广告收益' },
  { key: 'commission_fen', name: 'commission', label: '徒弟分成' },
] as const satisfies readonly { key: keyof DailyIncome; name: string; label: string }[]

/** The chart's stacks: one per day, oldest on the left, its parts in INCOME_SERIES order. */
export function incomeStacks(daily: DailyIncome[]): StackPoint[] {
  return daily.map((d) => ({ label: formatDay(d.day), values: INCOME_SERIES.map((s) => d[s.key]) }))
}

/** Each part summed over the days, and all of them together. */
export function incomeTotals(daily: DailyIncome[]): { parts: number[]; total: number } {
  const parts = INCOME_SERIES.map((s) => daily.reduce((n, d) => n + d[s.key], 0))
  return { parts, total: parts.reduce((a, b) => a + b, 0) }
}

/** A value of the chart's scale, in fen, as short yuan: 0, 0.5, 20, 1000. */
export function scaleYuan(fen: number): string {
  return String(Math.round(fen) / 100)
}

// The reconciliation of a day's payouts against WeChat Pay's bills: the kinds of difference,
// both sides' states in Chinese, and the summary figures.
import type { BillSide, DifferenceKind, Reconciliation } from '../api'
import { formatFen } from './money'
import { lookOf, type Look } from './states'
import { withdrawalState } from './withdrawals'

export const DIFFERENCE_KINDS: Record<DifferenceKind, Look> = {
  missing_at_wechat: { label: '微信无此单', tone: 'danger' },
  missing_here: { label: '本地无此单', tone: 'danger' },
  amount: { label: '金额不符', tone: 'warning' },
  state: { label: '状态不符', tone: 'warning' },
}

/** The label and tag tone of a kind of difference (an unknown kind shown as given). */
export const differenceKind = (kind: string): Look => lookOf(DIFFERENCE_KINDS, kind)

/** WeChat Pay's transfer-bill states. */
export const WECHAT_STATES: Record<string, string> = {
  ACCEPTED: '已受理',
  PROCESSING: '转账中',
  WAIT_USER_CONFIRM: '待用户确认',
  TRANSFERING: '转账中',
  SUCCESS: '转账成功',
  FAIL: '转账失败',
  CANCELING: '撤销中',
  CANCELLED: '已撤销',
}

export const wechatState = (state: string): string => WECHAT_STATES[state] ?? (state || '—')

/** One side of a difference as a line: "¥1.00 · 已到账"; '—' when that side has no such order. */
export function sideText(side: BillSide | null, whose: 'ours' | 'theirs'): string {
  if (!side) return '—'
  const state = whose === 'ours' ? withdrawalState(side.state).label : wechatState(side.state)
  return `${formatFen(side.amount_fen)} · ${state}`
}

/** The summary: both counts and totals, and how far the totals are apart (ours − theirs). */
export function reconciliationSummary(r: Reconciliation): {
  clean: boolean
  differences: number
  gapFen: number
} {
  const differences = Array.isArray(r.differences) ? r.differences.length : 0
  return { clean: differences === 0, differences, gapFen: (r.ours_total_fen || 0) - (r.theirs_total_fen || 0) }
}

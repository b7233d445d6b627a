// The reconciliation of a day's payouts against WeChat Pay's records (the day's fund-flow bill
// and the per-bill query): the kinds of difference, both sides' states in Chinese, the summary
// figures and the bill's own summary.
import type { BillSide, BillSource, DifferenceKind, Reconciliation } from '../api'
import { formatFen } from './money'
import { lookOf, type Look } from './states'
import { withdrawalState } from './withdrawals'

export const DIFFERENCE_KINDS: Record<DifferenceKind, Look> = {
  missing_at_wechat: { label: '微信无此单', tone: 'danger' },
  missing_here: { label: '本地无此单', tone: 'danger' },
  amount: { label: '金额不符', tone: 'warning' },
  state: { label: '状态不符', tone: 'warning' },
  not_in_bill: { label: '账单无此笔', tone: 'warning' },
  unchecked: { label: '未核对', tone: 'default' },
}

/** The label and tag tone of a kind of difference (an unknown kind shown as given). */
export const differenceKind = (kind: string): Look => lookOf(DIFFERENCE_KINDS, kind)

/** WeChat Pay's transfer-bill states, and what the fund-flow bill alone shows. */
export const WECHAT_STATES: Record<string, string> = {
  ACCEPTED: '已受理',
  PROCESSING: '转账中',
  WAIT_USER_CONFIRM: '待用户确认',
  TRANSFERING: '转账中',
  SUCCESS: '转账成功',
  FAIL: '转账失败',
  CANCELING: '撤销中',
  CANCELLED: '已撤销',
  BILLED: '资金账单支出',
}

export const wechatState = (state: string): string => WECHAT_STATES[state] ?? (state || '—')

/** One side of a difference as a line: "¥1.00 · 已到账"; '—' when that side has no such order. */
export function sideText(side: BillSide | null, whose: 'ours' | 'theirs'): string {
  if (!side) return '—'
  const state = whose === 'ours' ? withdrawalState(side.state).label : wechatState(side.state)
  return `${formatFen(side.amount_fen)} · ${state}`
}

/**
 * The summary: whether anything differs, how many, and how far what we paid is from what the
 * bill paid out (ours paid − theirs).
 */
export function reconciliationSummary(r: Reconciliation): {
  clean: boolean
  differences: number
  gapFen: number
} {
  const differences = Array.isArray(r.differences) ? r.differences.length : 0
  return { clean: differences === 0, differences, gapFen: (r.ours_paid_fen || 0) - (r.theirs_total_fen || 0) }
}

/** The bill the day was reconciled with, in one line. */
export function billText(bill: BillSource): string {
  if (bill.kind === 'none') return '微信支付当日无资金流水（无账单文件）'
  const s = bill.summary
  return (
    `资金流水 ${s.flows} 笔：收入 ${s.income_count} 笔 ${formatFen(s.income_fen)}，` +
    `支出 ${s.expense_count} 笔 ${formatFen(s.expense_fen)}；SHA-1 校验通过`
  )
}

/** How the orders the bill did not settle were checked. */
export function queriesText(r: Reconciliation): string {
  const asked = `逐单查询微信支付 ${r.queried} 单`
  return r.unchecked > 0 ? `${asked}，${r.unchecked} 单未核对（见差异）` : asked
}

// Withdrawals as the finance pages show them: states, which actions a state allows, the
// rejection's reason and the export's file name.
import type { Withdrawal, WithdrawalFilters, WithdrawalState } from '../api'
import { isDay } from './dates'
import { idFilter, idFilterProblem } from './groups'
import { knownState, lookOf, type Look, type StateOption } from './states'
import { validateReason } from './text'

export const WITHDRAWAL_STATES: Array<StateOption<WithdrawalState>> = [
  { value: 'pending', label: '待打款', tone: 'default' },
  { value: 'submitted', label: '打款中', tone: 'primary' },
  { value: 'waiting_user', label: '待用户确认', tone: 'warning' },
  { value: 'success', label: '已到账', tone: 'success' },
  { value: 'failed', label: '打款失败', tone: 'danger' },
  { value: 'rejected', label: '已驳回', tone: 'default' },
]

/** The label and tag tone of a state (an unknown state shown as given). */
export const withdrawalState = (state: string): Look => lookOf(WITHDRAWAL_STATES, state)

/** A state filter from the address bar: a known state, else '' (all). */
export const withdrawalStateFilter = (value: string): WithdrawalState | '' => knownState(WITHDRAWAL_STATES, value)

/** Only a failed payout is retried (under a new order number, the money held again). */
export const canRetry = (w: Pick<Withdrawal, 'state'>): boolean => w.state === 'failed'

/** A withdrawal not sent to WeChat Pay, or failed there, may be rejected (the hold released). */
export const canReject = (w: Pick<Withdrawal, 'state'>): boolean => w.state === 'pending' || w.state === 'failed'

export const MAX_REJECT_REASON = 200

/** What is wrong with a rejection's reason (the owner reads it as "运营驳回：…"), or ''. */
export const validateRejectReason = (reason: string): string => validateReason(reason, '驳回原因', MAX_REJECT_REASON)

/** The filters as the address bar and the form hold them (a type, so that it is a record of strings). */
export type WithdrawalFilterForm = {
  state: string
  day: string
  user_id: string
}

/** The filters a form describes, or what is wrong with them. */
export function parseWithdrawalFilters(form: WithdrawalFilterForm): { filters: WithdrawalFilterForm } | { error: string } {
  const day = form.day.trim()
  if (day && !isDay(day)) return { error: '日期格式不正确' }
  const invalid = idFilterProblem(form.user_id, '用户 ID')
  if (invalid) return { error: invalid }
  return { filters: { state: withdrawalStateFilter(form.state), day, user_id: form.user_id.trim() } }
}

/** The filters to send: the malformed ones of the address bar dropped (the form says why). */
export function queryFilters(form: WithdrawalFilterForm): WithdrawalFilters {
  return {
    state: withdrawalStateFilter(form.state),
    day: isDay(form.day.trim()) ? form.day.trim() : '',
    user_id: idFilter(form.user_id),
  }
}

/** The most rows one export holds (the server refuses more, saying how many there are). */
export const MAX_EXPORT_ROWS = 10000

/**
 * Why the filters cannot be exported, or null: an export covers one 申请日期 (the server takes
 * a range of at most 31 days and refuses an export of everything, whose file could outgrow what
 * the API may answer).
 */
export function exportProblem(filters: WithdrawalFilters): string | null {
  if (!filters.day) return `请先选择申请日期再导出：每次导出一天，最多 ${MAX_EXPORT_ROWS} 条`
  return null
}

/** The export's file name, naming its filters: "withdrawals-2026-11-25-failed-user12.csv". */
export function csvFilename(filters: WithdrawalFilters): string {
  const parts = ['withdrawals', filters.day || 'all']
  if (filters.state) parts.push(filters.state)
  if (filters.user_id) parts.push(`user${filters.user_id}`)
  return `${parts.join('-')}.csv`
}

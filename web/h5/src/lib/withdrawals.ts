// How a withdrawal is told to the owner: its state, its steps so far, why it failed.
import type { Withdrawal, WithdrawalState } from '../api'
import { lookOf, type StateLook } from './badge'

const STATES: Record<WithdrawalState, StateLook> = {
  pending: { label: '待处理', tone: 'warn' },
  submitted: { label: '处理中', tone: 'info' },
  waiting_user: { label: '待确认收款', tone: 'warn' },
  success: { label: '已到账', tone: 'ok' },
  failed: { label: '失败', tone: 'danger' },
  rejected: { label: '已驳回', tone: 'danger' },
}

/** A withdrawal's state as its badge shows it; an unknown state is shown as it came. */
export const withdrawalLook = (state: string): StateLook => lookOf(STATES, state)

/** Whether the withdrawal may still change by itself (the detail page keeps asking). */
export const isOpen = (state: string): boolean =>
  state === 'pending' || state === 'submitted' || state === 'waiting_user'

/** Whether it ended without the money leaving: the amount is back in the available balance. */
export const isRefunded = (state: string): boolean => state === 'failed' || state === 'rejected'

export const REFUNDED_NOTE = '提现金额已退回可提现余额'

/** Why it failed, as the owner reads it: the server's reason, or a word for the state. */
export function failureText(w: Pick<Withdrawal, 'state' | 'failure_reason'>): string {
  const reason = w.failure_reason?.trim()
  if (reason) return reason
  return w.state === 'rejected' ? '提现申请已被驳回' : '提现未成功'
}

export interface TimelineStep {
  key: 'created' | 'submitted' | 'waiting_user' | 'success' | 'failed' | 'rejected'
  label: string
  /** done: passed; current: where it is now; todo: still to come; failed: where it ended badly. */
  status: 'done' | 'current' | 'todo' | 'failed'
  /** When, as far as the withdrawal tells (RFC 3339), else null. */
  at: string | null
}

const PATH: { key: TimelineStep['key']; label: string }[] = [
  { key: 'submitted', label: '微信处理中' },
  { key: 'waiting_user', label: '待确认收款' },
  { key: 'success', label: '已到账' },
]

/** How far along PATH each open or paid state is: 0 before the first step. */
const REACHED: Record<string, number> = { pending: 0, submitted: 1, waiting_user: 2, success: 3 }

/**
 * The steps of a withdrawal, oldest first, the request always done. An open or paid one shows
 * the whole path with where it stands; a failed or rejected one how far it got and how it ended.
 * Only the request, the last change and the end carry a time: the withdrawal keeps no other.
 */
export function timeline(w: Withdrawal): TimelineStep[] {
  const created: TimelineStep = { key: 'created', label: '提交申请', status: 'done', at: w.created_at }
  if (isRefunded(w.state)) {
    const steps = [created]
    // A WeChat state means the transfer reached WeChat before it ended.
    if (w.wechat_state) steps.push({ key: 'submitted', label: '已提交微信', status: 'done', at: null })
    steps.push({
      key: w.state === 'rejected' ? 'rejected' : 'failed',
      label: w.state === 'rejected' ? '已驳回' : '提现失败',
      status: 'failed',
      at: w.finished_at ?? w.updated_at,
    })
    return steps
  }
  const reached = REACHED[w.state] ?? 0
  const paid = w.state === 'success'
  return [
    created,
    ...PATH.map((step, i): TimelineStep => {
      const n = i + 1
      if (n > reached) return { ...step, status: 'todo', at: null }
      if (n < reached) return { ...step, status: 'done', at: null }
      return { ...step, status: paid ? 'done' : 'current', at: paid ? (w.finished_at ?? w.updated_at) : w.updated_at }
    }),
  ]
}

// Settlement runs as the finance pages show them: states, progress, totals, and the day a run
// may be asked for.
import type { SettlementRun, SettlementState } from '../api'
import { addDays, isDay } from './dates'
import { lookOf, type Look } from './states'

export const SETTLEMENT_STATES: Record<SettlementState, Look> = {
  running: { label: '结算中', tone: 'primary' },
  done: { label: '已完成', tone: 'success' },
  failed: { label: '失败', tone: 'danger' },
}

/** The label and tag tone of a state (an unknown state shown as given). */
export const settlementState = (state: string): Look => lookOf(SETTLEMENT_STATES, state)

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0)

/**
 * How far a run is: `pct` (0–100, a done run 100) from the server's progress_pct, else from the
 * steps; `steps` as "12 / 40" ('' while the total is unknown).
 */
export function runProgress(
  run: Pick<SettlementRun, 'state' | 'steps_done' | 'steps_total' | 'progress_pct'>,
): { pct: number; steps: string } {
  const total = count(run.steps_total)
  const done = Math.min(count(run.steps_done), total || Infinity)
  let pct = typeof run.progress_pct === 'number' && Number.isFinite(run.progress_pct) ? run.progress_pct : NaN
  if (Number.isNaN(pct)) pct = total > 0 ? (done / total) * 100 : 0
  if (run.state === 'done') pct = 100
  return { pct: Math.min(100, Math.max(0, Math.round(pct * 10) / 10)), steps: total > 0 ? `${done} / ${total}` : '' }
}

/**
 * Of a run shown and one just answered (the POST or a poll), the one to show: the answer,
 * unless it is an older view of the same run — a poll sent before the last answer arrived —
 * that would move the progress back or reopen a finished run.
 */
export function laterRun(shown: SettlementRun | null, answer: SettlementRun): SettlementRun {
  if (!shown || shown.day !== answer.day || count(answer.runs) > count(shown.runs)) return answer
  if (count(answer.runs) < count(shown.runs)) return shown
  if (shown.state !== 'running' && answer.state === 'running') return shown
  if (answer.state === 'running' && count(answer.steps_done) < count(shown.steps_done)) return shown
  return answer
}

/** Whether the console should POST again to continue the run. */
export const keepRunning = (run: Pick<SettlementRun, 'state'>): boolean => run.state === 'running'

export const TOTALS: Array<{ key: keyof SettlementRun; label: string; money: boolean; testId: string }> = [
  { key: 'group_income_fen', label: '群收益', money: true, testId: 'settlement-group-income' },
  { key: 'ad_income_fen', label: '广告收益', money: true, testId: 'settlement-ad-income' },
  { key: 'commission_fen', label: '分成', money: true, testId: 'settlement-commission' },
  { key: 'protected_income_fen', label: '保障收益', money: true, testId: 'settlement-protected-income' },
  { key: 'total_fen', label: '合计', money: true, testId: 'settlement-total' },
  { key: 'users_credited', label: '入账用户', money: false, testId: 'settlement-users' },
  { key: 'groups_credited', label: '入账群', money: false, testId: 'settlement-groups' },
]

/** The day a run is asked for by default: the business day before `today`. */
export const defaultRunDay = (today: string): string => addDays(today, -1)

/** What is wrong with the day to settle (only a day before today may be), or ''. */
export function validateRunDay(day: string, today: string): string {
  if (!day) return '请选择结算日期'
  if (!isDay(day)) return '日期格式不正确'
  if (day >= today) return '只能结算今天之前的日期'
  return ''
}

// Groups as the console shows them: states, filters, the forced exit's reason, the history chart.
import { charCount } from '@gpet/common/content'
import type { GroupDay, GroupState } from '../api'

type Tone = 'success' | 'warning' | 'default' | 'danger'

export const GROUP_STATES: Array<{ value: GroupState; label: string; tone: Tone }> = [
  { value: 'active', label: '正常', tone: 'success' },
  { value: 'cancelled', label: '已注销', tone: 'warning' },
  { value: 'left', label: '已退群', tone: 'default' },
  { value: 'refused', label: '已拒绝', tone: 'danger' },
]

/** The label and tag tone of a state (an unknown state shown as given). */
export function groupState(state: string): { label: string; tone: Tone } {
  const known = GROUP_STATES.find((s) => s.value === state)
  return known ? { label: known.label, tone: known.tone } : { label: state || '—', tone: 'default' }
}

/** A state filter from the address bar: a known state, else '' (all). */
export const stateFilter = (value: string): GroupState | '' =>
  GROUP_STATES.some((s) => s.value === value) ? (value as GroupState) : ''

/** What is wrong with an id typed into a filter ('' is no filter), or ''. */
export function idFilterProblem(value: string, label: string): string {
  const v = value.trim()
  return v === '' || /^[1-9]\d{0,18}$/.test(v) ? '' : `${label}须为正整数`
}

export const MAX_EXIT_REASON = 200

/** What is wrong with the reason of a forced exit, or ''. */
export function validateExitReason(reason: string): string {
  const text = reason.trim()
  if (!text) return '请填写退群原因'
  if (charCount(text) > MAX_EXIT_REASON) return `退群原因不能超过 ${MAX_EXIT_REASON} 个字`
  return ''
}

/** The history as a chart's days and its sessions and speakers (missing numbers as 0). */
export function historySeries(history: GroupDay[] | null | undefined): {
  days: string[]
  sessions: number[]
  speakers: number[]
} {
  const rows = Array.isArray(history) ? [...history].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0)) : []
  return {
    days: rows.map((d) => d.day),
    sessions: rows.map((d) => Number(d.sessions) || 0),
    speakers: rows.map((d) => Number(d.speakers) || 0),
  }
}

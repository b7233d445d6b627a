// Groups as the console shows them: states, filters, the forced exit's reason, the history chart.
import type { GroupDay, GroupState } from '../api'
import { knownState, lookOf, type Look, type StateOption } from './states'
import { validateReason } from './text'

export const GROUP_STATES: Array<StateOption<GroupState>> = [
  { value: 'active', label: '正常', tone: 'success' },
  { value: 'cancelled', label: '已注销', tone: 'warning' },
  { value: 'left', label: '已退群', tone: 'default' },
  { value: 'refused', label: '已拒绝', tone: 'danger' },
]

/** The label and tag tone of a state (an unknown state shown as given). */
export const groupState = (state: string): Look => lookOf(GROUP_STATES, state)

/** A state filter from the address bar: a known state, else '' (all). */
export const stateFilter = (value: string): GroupState | '' => knownState(GROUP_STATES, value)

/** What is wrong with an id typed into a filter ('' is no filter), or ''. */
export function idFilterProblem(value: string, label: string): string {
  const v = value.trim()
  return v === '' || /^[1-9]\d{0,18}$/.test(v) ? '' : `${label}须为正整数`
}

/** An id filter of the address bar to send: '' (no filter) when malformed (the form says why). */
export const idFilter = (value: string): string => (idFilterProblem(value, '') ? '' : value.trim())

/** The filters of the groups' list as the address bar and the form hold them. */
export type GroupFilterForm = {
  q: string
  state: string
  robot_id: string
  owner_id: string
}

/** The filters a form describes, or what is wrong with them. */
export function parseGroupFilters(form: GroupFilterForm): { filters: GroupFilterForm } | { error: string } {
  const invalid = idFilterProblem(form.robot_id, '机器人 ID') || idFilterProblem(form.owner_id, '群主 ID')
  if (invalid) return { error: invalid }
  return {
    filters: {
      q: form.q.trim(),
      state: stateFilter(form.state),
      robot_id: form.robot_id.trim(),
      owner_id: form.owner_id.trim(),
    },
  }
}

export const MAX_EXIT_REASON = 200

/** What is wrong with the reason of a forced exit, or ''. */
export const validateExitReason = (reason: string): string => validateReason(reason, '退群原因', MAX_EXIT_REASON)

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

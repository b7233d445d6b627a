// The ledger's invariant checks: the latest's verdict, its failed checks, the history.
import type { LedgerAudit, LedgerAudits } from '../api'
import { parseTime } from './dates'
import type { Look } from './states'

/** The verdict of a check run: 正常 (green), 异常 (red), or 暂无 when none ran yet. */
export function auditVerdict(audit: Pick<LedgerAudit, 'ok'> | null | undefined): Look {
  if (!audit) return { label: '暂无校验', tone: 'default' }
  return audit.ok ? { label: '校验通过', tone: 'success' } : { label: '校验失败', tone: 'danger' }
}

/** The names of the checks that failed (a run marked failed with none named keeps its verdict). */
export const failedChecks = (audit: Pick<LedgerAudit, 'checks'>): string[] =>
  (audit.checks ?? []).filter((c) => !c.ok).map((c) => c.name)

/** The history newest first, at most `max`. */
export function auditHistory(history: LedgerAudit[] | null | undefined, max = 30): LedgerAudit[] {
  const rows = Array.isArray(history) ? [...history] : []
  rows.sort((a, b) => (parseTime(b.at) || 0) - (parseTime(a.at) || 0))
  return rows.slice(0, max)
}

/**
 * The page's audits after 立即核对 answered `report`: the whole report as GET answers it, or,
 * answered a single run, that run as the latest and first of the history.
 */
export function runAnswer(report: LedgerAudits | LedgerAudit, previous: LedgerAudits): LedgerAudits {
  if ('history' in report) return report
  return { latest: report, history: [report, ...previous.history.filter((a) => a.id !== report.id)] }
}

/** How far a run that has taken `elapsedMs` looks (0…95 %: it never claims done before it is). */
export const runProgress = (elapsedMs: number): number =>
  Math.min(95, Math.max(0, Math.round(100 * (1 - Math.exp(-Math.max(0, elapsedMs) / 8000)))))

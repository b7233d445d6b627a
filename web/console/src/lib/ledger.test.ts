import { describe, expect, it } from 'vitest'
import type { LedgerAudit } from '../api'
import { auditHistory, auditVerdict, failedChecks, runAnswer, runProgress } from './ledger'

const audit = (id: number, at: string, ok: boolean, failing: string[] = []): LedgerAudit => ({
  id,
  at,
  ok,
  checks: [
    { name: 'balanced', ok: !failing.includes('balanced'), detail: '' },
    { name: 'balances_match_entries', ok: !failing.includes('balances_match_entries'), detail: '' },
  ],
  accounts: 10,
  entries: 40,
  transactions: 20,
})

describe('ledger audit', () => {
  it('gives the verdict green, red or none', () => {
    expect(auditVerdict(audit(1, '2026-11-25T01:00:00+08:00', true))).toEqual({ label: '校验通过', tone: 'success' })
    expect(auditVerdict(audit(1, '2026-11-25T01:00:00+08:00', false))).toEqual({ label: '校验失败', tone: 'danger' })
    expect(auditVerdict(null)).toEqual({ label: '暂无校验', tone: 'default' })
  })

  it('names the failed checks', () => {
    expect(failedChecks(audit(1, '2026-11-25T01:00:00+08:00', false, ['balanced']))).toEqual(['balanced'])
    expect(failedChecks(audit(1, '2026-11-25T01:00:00+08:00', true))).toEqual([])
  })

  it('lists the history newest first, at most 30', () => {
    const rows = Array.from({ length: 35 }, (_, i) =>
      audit(i, `2026-10-${String((i % 28) + 1).padStart(2, '0')}T0${i % 10}:00:00+08:00`, true),
    )
    const history = auditHistory(rows)
    expect(history).toHaveLength(30)
    for (let i = 1; i < history.length; i++) expect(history[i - 1].at >= history[i].at).toBe(true)
    expect(auditHistory(undefined)).toEqual([])
    const older = audit(1, '2026-11-24T01:00:00+08:00', true)
    const newer = audit(2, '2026-11-25T01:00:00+08:00', false)
    expect(auditHistory([older, newer]).map((a) => a.id)).toEqual([2, 1])
  })
})

describe('立即核对', () => {
  const run = (id: number, ok = true) => ({ id, at: '2026-11-26T03:00:00Z', ok, checks: [], accounts: 1, entries: 2, transactions: 1 })
  it('takes a whole report as it is', () => {
    const report = { latest: run(2), history: [run(2), run(1)] }
    expect(runAnswer(report, { latest: run(1), history: [run(1)] })).toBe(report)
  })
  it('puts a single run first', () => {
    expect(runAnswer(run(2, false), { latest: run(1), history: [run(1)] })).toEqual({
      latest: run(2, false),
      history: [run(2, false), run(1)],
    })
  })
  it('never shows a run as done before it is', () => {
    expect(runProgress(0)).toBe(0)
    expect(runProgress(-5)).toBe(0)
    expect(runProgress(8000)).toBe(63)
    expect(runProgress(600_000)).toBe(95)
  })
})

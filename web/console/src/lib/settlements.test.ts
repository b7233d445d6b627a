import { describe, expect, it } from 'vitest'
import type { SettlementRun } from '../api'
import { defaultRunDay, keepRunning, laterRun, runProgress, settlementState, validateRunDay } from './settlements'

const run = (patch: Partial<SettlementRun> = {}): SettlementRun => ({
  day: '2026-11-25',
  state: 'running',
  steps_total: 40,
  steps_done: 10,
  progress_pct: 25,
  groups_credited: 0,
  users_credited: 0,
  group_income_fen: 0,
  ad_income_fen: 0,
  commission_fen: 0,
  protected_income_fen: 0,
  total_fen: 0,
  started_at: '2026-11-26T00:30:00+08:00',
  finished_at: null,
  error: null,
  runs: 1,
  ...patch,
})

describe('settlement runs', () => {
  it('labels states', () => {
    expect(settlementState('running')).toEqual({ label: '结算中', tone: 'primary' })
    expect(settlementState('done')).toEqual({ label: '已完成', tone: 'success' })
    expect(settlementState('failed')).toEqual({ label: '失败', tone: 'danger' })
    expect(settlementState('queued')).toEqual({ label: 'queued', tone: 'default' })
  })

  it("shows the server's progress with the steps", () => {
    expect(runProgress(run())).toEqual({ pct: 25, steps: '10 / 40' })
    expect(runProgress(run({ progress_pct: 33.333 }))).toEqual({ pct: 33.3, steps: '10 / 40' })
    expect(runProgress(run({ progress_pct: 140 })).pct).toBe(100)
    expect(runProgress(run({ progress_pct: -3 })).pct).toBe(0)
  })

  it('works the progress out of the steps when the server gives none, and a done run is 100%', () => {
    expect(runProgress(run({ progress_pct: Number.NaN, steps_done: 30 }))).toEqual({ pct: 75, steps: '30 / 40' })
    expect(runProgress(run({ progress_pct: Number.NaN, steps_total: 0, steps_done: 0 }))).toEqual({ pct: 0, steps: '' })
    expect(runProgress(run({ state: 'done', progress_pct: 99, steps_done: 40 })).pct).toBe(100)
    expect(runProgress(run({ steps_done: 50 })).steps).toBe('40 / 40')
  })

  it('keeps POSTing while running only', () => {
    expect(keepRunning(run())).toBe(true)
    expect(keepRunning(run({ state: 'done' }))).toBe(false)
    expect(keepRunning(run({ state: 'failed' }))).toBe(false)
  })

  it('never moves the progress back or reopens a finished run on a late poll', () => {
    const shown = run({ steps_done: 20, runs: 2 })
    expect(laterRun(null, shown)).toBe(shown)
    const ahead = run({ steps_done: 25, runs: 2 })
    expect(laterRun(shown, ahead)).toBe(ahead)
    expect(laterRun(shown, run({ steps_done: 15, runs: 2 }))).toBe(shown)
    expect(laterRun(shown, run({ steps_done: 30, runs: 1 }))).toBe(shown)
    const done = run({ state: 'done', steps_done: 40, runs: 2 })
    expect(laterRun(done, run({ steps_done: 39, runs: 2 }))).toBe(done)
    // The last step written, the run not yet marked done.
    expect(laterRun(done, run({ steps_done: 40, runs: 2 }))).toBe(done)
    const failed = run({ state: 'failed', steps_done: 20, runs: 2, error: 'boom' })
    expect(laterRun(shown, failed)).toBe(failed)
  })

  it('takes a new start or another day as it comes', () => {
    const shown = run({ state: 'done', steps_done: 40, runs: 2 })
    const again = run({ state: 'running', steps_done: 40, runs: 3 })
    expect(laterRun(shown, again)).toBe(again)
    const other = run({ day: '2026-11-24', steps_done: 0 })
    expect(laterRun(shown, other)).toBe(other)
  })

  it('settles yesterday by default, and only days before today', () => {
    expect(defaultRunDay('2026-12-01')).toBe('2026-11-30')
    expect(defaultRunDay('2026-01-01')).toBe('2025-12-31')
    expect(validateRunDay('', '2026-12-01')).toBe('请选择结算日期')
    expect(validateRunDay('2026-11-31', '2026-12-01')).toBe('日期格式不正确')
    expect(validateRunDay('2026-12-01', '2026-12-01')).toBe('只能结算今天之前的日期')
    expect(validateRunDay('2026-12-02', '2026-12-01')).toBe('只能结算今天之前的日期')
    expect(validateRunDay('2026-11-30', '2026-12-01')).toBe('')
  })
})

import { describe, expect, it } from 'vitest'
import {
  WITHDRAWAL_STATES,
  canReject,
  canRetry,
  csvFilename,
  exportProblem,
  parseWithdrawalFilters,
  queryFilters,
  validateRejectReason,
  withdrawalState,
  withdrawalStateFilter,
} from './withdrawals'

describe('withdrawals', () => {
  it('labels every state of the contract in Chinese, an unknown one as given', () => {
    expect(WITHDRAWAL_STATES.map((s) => s.value)).toEqual([
      'pending',
      'submitted',
      'waiting_user',
      'success',
      'failed',
      'rejected',
    ])
    expect(withdrawalState('success')).toEqual({ label: '已到账', tone: 'success' })
    expect(withdrawalState('failed')).toEqual({ label: '打款失败', tone: 'danger' })
    expect(withdrawalState('waiting_user').label).toBe('待用户确认')
    expect(withdrawalState('rejected').label).toBe('已驳回')
    expect(withdrawalState('odd')).toEqual({ label: 'odd', tone: 'default' })
    expect(withdrawalStateFilter('pending')).toBe('pending')
    expect(withdrawalStateFilter('PENDING')).toBe('')
  })

  it('retries failed payouts only and rejects pending or failed ones', () => {
    const allowed = (f: (w: { state: string }) => boolean) =>
      WITHDRAWAL_STATES.filter((s) => f({ state: s.value })).map((s) => s.value)
    expect(allowed(canRetry as (w: { state: string }) => boolean)).toEqual(['failed'])
    expect(allowed(canReject as (w: { state: string }) => boolean)).toEqual(['pending', 'failed'])
  })

  it('asks for a reason of at most 200 characters to reject', () => {
    expect(validateRejectReason('  ')).toBe('请填写驳回原因')
    expect(validateRejectReason('账户异常')).toBe('')
    expect(validateRejectReason('字'.repeat(200))).toBe('')
    expect(validateRejectReason('字'.repeat(201))).toBe('驳回原因不能超过 200 个字')
  })

  it('checks the filters of the form', () => {
    expect(parseWithdrawalFilters({ state: 'failed', day: '2026-11-25', user_id: ' 12 ' })).toEqual({
      filters: { state: 'failed', day: '2026-11-25', user_id: '12' },
    })
    expect(parseWithdrawalFilters({ state: '', day: '2026-02-30', user_id: '' })).toEqual({ error: '日期格式不正确' })
    expect(parseWithdrawalFilters({ state: '', day: '', user_id: 'abc' })).toEqual({ error: '用户 ID须为正整数' })
    expect(parseWithdrawalFilters({ state: 'nope', day: '', user_id: '' })).toEqual({
      filters: { state: '', day: '', user_id: '' },
    })
  })

  it('sends only the well-formed filters of the address bar', () => {
    expect(queryFilters({ state: 'x', day: 'yesterday', user_id: '-1' })).toEqual({ state: '', day: '', user_id: '' })
    expect(queryFilters({ state: 'success', day: '2026-11-25', user_id: '7' })).toEqual({
      state: 'success',
      day: '2026-11-25',
      user_id: '7',
    })
  })

  it('names the export after its filters', () => {
    expect(csvFilename({})).toBe('withdrawals-all.csv')
    expect(csvFilename({ state: '', day: '2026-11-25', user_id: '' })).toBe('withdrawals-2026-11-25.csv')
    expect(csvFilename({ state: 'failed', day: '2026-11-25', user_id: '12' })).toBe(
      'withdrawals-2026-11-25-failed-user12.csv',
    )
    expect(csvFilename({ state: 'success' })).toBe('withdrawals-all-success.csv')
  })

  it('exports a chosen day only, and says so otherwise', () => {
    expect(exportProblem({ day: '2026-11-25' })).toBeNull()
    expect(exportProblem({ state: 'success', day: '2026-11-25', user_id: '7' })).toBeNull()
    expect(exportProblem({})).toBe('请先选择申请日期再导出：每次导出一天，最多 10000 条')
    expect(exportProblem({ state: 'failed', day: '' })).toContain('请先选择申请日期')
  })
})

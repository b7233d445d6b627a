import { describe, expect, it } from 'vitest'
import type { Withdrawal } from '../api'
import { failureText, isOpen, isRefunded, timeline, withdrawalLook } from './withdrawals'

const withdrawal = (fields: Partial<Withdrawal>): Withdrawal => ({
  id: 9,
  user_id: 7,
  amount_fen: 1234,
  state: 'pending',
  out_bill_no: 'GW9A1',
  attempt: 1,
  day: '2026-11-26',
  created_at: '2026-11-26T10:00:00+08:00',
  updated_at: '2026-11-26T10:00:05+08:00',
  finished_at: null,
  failure_reason: null,
  result_code: null,
  wechat_state: null,
  name_corrected_at: null,
  package_info: null,
  mch_id: null,
  app_id: null,
  ...fields,
})

describe('withdrawalLook', () => {
  it('names every state in Chinese', () => {
    const labels = ['pending', 'submitted', 'waiting_user', 'success', 'failed', 'rejected'].map(
      (s) => withdrawalLook(s).label,
    )
    expect(labels).toEqual(['待处理', '处理中', '待确认收款', '已到账', '失败', '已驳回'])
    expect(withdrawalLook('success').tone).toBe('ok')
    expect(withdrawalLook('failed').tone).toBe('danger')
  })

  it('shows an unknown state as it came', () => {
    expect(withdrawalLook('paused')).toEqual({ label: 'paused', tone: 'muted' })
  })
})

describe('isOpen and isRefunded', () => {
  it('keeps asking until the withdrawal ends', () => {
    expect(['pending', 'submitted', 'waiting_user'].every(isOpen)).toBe(true)
    expect(['success', 'failed', 'rejected', 'other'].some(isOpen)).toBe(false)
  })

  it('counts failed and rejected as money given back, not a payment', () => {
    expect(isRefunded('failed')).toBe(true)
    expect(isRefunded('rejected')).toBe(true)
    expect(isRefunded('success')).toBe(false)
    expect(isRefunded('waiting_user')).toBe(false)
  })
})

describe('failureText', () => {
  it("prefers the server's reason", () => {
    expect(failureText({ state: 'failed', failure_reason: ' 实名信息与微信实名不一致 ' })).toBe('实名信息与微信实名不一致')
    expect(failureText({ state: 'failed', failure_reason: null })).toBe('提现未成功')
    expect(failureText({ state: 'rejected', failure_reason: '' })).toBe('提现申请已被驳回')
  })
})

const steps = (w: Withdrawal) => timeline(w).map((s) => `${s.key}:${s.status}`)

describe('timeline', () => {
  it('shows the whole path of an open withdrawal with where it stands', () => {
    expect(steps(withdrawal({ state: 'pending' }))).toEqual([
      'created:done',
      'submitted:todo',
      'waiting_user:todo',
      'success:todo',
    ])
    expect(steps(withdrawal({ state: 'submitted' }))).toEqual([
      'created:done',
      'submitted:current',
      'waiting_user:todo',
      'success:todo',
    ])
    const waiting = timeline(withdrawal({ state: 'waiting_user' }))
    expect(waiting.map((s) => `${s.key}:${s.status}`)).toEqual([
      'created:done',
      'submitted:done',
      'waiting_user:current',
      'success:todo',
    ])
    expect(waiting.map((s) => s.at)).toEqual(['2026-11-26T10:00:00+08:00', null, '2026-11-26T10:00:05+08:00', null])
  })

  it('ends a paid one at 已到账, when it finished', () => {
    const paid = timeline(withdrawal({ state: 'success', finished_at: '2026-11-26T11:00:00+08:00' }))
    expect(paid.every((s) => s.status === 'done')).toBe(true)
    expect(paid.at(-1)).toMatchObject({ key: 'success', label: '已到账', at: '2026-11-26T11:00:00+08:00' })
  })

  it('ends a failed one badly, after WeChat when it got there', () => {
    expect(steps(withdrawal({ state: 'failed', wechat_state: 'FAIL' }))).toEqual([
      'created:done',
      'submitted:done',
      'failed:failed',
    ])
    const rejected = timeline(withdrawal({ state: 'rejected', finished_at: '2026-11-26T12:00:00+08:00' }))
    expect(rejected.map((s) => `${s.key}:${s.status}`)).toEqual(['created:done', 'rejected:failed'])
    expect(rejected[1]).toMatchObject({ label: '已驳回', at: '2026-11-26T12:00:00+08:00' })
  })
})

import { describe, expect, it } from 'vitest'
import type { Reconciliation } from '../api'
import { DIFFERENCE_KINDS, differenceKind, reconciliationSummary, sideText, wechatState } from './reconciliation'

describe('reconciliation', () => {
  it('names every kind of difference in Chinese', () => {
    expect(Object.keys(DIFFERENCE_KINDS).sort()).toEqual(['amount', 'missing_at_wechat', 'missing_here', 'state'])
    expect(differenceKind('missing_at_wechat').label).toBe('微信无此单')
    expect(differenceKind('missing_here').label).toBe('本地无此单')
    expect(differenceKind('amount').label).toBe('金额不符')
    expect(differenceKind('state').label).toBe('状态不符')
    expect(differenceKind('other')).toEqual({ label: 'other', tone: 'default' })
  })

  it("shows our side with our states and WeChat's with theirs", () => {
    expect(sideText({ amount_fen: 100, state: 'success' }, 'ours')).toBe('¥1.00 · 已到账')
    expect(sideText({ amount_fen: 150, state: 'FAIL' }, 'theirs')).toBe('¥1.50 · 转账失败')
    expect(sideText({ amount_fen: 1, state: 'WAIT_USER_CONFIRM' }, 'theirs')).toBe('¥0.01 · 待用户确认')
    expect(sideText(null, 'theirs')).toBe('—')
    expect(wechatState('NEW_STATE')).toBe('NEW_STATE')
  })

  it('sums up: clean without differences, the gap between the totals', () => {
    const base: Reconciliation = {
      day: '2026-11-25',
      ours: 3,
      theirs: 3,
      matched: 3,
      ours_total_fen: 600,
      theirs_total_fen: 600,
      differences: [],
    }
    expect(reconciliationSummary(base)).toEqual({ clean: true, differences: 0, gapFen: 0 })
    const off = {
      ...base,
      theirs: 2,
      matched: 2,
      theirs_total_fen: 400,
      differences: [{ out_bill_no: 'GW3A1', kind: 'missing_at_wechat' as const, ours: { amount_fen: 200, state: 'success' }, theirs: null, note: '' }],
    }
    expect(reconciliationSummary(off)).toEqual({ clean: false, differences: 1, gapFen: 200 })
  })
})

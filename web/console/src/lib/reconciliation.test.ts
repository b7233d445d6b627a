import { describe, expect, it } from 'vitest'
import type { Reconciliation } from '../api'
import {
  DIFFERENCE_KINDS,
  billText,
  differenceKind,
  queriesText,
  reconciliationSummary,
  sideText,
  wechatState,
} from './reconciliation'

const base: Reconciliation = {
  day: '2026-11-25',
  ours: 3,
  ours_total_fen: 900,
  ours_paid: 2,
  ours_paid_fen: 600,
  theirs: 2,
  theirs_total_fen: 600,
  matched: 3,
  queried: 1,
  unchecked: 0,
  bill: {
    kind: 'file',
    account: 'OPERATION',
    sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
    summary: { flows: 3, income_count: 1, income_fen: 10_000, expense_count: 2, expense_fen: 600 },
  },
  differences: [],
}

describe('reconciliation', () => {
  it('names every kind of difference in Chinese', () => {
    expect(Object.keys(DIFFERENCE_KINDS).sort()).toEqual([
      'amount',
      'missing_at_wechat',
      'missing_here',
      'not_in_bill',
      'state',
      'unchecked',
    ])
    expect(differenceKind('missing_at_wechat').label).toBe('微信无此单')
    expect(differenceKind('missing_here').label).toBe('本地无此单')
    expect(differenceKind('amount').label).toBe('金额不符')
    expect(differenceKind('state').label).toBe('状态不符')
    expect(differenceKind('not_in_bill').label).toBe('账单无此笔')
    expect(differenceKind('unchecked').label).toBe('未核对')
    expect(differenceKind('other')).toEqual({ label: 'other', tone: 'default' })
  })

  it("shows our side with our states and WeChat's with theirs", () => {
    expect(sideText({ amount_fen: 100, state: 'success' }, 'ours')).toBe('¥1.00 · 已到账')
    expect(sideText({ amount_fen: 150, state: 'FAIL' }, 'theirs')).toBe('¥1.50 · 转账失败')
    expect(sideText({ amount_fen: 1, state: 'WAIT_USER_CONFIRM' }, 'theirs')).toBe('¥0.01 · 待用户确认')
    expect(sideText({ amount_fen: 1200, state: 'BILLED' }, 'theirs')).toBe('¥12.00 · 资金账单支出')
    expect(sideText(null, 'theirs')).toBe('—')
    expect(wechatState('NEW_STATE')).toBe('NEW_STATE')
  })

  it('sums up: clean without differences, the gap between what we paid and what the bill paid out', () => {
    expect(reconciliationSummary(base)).toEqual({ clean: true, differences: 0, gapFen: 0 })
    const off: Reconciliation = {
      ...base,
      theirs: 1,
      matched: 2,
      theirs_total_fen: 400,
      differences: [
        {
          out_bill_no: 'GW3A1',
          kind: 'not_in_bill',
          ours: { amount_fen: 200, state: 'success' },
          theirs: { amount_fen: 200, state: 'SUCCESS' },
          note: '',
        },
      ],
    }
    expect(reconciliationSummary(off)).toEqual({ clean: false, differences: 1, gapFen: 200 })
  })

  it("tells the bill's summary, or that WeChat Pay moved no money", () => {
    expect(billText(base.bill)).toBe('资金流水 3 笔：收入 1 笔 ¥100.00，支出 2 笔 ¥6.00；SHA-1 校验通过')
    const none = { ...base.bill, kind: 'none' as const, sha1: null }
    expect(billText(none)).toBe('微信支付当日无资金流水（无账单文件）')
  })

  it('says how many bills were asked about and how many were left unchecked', () => {
    expect(queriesText(base)).toBe('逐单查询微信支付 1 单')
    expect(queriesText({ ...base, queried: 100, unchecked: 7 })).toBe('逐单查询微信支付 100 单，7 单未核对（见差异）')
  })
})

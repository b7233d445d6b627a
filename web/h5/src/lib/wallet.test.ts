import { describe, expect, it } from 'vitest'
import type { Flow } from '../api'
import { flowSource, flowTitle, flowWhen, incomeSeries, incomeTotals, nextDay, walletChart } from './wallet'

const flow = (fields: Partial<Flow>): Flow => ({
  id: 1,
  at: '2026-11-27T02:10:00+08:00',
  day: '2026-11-26',
  kind: 'group_income',
  amount_fen: 500,
  title: '群收益',
  group_id: null,
  group_name: null,
  source_user_id: null,
  source_nickname: null,
  withdrawal_id: null,
  ...fields,
})

describe('flowTitle', () => {
  it("takes the server's title, else names the kind", () => {
    expect(flowTitle({ kind: 'ad_income', title: '广告收益' })).toBe('广告收益')
    expect(flowTitle({ kind: 'grand_master_ad_commission', title: '' })).toBe('徒孙广告分成')
    expect(flowTitle({ kind: 'withdrawal_release', title: ' ' })).toBe('提现退回')
    expect(flowTitle({ kind: 'protected_income', title: '' })).toBe('保障收益')
    expect(flowTitle({ kind: 'protected_income', title: '保障收益' })).toBe('保障收益')
    expect(flowTitle({ kind: 'bonus' as Flow['kind'], title: '' })).toBe('bonus')
  })
})

describe('flowSource', () => {
  it('names the group of group and ad income', () => {
    expect(flowSource(flow({ group_id: 3, group_name: '宠物群' }))).toBe('宠物群')
    expect(flowSource(flow({ kind: 'ad_income', group_id: 3, group_name: '' }))).toBe('群 #3')
  })

  it('names the apprentice of a commission first, then their group', () => {
    expect(
      flowSource(flow({ kind: 'master_commission', source_user_id: 8, source_nickname: '小红', group_id: 3, group_name: '宠物群' })),
    ).toBe('小红 · 宠物群')
    expect(flowSource(flow({ kind: 'grand_master_ad_commission', source_user_id: 8, source_nickname: '小红' }))).toBe('小红')
  })

  it('names the withdrawal of a hold or release', () => {
    expect(flowSource(flow({ kind: 'withdrawal_hold', amount_fen: -1000, withdrawal_id: 12 }))).toBe('提现单 #12')
  })

  it('says nothing when the flow does not say', () => {
    expect(flowSource(flow({}))).toBe('')
  })
})

describe('flowWhen', () => {
  it('tells the day earned when income was credited on a later day', () => {
    expect(flowWhen(flow({}))).toBe('2026-11-27 02:10 · 11-26 收益')
    expect(flowWhen(flow({ day: '2026-11-27' }))).toBe('2026-11-27 02:10')
    expect(flowWhen(flow({ kind: 'withdrawal_hold', day: '2026-11-26' }))).toBe('2026-11-27 02:10')
    expect(flowWhen(flow({ kind: 'protected_income', title: '保障收益' }))).toBe('2026-11-27 02:10 · 11-26 收益')
  })
})

const daily = [
  { day: '2026-11-25', group_fen: 300, ad_fen: 20, commission_fen: 5 },
  { day: '2026-11-26', group_fen: 0, ad_fen: 0, commission_fen: 0 },
  { day: '2026-11-27', group_fen: 500, ad_fen: 0, commission_fen: 70 },
]

describe('income chart series', () => {
  it('stacks each day group, ad, commission from the bottom, oldest first', () => {
    expect(incomeSeries(daily).map((s) => [s.name, s.label, s.values])).toEqual([
      ['group', '群收益', [300, 0, 500]],
      ['ad', '广告收益', [20, 0, 0]],
      ['commission', '徒弟分成', [5, 0, 70]],
    ])
  })

  it('totals each part and all of them', () => {
    expect(incomeTotals(daily)).toEqual({ parts: [800, 20, 75], total: 895 })
    expect(incomeTotals([])).toEqual({ parts: [0, 0, 0], total: 0 })
  })
})

describe('walletChart', () => {
  it('adds today after the settled days, with its estimate, marked partial', () => {
    const chart = walletChart(daily, 123)
    expect(chart.days).toEqual(['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28'])
    expect(chart.partial).toBe(3)
    expect(chart.series.map((s) => s.name)).toEqual(['group', 'ad', 'commission', 'estimate'])
    expect(chart.series[0].values).toEqual([300, 0, 500, 0])
    expect(chart.series[3].values).toEqual([0, 0, 0, 123])
    expect(chart.unit).toBe('fen')
  })

  it('draws nothing partial without days', () => {
    expect(walletChart([], 50)).toMatchObject({ days: [], partial: null })
  })

  it('steps over month ends', () => {
    expect(nextDay('2026-11-30')).toBe('2026-12-01')
    expect(nextDay('2026-12-31')).toBe('2027-01-01')
  })
})

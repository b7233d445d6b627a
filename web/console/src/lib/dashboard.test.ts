import { describe, expect, it } from 'vitest'
import type { DashboardDay } from '../api'
import { activeGroupsOn, dayChartOption, moneySeries, moneyTotals, robotUseSeries, starsSeries } from './dashboard'

const days: DashboardDay[] = [
  { day: '2026-11-01', active_users: 3, new_users: 1 },
  {
    day: '2026-11-02',
    active_users: 5,
    new_users: 2,
    robots: { free: 90, distributed: 45, displayed: 120, activated: 10 },
    groups_by_stars: { '1': 4, '3': 2, '5': 1 },
  },
  { day: '2026-11-03', active_users: 5, new_users: 2, robots: null, groups_by_stars: null },
]

describe('dashboard series', () => {
  it("charts the robots' use, 0 on days without it", () => {
    const { any, series } = robotUseSeries(days)
    expect(any).toBe(true)
    expect(series.map((s) => s.name)).toEqual(['空余位置', '分配', '展示', '激活'])
    expect(series[0].values).toEqual([0, 90, 0])
    expect(series[2].values).toEqual([0, 120, 0])
  })

  it('charts active groups by stars, missing stars as 0', () => {
    const { any, series } = starsSeries(days)
    expect(any).toBe(true)
    expect(series).toHaveLength(5)
    expect(series.map((s) => s.values[1])).toEqual([4, 0, 2, 0, 1])
    expect(activeGroupsOn(days[1])).toBe(7)
    expect(activeGroupsOn(days[0])).toBe(0)
  })

  it('says when a range has no such figures at all', () => {
    const old = days.slice(0, 1)
    expect(robotUseSeries(old).any).toBe(false)
    expect(starsSeries(old).any).toBe(false)
    expect(starsSeries([]).series[0].values).toEqual([])
  })
})

describe('income and payouts', () => {
  const money: DashboardDay[] = [
    { day: '2026-11-01', active_users: 3, new_users: 1 },
    { day: '2026-11-02', active_users: 5, new_users: 2, income_fen: 12345, payouts_fen: 5000 },
    { day: '2026-11-03', active_users: 5, new_users: 2, income_fen: 55, payouts_fen: null },
  ]

  it('charts daily income and payouts in yuan, 0 on days without them', () => {
    const { any, series } = moneySeries(money)
    expect(any).toBe(true)
    expect(series.map((s) => s.name)).toEqual(['入账收入', '提现到账'])
    expect(series[0].values).toEqual([0, 123.45, 0.55])
    expect(series[1].values).toEqual([0, 50, 0])
  })

  it('totals the range in fen', () => {
    expect(moneyTotals(money)).toEqual({ income_fen: 12400, payouts_fen: 5000 })
    expect(moneyTotals([])).toEqual({ income_fen: 0, payouts_fen: 0 })
  })

  it('says when the days predate money', () => {
    expect(moneySeries(money.slice(0, 1)).any).toBe(false)
    expect(moneySeries(days).any).toBe(false)
  })
})

describe('dashboard chart option', () => {
  it("marks today's partial day and names it on the axis and in the tooltip", () => {
    const option = dayChartOption({
      days: ['2026-11-25', '2026-11-26'],
      series: [{ name: '日活跃用户', color: '#1677ff', values: [54, 3] }],
      today: '2026-11-26',
      todayLabel: '今日（截至 14:05）',
      format: String,
    })
    expect(option.series).toHaveLength(2)
    expect(option.series[1]).toMatchObject({ data: [54, 3], lineStyle: { type: 'dashed' } })
    expect(option.xAxis.axisLabel.formatter('2026-11-26')).toBe('今日')
    expect(option.xAxis.axisLabel.formatter('2026-11-25')).toBe('11-25')
    expect(option.yAxis).toMatchObject({ min: 0, minInterval: 1 })
    expect(option.tooltip.formatter([{ seriesName: '日活跃用户', value: 3, axisValue: '2026-11-26' }])).toContain(
      '今日（截至 14:05）',
    )
  })

  it('gives money charts fractional ticks', () => {
    const option = dayChartOption({ days: [], series: [], today: 'x', todayLabel: '', format: String, integer: false })
    expect(option.yAxis).not.toHaveProperty('minInterval')
  })
})

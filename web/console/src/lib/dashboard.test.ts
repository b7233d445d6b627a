import { describe, expect, it } from 'vitest'
import type { DashboardDay } from '../api'
import { activeGroupsOn, robotUseSeries, starsSeries } from './dashboard'

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

import { describe, expect, it } from 'vitest'
import {
  groupState,
  historySeries,
  idFilter,
  idFilterProblem,
  parseGroupFilters,
  stateFilter,
  validateExitReason,
} from './groups'

describe('groups', () => {
  it('labels states, unknown ones as given', () => {
    expect(groupState('active')).toEqual({ label: '正常', tone: 'success' })
    expect(groupState('cancelled').label).toBe('已注销')
    expect(groupState('gone')).toEqual({ label: 'gone', tone: 'default' })
    expect(stateFilter('left')).toBe('left')
    expect(stateFilter('nope')).toBe('')
  })

  it('takes positive whole ids as filters', () => {
    expect(idFilterProblem('', '机器人 ID')).toBe('')
    expect(idFilterProblem(' 12 ', '机器人 ID')).toBe('')
    expect(idFilterProblem('0', '机器人 ID')).toBe('机器人 ID须为正整数')
    expect(idFilterProblem('abc', '群主 ID')).toBe('群主 ID须为正整数')
    expect(idFilter(' 12 ')).toBe('12')
    expect(idFilter('-1')).toBe('')
  })

  it('checks the filters of the form', () => {
    expect(parseGroupFilters({ q: ' 宠物 ', state: 'left', robot_id: ' 3 ', owner_id: '' })).toEqual({
      filters: { q: '宠物', state: 'left', robot_id: '3', owner_id: '' },
    })
    expect(parseGroupFilters({ q: '', state: 'nope', robot_id: '', owner_id: '' })).toEqual({
      filters: { q: '', state: '', robot_id: '', owner_id: '' },
    })
    expect(parseGroupFilters({ q: '', state: '', robot_id: 'x', owner_id: 'y' })).toEqual({ error: '机器人 ID须为正整数' })
    expect(parseGroupFilters({ q: '', state: '', robot_id: '', owner_id: '0' })).toEqual({ error: '群主 ID须为正整数' })
  })

  it('asks for a reason of at most 200 characters to force an exit', () => {
    expect(validateExitReason('  ')).toBe('请填写退群原因')
    expect(validateExitReason('违规广告')).toBe('')
    expect(validateExitReason('字'.repeat(201))).toBe('退群原因不能超过 200 个字')
  })

  it('charts the history oldest first, tolerating gaps', () => {
    const history = [
      { day: '2026-11-02', sessions: 5, speakers: 2, stars: 2 },
      { day: '2026-11-01', sessions: 0, speakers: 0, stars: null },
    ]
    expect(historySeries(history)).toEqual({ days: ['2026-11-01', '2026-11-02'], sessions: [0, 5], speakers: [0, 2] })
    expect(historySeries(undefined)).toEqual({ days: [], sessions: [], speakers: [] })
  })
})

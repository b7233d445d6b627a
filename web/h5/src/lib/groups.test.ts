import { describe, expect, it } from 'vitest'
import { assignErrorMessage, clampStars, earningNote, groupStateLook, starsAria, starsLabel, starsText } from './groups'

describe('groupStateLook', () => {
  it('names each state of a group', () => {
    expect(groupStateLook('active')).toEqual({ label: '运营中', tone: 'ok' })
    expect(groupStateLook('cancelled')).toEqual({ label: '已注销', tone: 'muted' })
    expect(groupStateLook('left')).toEqual({ label: '已退群', tone: 'muted' })
    expect(groupStateLook('refused')).toEqual({ label: '未通过', tone: 'danger' })
  })

  it('shows an unknown state as it came', () => {
    expect(groupStateLook('paused')).toEqual({ label: 'paused', tone: 'muted' })
  })
})

describe('stars', () => {
  it('draws one ★ per star', () => {
    expect(starsText(1)).toBe('★')
    expect(starsText(5)).toBe('★★★★★')
    expect(starsLabel(3)).toBe('3 星')
  })

  it('says 待评星 before the first rating', () => {
    expect(starsText(0)).toBe('')
    expect(starsLabel(0)).toBe('待评星')
    expect(starsLabel(null)).toBe('待评星')
  })

  it('clamps what cannot be', () => {
    expect(clampStars(9)).toBe(5)
    expect(clampStars(-1)).toBe(0)
    expect(clampStars(NaN)).toBe(0)
    expect(clampStars(undefined)).toBe(0)
  })
})

describe('assignErrorMessage', () => {
  it('says when the day’s robots are gone', () => {
    expect(assignErrorMessage(1600, 'no robot available')).toEqual({
      text: '今日机器人已分配完，请明天再来',
      needsPhone: false,
    })
  })

  it('leads to binding a phone on 2001', () => {
    expect(assignErrorMessage(2001, 'phone missing').needsPhone).toBe(true)
  })

  it('shows the server’s message otherwise', () => {
    expect(assignErrorMessage(1403, '账号已冻结')).toEqual({ text: '账号已冻结', needsPhone: false })
    expect(assignErrorMessage(1500, '').text).toBe('领取失败，请稍后再试')
  })
})

describe('starsAria', () => {
  it('says the stars out of five', () => {
    expect(starsAria(3)).toBe('3 星（满分 5 星）')
    expect(starsAria(0)).toBe('待评星')
  })
})

describe('earningNote', () => {
  const group = { state: 'active', stars: 1, sessions_yesterday: 3, star_income_fen: 0 }
  it('says why a 1★ group earns nothing and what the next star needs', () => {
    expect(earningNote({ ...group, next_star: { stars: 2, sessions: 10, income_fen: 100 } })).toBe(
      '1★ 群暂无日收益：昨日有效会话 3 次，每天达到 10 次可升为 2★，日收益 ¥1.00',
    )
  })
  it('says what an earning group gets and what comes next', () => {
    expect(
      earningNote({ ...group, stars: 2, sessions_yesterday: 12, star_income_fen: 10, next_star: { stars: 3, sessions: 50, income_fen: 30 } }),
    ).toBe('2★ 群日收益 ¥0.10：昨日有效会话 12 次，每天达到 50 次可升为 3★，日收益 ¥0.30')
  })
  it('tells the top star, a group not rated yet, and no rule known', () => {
    expect(earningNote({ ...group, stars: 5, star_income_fen: 100, next_star: null })).toBe(
      '5★ 群日收益 ¥1.00：昨日有效会话 3 次，已是最高星级',
    )
    expect(earningNote({ ...group, stars: 0, next_star: { stars: 1, sessions: 0, income_fen: 0 } })).toMatch(/^新群次日起/)
    expect(earningNote(group)).toBe('1★ 群暂无日收益：昨日有效会话 3 次，群里聊得越多，星级和日收益越高')
  })
  it('says nothing of a group that is not active', () => {
    expect(earningNote({ ...group, state: 'left' })).toBeNull()
  })
})

import { describe, expect, it } from 'vitest'
import { assignErrorMessage, clampStars, groupStateLook, starsLabel, starsText } from './groups'

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

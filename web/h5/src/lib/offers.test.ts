import { describe, expect, it } from 'vitest'
import { joinedGroupName, mergeWithdrawn, offerStage, offerStageText, withdrawnText } from './offers'

describe('robot offers', () => {
  it('follow the owner from the QR code to a group', () => {
    expect(offerStage({ paired_at: null, groups_joined: [] })).toBe('waiting')
    expect(offerStage({})).toBe('waiting')
    expect(offerStage({ paired_at: '2026-12-07T10:00:00+08:00', groups_joined: [] })).toBe('paired')
    expect(offerStage({ paired_at: '2026-12-07T10:00:00+08:00', groups_joined: [{ id: 1, name: '猫友会' }] })).toBe(
      'joined',
    )
    expect(offerStageText({ paired_at: 'x' }).title).toBe('已配对')
    expect(offerStageText({ paired_at: 'x' }).next).toMatch(/拉进你的群/)
    expect(offerStageText({}).title).toBe('等待添加好友')
  })

  it('names a joined group', () => {
    expect(joinedGroupName({ id: 3, name: '猫友会' })).toBe('“猫友会”')
    expect(joinedGroupName({ id: 3, name: ' ' })).toBe('“群 3”')
  })
})

describe('withdrawn offers', () => {
  const w = { robot_id: 7, nickname: '小宠1号', reason: '机器人已被微信封禁' }
  it('say which robot, why, and whether another was offered', () => {
    expect(withdrawnText(w, true)).toBe('机器人「小宠1号」暂不可用（机器人已被微信封禁），已为你更换')
    expect(withdrawnText(w, false)).toBe('机器人「小宠1号」暂不可用（机器人已被微信封禁），暂时没有可替换的机器人')
  })
  it('leave out an empty reason', () => {
    expect(withdrawnText({ ...w, reason: ' ' }, true)).toBe('机器人「小宠1号」暂不可用，已为你更换')
  })
})

describe('mergeWithdrawn', () => {
  it('keeps each robot taken back once, with its latest reason', () => {
    const a = { robot_id: 1, nickname: 'A', reason: '机器人已掉线（账号已登出）' }
    const b = { robot_id: 2, nickname: 'B', reason: '机器人维护中' }
    expect(mergeWithdrawn([], [a])).toEqual([a])
    expect(mergeWithdrawn([a], [])).toEqual([a])
    expect(mergeWithdrawn([a], [b])).toEqual([a, b])
    const again = { ...a, reason: '机器人已被微信封禁' }
    expect(mergeWithdrawn([a, b], [again])).toEqual([b, again])
  })
})

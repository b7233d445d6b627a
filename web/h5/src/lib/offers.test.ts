import { describe, expect, it } from 'vitest'
import { joinedGroupName, offerStage, offerStageText } from './offers'

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

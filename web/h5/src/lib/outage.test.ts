import { describe, expect, it } from 'vitest'
import {
  BY_OPERATORS_TEXT,
  ROBOT_OUT_LOOK,
  outageBanner,
  replaceErrorMessage,
  replacedBy,
  replacedText,
  replacementSteps,
  robotOut,
} from './outage'

const banned = {
  state: 'active',
  robot_health: 'banned',
  robot_issue: '机器人已被微信封禁',
  outage_since: '2026-12-08T02:30:00Z',
  protected_stars: 3,
}

describe('robotOut', () => {
  it('is true for an active or left group whose robot is not online', () => {
    for (const health of ['silent', 'offline', 'banned', 'quarantined']) {
      expect(robotOut({ state: 'active', robot_health: health })).toBe(true)
    }
    expect(robotOut({ state: 'left', robot_health: 'banned' })).toBe(true)
  })

  it('is tagged 机器人离线 in red', () => {
    expect(ROBOT_OUT_LOOK).toEqual({ label: '机器人离线', tone: 'danger' })
  })

  it('is false for an online robot, an unknown health and a group that is over', () => {
    expect(robotOut({ state: 'active', robot_health: 'online' })).toBe(false)
    expect(robotOut({ state: 'active' })).toBe(false)
    expect(robotOut({ state: 'active', robot_health: null })).toBe(false)
    expect(robotOut({ state: 'cancelled', robot_health: 'banned' })).toBe(false)
    expect(robotOut({ state: 'refused', robot_health: 'offline' })).toBe(false)
  })
})

describe('outageBanner', () => {
  it('says why, since when in Beijing time, and what protects the owner', () => {
    expect(outageBanner(banned)).toEqual({
      title: '机器人离线',
      reason: '机器人已被微信封禁',
      since: '自 2026-12-08 10:30（北京时间）起',
      protections: ['离线期间不计入 3 天无会话注销', '离线较久的日子按离线前 3 星保障收益'],
    })
  })

  it('gives no numbers of the operators’ settings', () => {
    const text = outageBanner(banned)!.protections.join(' ')
    expect(text).not.toMatch(/小时|最多/)
  })

  it('leaves out the income protection without protected stars', () => {
    expect(outageBanner({ ...banned, protected_stars: null })!.protections).toEqual(['离线期间不计入 3 天无会话注销'])
    expect(outageBanner({ ...banned, protected_stars: 0 })!.protections).toHaveLength(1)
  })

  it('names the trouble when the server gives no reason, and leaves out an unknown start', () => {
    const b = outageBanner({ state: 'active', robot_health: 'silent', robot_issue: ' ', outage_since: null })!
    expect(b.reason).toBe('机器人暂无响应，可能已掉线')
    expect(b.since).toBe('')
    expect(outageBanner({ state: 'active', robot_health: 'quarantined' })!.reason).toBe('机器人维护中')
    expect(outageBanner({ state: 'active', robot_health: 'mystery' })!.reason).toBe('机器人暂时无法工作')
  })

  it('is null while the robot is online', () => {
    expect(outageBanner({ ...banned, robot_health: 'online' })).toBeNull()
    expect(outageBanner({ ...banned, state: 'cancelled' })).toBeNull()
  })
})

describe('the replacement robot', () => {
  it('has two steps naming the code and the group', () => {
    expect(replacementSteps('AB12CD', '萌宠一群')).toEqual([
      '扫码添加机器人为好友，验证信息填写配对码 AB12CD',
      '把机器人拉进本群「萌宠一群」（原机器人无需移出）',
    ])
    expect(replacementSteps('AB12CD', ' ')[1]).toBe('把机器人拉进本群「未命名群」（原机器人无需移出）')
  })

  it('says who prepared it and when it is done', () => {
    expect(BY_OPERATORS_TEXT).toBe('运营已为你准备了替换机器人')
    expect(replacedText('小宠2号')).toBe('已更换为「小宠2号」，群的星级与历史不变')
  })

  it('is done once the group is online with no replacement open', () => {
    const waiting = { robot_health: 'banned', robot_nickname: '旧机器人', replacement: { nickname: '小宠2号' } }
    expect(replacedBy(waiting, '小宠2号')).toBeNull()
    // Paired but not yet in the group: the replacement is still open.
    expect(replacedBy({ ...waiting, robot_health: 'online' }, '小宠2号')).toBeNull()
    expect(replacedBy({ robot_health: 'online', robot_nickname: '小宠2号', replacement: null }, '小宠2号')).toBe('小宠2号')
    expect(replacedBy({ robot_health: 'online', robot_nickname: '', replacement: null }, '小宠2号')).toBe('小宠2号')
    // Nothing was being replaced.
    expect(replacedBy({ robot_health: 'online', robot_nickname: '小宠2号', replacement: null }, null)).toBeNull()
  })

  it('tells a refusal in words', () => {
    expect(replaceErrorMessage(1600, 'no robot')).toBe('暂时没有可替换的机器人，请稍后再试')
    expect(replaceErrorMessage(1403, '机器人在线，无需更换')).toBe('机器人在线，无需更换')
    expect(replaceErrorMessage(1500, '')).toBe('更换失败，请稍后再试')
    expect(replaceErrorMessage(1500, '系统繁忙（1500）')).toBe('系统繁忙')
  })
})

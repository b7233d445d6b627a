import { describe, expect, it } from 'vitest'
import {
  HEALTHS,
  cooldownText,
  countHealth,
  healthSummary,
  healthTag,
  heartbeatText,
  mayPrepareReplacements,
  replacementNote,
  replacementResult,
  riskLine,
  validateQuarantineReason,
} from './robotHealth'

describe('robot health', () => {
  it('tags each health with its word and colour', () => {
    expect(HEALTHS.map((h) => [healthTag(h).label, healthTag(h).color])).toEqual([
      ['在线', 'green'],
      ['无心跳', 'orange'],
      ['离线', 'default'],
      ['封禁', 'red'],
      ['隔离', 'purple'],
    ])
    expect(healthTag('zombie')).toEqual({ label: '未知', color: 'default' })
    expect(healthTag(undefined)).toEqual({ label: '未知', color: 'default' })
  })

  it('counts the fleet by health, in a fixed order', () => {
    const counts = countHealth([
      { health: 'online' },
      { health: 'online' },
      { health: 'banned' },
      { health: 'quarantined' },
      { health: undefined },
    ])
    expect(counts).toEqual({ online: 2, silent: 0, offline: 0, banned: 1, quarantined: 1 })
    expect(healthSummary(counts)).toBe('在线 2 / 无心跳 0 / 离线 0 / 封禁 1 / 隔离 1')
    expect(healthSummary(countHealth([]))).toBe('在线 0 / 无心跳 0 / 离线 0 / 封禁 0 / 隔离 0')
  })

  it('shows the last heartbeat in Beijing time, or that none came', () => {
    expect(heartbeatText('2026-12-08T01:02:03.456789Z')).toBe('2026-12-08 09:02:03')
    expect(heartbeatText(null)).toBe('从未收到')
    expect(heartbeatText(undefined)).toBe('从未收到')
  })

  it('shows the cool-down only while it lasts, in Beijing time', () => {
    const now = Date.parse('2026-12-08T06:00:00Z')
    expect(cooldownText('2026-12-08T06:05:09Z', now)).toBe('冷却至 14:05:09')
    expect(cooldownText('2026-12-08T16:00:01+00:00', now)).toBe('冷却至 00:00:01')
    expect(cooldownText('2026-12-08T06:00:00Z', now)).toBe('')
    expect(cooldownText('2026-12-08T05:59:00Z', now)).toBe('')
    expect(cooldownText(null, now)).toBe('')
    expect(cooldownText('soon', now)).toBe('')
  })

  it('lists risk events with their kind in words', () => {
    expect(riskLine({ kind: 'quarantined', detail: ' 疑似被盗号 ', at: '2026-12-08T02:00:00Z' })).toEqual({
      at: '2026-12-08 10:00:00',
      kind: '隔离',
      detail: '疑似被盗号',
    })
    const kinds = ['banned', 'logout', 'restricted', 'online', 'rate_limited', 'silent', 'released', 'new_kind']
    expect(kinds.map((kind) => riskLine({ kind, detail: null, at: '2026-12-08T02:00:00Z' }).kind)).toEqual([
      '封禁',
      '登出',
      '受限',
      '恢复在线',
      '风控限流',
      '无心跳',
      '解除隔离',
      '其他',
    ])
    expect(riskLine({ kind: 'banned', at: '2026-12-08T02:00:00Z' }).detail).toBe('')
  })
})

describe('replacements for a robot that is out', () => {
  it('are offered for any robot that is not online', () => {
    expect(HEALTHS.filter((health) => mayPrepareReplacements({ health }))).toEqual([
      'silent',
      'offline',
      'banned',
      'quarantined',
    ])
    expect(mayPrepareReplacements({ health: undefined })).toBe(false)
  })

  it('say what happens before, and what was done after', () => {
    const note = replacementNote({ nickname: '小宠 7 号', health: 'banned', groups: 12 })
    expect(note).toContain('机器人「小宠 7 号」当前封禁')
    expect(note).toContain('它的 12 个正常群各准备一个在线的替换机器人')
    expect(note).toContain('一步即可')
    expect(replacementNote({ nickname: 'x', health: 'offline', groups: 0 })).toContain('没有正常的群')
    expect(replacementResult({ groups: 12, prepared: 10, without_robot: 2 })).toBe(
      '已为 10 个群准备替换机器人；2 个群暂无可用机器人',
    )
    expect(replacementResult({ groups: 3, prepared: 3, without_robot: 0 })).toBe(
      '已为 3 个群准备替换机器人；0 个群暂无可用机器人',
    )
    expect(replacementResult({ groups: 0, prepared: 0, without_robot: 0 })).toBe('该机器人没有正常的群，无需准备替换')
  })

  it('wants a quarantine reason of 1–100 characters', () => {
    expect(validateQuarantineReason('  ')).toBe('请填写隔离原因')
    expect(validateQuarantineReason('疑似被盗号')).toBe('')
    expect(validateQuarantineReason('字'.repeat(100))).toBe('')
    expect(validateQuarantineReason('字'.repeat(101))).toBe('隔离原因不能超过 100 个字')
  })
})

// A robot's health as the robots page shows it: a coloured tag, the fleet's counts, the last
// heartbeat, the cool-down after the platform's risk control, the risk events in words and what
// preparing replacements for its groups did.
import type { BulkReplacement, RiskEvent, Robot, RobotHealth } from '../api'
import { CHINA_OFFSET_MS, formatDateTime, parseTime } from './dates'
import { validateReason } from './text'

export const HEALTHS: RobotHealth[] = ['online', 'silent', 'offline', 'banned', 'quarantined']

/** antd Tag colours: online green, silent orange, offline grey, banned red, quarantined purple. */
export const HEALTH_TAGS: Record<RobotHealth, { label: string; color: string }> = {
  online: { label: '在线', color: 'green' },
  silent: { label: '无心跳', color: 'orange' },
  offline: { label: '离线', color: 'default' },
  banned: { label: '封禁', color: 'red' },
  quarantined: { label: '隔离', color: 'purple' },
}

const isHealth = (value: unknown): value is RobotHealth =>
  typeof value === 'string' && (HEALTHS as string[]).includes(value)

/** The tag of a health; a server's unknown word (or none) as an unknown grey tag. */
export function healthTag(health: string | null | undefined): { label: string; color: string } {
  return isHealth(health) ? HEALTH_TAGS[health] : { label: '未知', color: 'default' }
}

export type HealthCounts = Record<RobotHealth, number>

/** How many robots are in each health (robots of an unknown health are not counted). */
export function countHealth(robots: Array<Pick<Robot, 'health'>>): HealthCounts {
  const counts = Object.fromEntries(HEALTHS.map((h) => [h, 0])) as HealthCounts
  for (const r of robots) if (isHealth(r.health)) counts[r.health] += 1
  return counts
}

/** "在线 3 / 无心跳 0 / 离线 1 / 封禁 1 / 隔离 0". */
export const healthSummary = (counts: HealthCounts): string =>
  HEALTHS.map((h) => `${HEALTH_TAGS[h].label} ${counts[h]}`).join(' / ')

/** The last heartbeat in Beijing time to the second, or "从未收到". */
export const heartbeatText = (at: string | null | undefined): string =>
  at ? formatDateTime(at, true) : '从未收到'

/**
 * "冷却至 14:05:09" (Beijing time) while the robot's sends pause after the platform's risk
 * control (`paused_until` after `now`); '' otherwise.
 */
export function cooldownText(pausedUntil: string | null | undefined, now: number = Date.now()): string {
  const t = parseTime(pausedUntil)
  if (Number.isNaN(t) || t <= now) return ''
  return `冷却至 ${new Date(t + CHINA_OFFSET_MS).toISOString().slice(11, 19)}`
}

/** The risk events' kinds in words. */
export const RISK_KINDS: Record<string, string> = {
  banned: '封禁',
  logout: '登出',
  restricted: '受限',
  online: '恢复在线',
  rate_limited: '风控限流',
  silent: '无心跳',
  quarantined: '隔离',
  released: '解除隔离',
}

export interface RiskLine {
  /** Beijing time to the second. */
  at: string
  kind: string
  detail: string
}

/** A risk event as a line of the list: its time, its kind in words, its detail. */
export const riskLine = (event: RiskEvent): RiskLine => ({
  at: formatDateTime(event.at, true),
  kind: RISK_KINDS[event.kind] ?? '其他',
  detail: event.detail?.trim() ?? '',
})

/** Replacements are prepared for the groups of a robot that is not online. */
export const mayPrepareReplacements = (robot: Pick<Robot, 'health'>): boolean =>
  isHealth(robot.health) && robot.health !== 'online'

/** What preparing replacements for a robot's groups will do, for its confirmation. */
export function replacementNote(robot: Pick<Robot, 'nickname' | 'health' | 'groups'>): string {
  const state = healthTag(robot.health).label
  if (robot.groups <= 0) return `机器人「${robot.nickname}」当前${state}，它没有正常的群，无需准备替换。`
  return (
    `机器人「${robot.nickname}」当前${state}。将为它的 ${robot.groups} 个正常群各准备一个在线的替换机器人：` +
    '群主会在 H5 的群页面看到提示，一步即可把替换机器人加入群，群的历史、星级和收益保持不变。'
  )
}

/** "已为 N 个群准备替换机器人；M 个群暂无可用机器人". */
export function replacementResult(result: BulkReplacement): string {
  if (result.groups <= 0) return '该机器人没有正常的群，无需准备替换'
  return `已为 ${result.prepared} 个群准备替换机器人；${result.without_robot} 个群暂无可用机器人`
}

export const MAX_QUARANTINE_REASON = 100

export const validateQuarantineReason = (reason: string): string =>
  validateReason(reason, '隔离原因', MAX_QUARANTINE_REASON)

// A group whose robot is not online (banned, logged out, silent, under maintenance): what the
// owner is told, what protects them meanwhile, and the one-tap replacement robot (更换机器人).
import { NO_ROBOT } from '../api'
import type { StateLook } from './badge'
import { formatDateTime, plainMessage } from './format'

export type RobotHealth = 'online' | 'silent' | 'offline' | 'banned' | 'quarantined'

/** The parts of a group that tell how its robot is. */
export interface GroupRobot {
  state: string
  robot_health?: string | null
  robot_issue?: string | null
  outage_since?: string | null
  protected_stars?: number | null
}

/** What the owner is told when the server gives no reason. */
const DEFAULT_ISSUES: Record<string, string> = {
  banned: '机器人已被微信封禁',
  offline: '机器人已掉线',
  silent: '机器人暂无响应，可能已掉线',
  quarantined: '机器人维护中',
}

/**
 * Whether the group's robot is out (not online) while the group is the owner's to run: active,
 * or left (the robot left it, and a replacement can bring the group back). Cancelled and refused
 * groups say nothing of their robot.
 */
export function robotOut(g: GroupRobot): boolean {
  if (g.state !== 'active' && g.state !== 'left') return false
  return !!g.robot_health && g.robot_health !== 'online'
}

/** The tag of a group whose robot is out, in the list of groups. */
export const ROBOT_OUT_LOOK: StateLook = { label: '机器人离线', tone: 'danger' }

/** The banner of a group whose robot is out: its title, why, since when and what protects the owner. */
export interface OutageBanner {
  title: string
  reason: string
  /** "自 2026-12-08 10:30（北京时间）起"; '' when the server did not say. */
  since: string
  protections: string[]
}

/** The banner of a group whose robot is out; null when its robot is online (or the group is over). */
export function outageBanner(g: GroupRobot): OutageBanner | null {
  if (!robotOut(g)) return null
  const health = g.robot_health ?? ''
  const reason = g.robot_issue?.trim() || DEFAULT_ISSUES[health] || '机器人暂时无法工作'
  const at = formatDateTime(g.outage_since)
  const protections = ['离线期间不计入 3 天无会话注销']
  const stars = g.protected_stars
  // How long an outage must last and for how many days are the operators' settings: no numbers.
  if (typeof stars === 'number' && stars >= 1) protections.push(`离线较久的日子按离线前 ${Math.round(stars)} 星保障收益`)
  return {
    title: '机器人离线',
    reason,
    since: at === '—' ? '' : `自 ${at}（北京时间）起`,
    protections,
  }
}

/** The two steps from a replacement robot's QR code to the group moved to it. */
export function replacementSteps(pairingCode: string, groupName: string): [string, string] {
  return [
    `扫码添加机器人为好友，验证信息填写配对码 ${pairingCode}`,
    `把机器人拉进本群「${groupName.trim() || '未命名群'}」（原机器人无需移出）`,
  ]
}

/** What the card says above a replacement robot operators prepared. */
export const BY_OPERATORS_TEXT = '运营已为你准备了替换机器人'

/** What the page says once the new robot is in the group. */
export const replacedText = (nickname: string): string => `已更换为「${nickname}」，群的星级与历史不变`

/** Why 更换机器人 did not give a robot, in words (no codes). */
export function replaceErrorMessage(code: number, msg: string): string {
  if (code === NO_ROBOT) return '暂时没有可替换的机器人，请稍后再试'
  return plainMessage(msg) || '更换失败，请稍后再试'
}

/** The parts of a group the page follows while a replacement robot is on its way. */
export interface ReplacingGroup {
  robot_health?: string | null
  robot_nickname?: string | null
  replacement?: { nickname: string } | null
}

/**
 * Whether the group moved to its replacement robot: one was shown (`waitingFor`, its nickname),
 * and now the group's robot is online with no replacement open. Answers the new robot's name.
 */
export function replacedBy(g: ReplacingGroup, waitingFor: string | null): string | null {
  if (!waitingFor || g.replacement || g.robot_health !== 'online') return null
  return g.robot_nickname?.trim() || waitingFor
}

/** How often the group's page asks again while a replacement robot is shown. */
export const REPLACEMENT_POLL_MS = 3000

// How robots, groups and their states are told to the owner.
import type { Schemas } from '@gpet/common/api'
import { NO_ROBOT, PHONE_MISSING, type GroupState } from '../api'
import { lookOf, type StateLook } from './badge'
import { formatFen } from './format'

const GROUP_STATES: Record<GroupState, StateLook> = {
  active: { label: '运营中', tone: 'ok' },
  cancelled: { label: '已注销', tone: 'muted' },
  left: { label: '已退群', tone: 'muted' },
  refused: { label: '未通过', tone: 'danger' },
}

/** A group's state as its badge shows it; an unknown state is shown as it came. */
export const groupStateLook = (state: string): StateLook => lookOf(GROUP_STATES, state)

export const MAX_STARS = 5

/** Whole stars 0–5 (anything else clamped). */
export function clampStars(stars: number | null | undefined): number {
  if (typeof stars !== 'number' || !Number.isFinite(stars)) return 0
  return Math.min(MAX_STARS, Math.max(0, Math.round(stars)))
}

/** The stars earned, as ★ characters: '★★★' for 3; '' before the first rating. */
export function starsText(stars: number | null | undefined): string {
  return '★'.repeat(clampStars(stars))
}

/** The stars in words, for screen readers and the table: '3 星', or 待评星 before the first rating. */
export function starsLabel(stars: number | null | undefined): string {
  const n = clampStars(stars)
  return n ? `${n} 星` : '待评星'
}

/** The stars for screen readers: '3 星（满分 5 星）', or 待评星 before the first rating. */
export function starsAria(stars: number | null | undefined): string {
  const n = clampStars(stars)
  return n ? `${n} 星（满分 ${MAX_STARS} 星）` : '待评星'
}

/** What the next star needs: sessions a day, and the daily income it pays. */
export type NextStar = Schemas['NextStar']

/** The parts of a group that say why it earns what it earns. */
export interface GroupEarning {
  state: string
  stars: number
  sessions_yesterday: number
  star_income_fen: number
  next_star?: NextStar | null
}

/**
 * Why an active group earns what it earns, and what the next star needs: "1★ 群暂无日收益：昨日
 * 有效会话 3 次，每天达到 10 次可升为 2★，日收益 ¥1.00". Null for a group that is not active.
 */
export function earningNote(g: GroupEarning): string | null {
  if (g.state !== 'active') return null
  const stars = clampStars(g.stars)
  const next = g.next_star
  const step = next
    ? `每天达到 ${next.sessions} 次可${stars ? '升' : '评'}为 ${next.stars}★，日收益 ${formatFen(next.income_fen)}`
    : stars >= MAX_STARS
      ? '已是最高星级'
      : '群里聊得越多，星级和日收益越高'
  if (!stars) return `新群次日起按前一天的有效会话评星：${step}`
  const yesterday = `昨日有效会话 ${g.sessions_yesterday} 次`
  if (g.star_income_fen <= 0) return `${stars}★ 群暂无日收益：${yesterday}，${step}`
  return `${stars}★ 群日收益 ${formatFen(g.star_income_fen)}：${yesterday}，${step}`
}

/** What the robot page says when no robot was offered; needsPhone leads to binding one. */
export function assignErrorMessage(code: number, msg: string): { text: string; needsPhone: boolean } {
  if (code === NO_ROBOT) return { text: '今日机器人已分配完，请明天再来', needsPhone: false }
  if (code === PHONE_MISSING) return { text: '领取机器人前请先绑定手机号', needsPhone: true }
  return { text: msg || '领取失败，请稍后再试', needsPhone: false }
}

/** The steps from a robot's QR code to an active group. */
export const ROBOT_STEPS = [
  '扫码添加机器人为好友，验证信息填写配对码',
  '把机器人拉进你的群（群成员不少于 20 人，你须是群主）',
  '机器人进群后群即激活，次日起按活跃度评星',
] as const

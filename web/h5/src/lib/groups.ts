// How robots, groups and their states are told to the owner.
import { NO_ROBOT, PHONE_MISSING, type GroupState } from '../api'
import { lookOf, type StateLook } from './badge'

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

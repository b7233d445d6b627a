// The robot forms and the bar of a robot's use today.
import { charCount } from '@gpet/common/content'
import type { Robot, RobotCreate, RobotToday, RobotUpdate } from '../api'

export const MIN_CAPACITY = 1
export const MAX_CAPACITY = 500
export const MAX_ID_CHARS = 64
export const MAX_NICKNAME_CHARS = 64
export const MAX_URL_CHARS = 1024

export interface RobotForm {
  platform_id: string
  wxid: string
  nickname: string
  qr_code_url: string
  capacity: string
  enabled: boolean
}

export const EMPTY_ROBOT_FORM: RobotForm = {
  platform_id: '',
  wxid: '',
  nickname: '',
  qr_code_url: '',
  capacity: '100',
  enabled: true,
}

export function robotToForm(robot: Robot): RobotForm {
  return {
    platform_id: robot.platform_id,
    wxid: robot.wxid,
    nickname: robot.nickname,
    qr_code_url: robot.qr_code_url,
    capacity: String(robot.capacity),
    enabled: robot.enabled,
  }
}

/** Whether `url` is an absolute http(s) address. */
export function isHttpUrl(url: string): boolean {
  if (!/^https?:\/\//i.test(url)) return false
  try {
    return Boolean(new URL(url).host)
  } catch {
    return false
  }
}

/** What is wrong with the editable fields, or ''. */
function checkEditable(form: RobotForm): string {
  const nickname = form.nickname.trim()
  if (!nickname) return '请填写昵称'
  if (charCount(nickname) > MAX_NICKNAME_CHARS) return `昵称不能超过 ${MAX_NICKNAME_CHARS} 个字`
  const url = form.qr_code_url.trim()
  if (!url) return '请填写二维码地址'
  if (url.length > MAX_URL_CHARS || !isHttpUrl(url)) return '二维码地址须为 http:// 或 https:// 开头的链接'
  const capacity = form.capacity.trim()
  if (!/^\d+$/.test(capacity) || Number(capacity) < MIN_CAPACITY || Number(capacity) > MAX_CAPACITY) {
    return `容量须为 ${MIN_CAPACITY}–${MAX_CAPACITY} 的整数`
  }
  return ''
}

const ID_RE = /^\S+$/

/** The body that registers the robot a form describes, or what is wrong. */
export function formToRobotCreate(form: RobotForm): { body: RobotCreate } | { error: string } {
  const platformId = form.platform_id.trim()
  if (!platformId) return { error: '请填写平台 ID' }
  if (!ID_RE.test(platformId) || platformId.length > MAX_ID_CHARS) {
    return { error: `平台 ID 须为不含空格的 1–${MAX_ID_CHARS} 个字符` }
  }
  const wxid = form.wxid.trim()
  if (!wxid) return { error: '请填写微信 ID' }
  if (!ID_RE.test(wxid) || wxid.length > MAX_ID_CHARS) {
    return { error: `微信 ID 须为不含空格的 1–${MAX_ID_CHARS} 个字符` }
  }
  const problem = checkEditable(form)
  if (problem) return { error: problem }
  return {
    body: {
      platform_id: platformId,
      wxid,
      nickname: form.nickname.trim(),
      qr_code_url: form.qr_code_url.trim(),
      capacity: Number(form.capacity.trim()),
      enabled: form.enabled,
    },
  }
}

/** The body that changes `robot` as the form says (only what changed), or what is wrong. */
export function formToRobotUpdate(form: RobotForm, robot: Robot): { body: RobotUpdate } | { error: string } {
  const problem = checkEditable(form)
  if (problem) return { error: problem }
  const next = {
    nickname: form.nickname.trim(),
    qr_code_url: form.qr_code_url.trim(),
    capacity: Number(form.capacity.trim()),
    enabled: form.enabled,
  }
  const body: RobotUpdate = {}
  if (next.nickname !== robot.nickname) body.nickname = next.nickname
  if (next.qr_code_url !== robot.qr_code_url) body.qr_code_url = next.qr_code_url
  if (next.capacity !== robot.capacity) body.capacity = next.capacity
  if (next.enabled !== robot.enabled) body.enabled = next.enabled
  return { body }
}

export interface UsePart {
  key: 'activated' | 'waiting' | 'unreleased'
  label: string
  value: number
  /** Width in % of the bar. */
  pct: number
}

const count = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0)

/**
 * Today's free places of a robot as a stacked bar: activated, released but not yet activated,
 * and not yet released. The bar is the snapshot's free places (or what was distributed, if more).
 */
export function usageParts(today: RobotToday | null | undefined): UsePart[] {
  const free = count(today?.snapshot_free)
  const distributed = count(today?.distributed)
  const activated = count(today?.activated)
  const base = Math.max(free, distributed, activated)
  const parts: Array<Omit<UsePart, 'pct'>> = [
    { key: 'activated', label: '已激活', value: activated },
    { key: 'waiting', label: '已分配未激活', value: Math.max(0, distributed - activated) },
    { key: 'unreleased', label: '未释放', value: Math.max(0, base - Math.max(distributed, activated)) },
  ]
  return parts.map((p) => ({ ...p, pct: base > 0 ? Math.round((p.value / base) * 1000) / 10 : 0 }))
}

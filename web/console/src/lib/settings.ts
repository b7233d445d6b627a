// The settings forms: one text field per setting, read back as whole numbers (and, for the
// groups' settings, star thresholds, incomes in yuan and the customer-service reply); the money
// settings in a form of their own, as admin and finance change them (rates in percent, limits
// in yuan). The star thresholds and incomes are money too: in the content form, but changed by
// admin and finance only; so are the robots' protection fields (保障收益), beside the send
// governor's and health's settings that admin and operator change.
import { charCount } from '@gpet/common/content'
import { canFinance, canWrite } from '../api'
import type { GroupSettings, MoneySettings, Role, RobotSettings, Settings, SettingsChange } from '../api'
import { bpToPercent, fenToYuan, parseYuan, percentToBp } from './money'

export interface SettingField {
  group: 'sms' | 'short_links'
  key: string
  label: string
  unit: '秒' | '次'
  hint: string
}

export const SETTING_FIELDS: SettingField[] = [
  { group: 'sms', key: 'per_minute', label: '每分钟发送上限', unit: '次', hint: '同一手机号每分钟最多发送的验证码条数' },
  { group: 'sms', key: 'per_hour', label: '每小时发送上限', unit: '次', hint: '同一手机号每小时最多发送的验证码条数' },
  { group: 'sms', key: 'per_day', label: '每天发送上限', unit: '次', hint: '同一手机号每天最多发送的验证码条数' },
  { group: 'sms', key: 'code_ttl_secs', label: '验证码有效期', unit: '秒', hint: '验证码发出后多久失效' },
  { group: 'sms', key: 'max_attempts', label: '最多错误次数', unit: '次', hint: '输错这么多次后验证码作废' },
  {
    group: 'short_links',
    key: 'dedup_window_secs',
    label: '相同链接复用窗口',
    unit: '秒',
    hint: '此时间内再次生成同一链接，返回原来的短码',
  },
]

export const GROUP_LABELS: Record<keyof Settings, string> = {
  sms: '短信验证码',
  short_links: '短链接',
  groups: '群组',
  money: '资金',
  robots: '机器人与发送',
}

/** The form's key of a field: "sms.per_minute". */
export const fieldName = (f: SettingField): string => `${f.group}.${f.key}`

export type SettingsForm = Record<string, string>

export function settingsToForm(settings: Settings): SettingsForm {
  const form: SettingsForm = {}
  for (const f of SETTING_FIELDS) {
    const value = (settings[f.group] as Record<string, unknown> | undefined)?.[f.key]
    form[fieldName(f)] = value === undefined || value === null ? '' : String(value)
  }
  if (settings.groups) Object.assign(form, groupsToForm(settings.groups))
  if (settings.robots) Object.assign(form, robotsToForm(settings.robots))
  return form
}

/**
 * The content sections a form describes (not `money`, which other roles change), over `base`
 * (keeping any field this form does not show), or the message naming the first field that is
 * not a whole number ≥ 0.
 */
export function formToSettings(form: SettingsForm, base: Settings): { settings: SettingsChange } | { error: string } {
  const { sms, short_links } = JSON.parse(JSON.stringify(base)) as Settings
  const settings: SettingsChange = { sms, short_links }
  for (const f of SETTING_FIELDS) {
    const text = (form[fieldName(f)] ?? '').trim()
    if (!/^\d+$/.test(text)) return { error: `${f.label}须为不小于 0 的整数` }
    const group = (settings[f.group] ?? {}) as unknown as Record<string, number>
    group[f.key] = Number(text)
    ;(settings as unknown as Record<string, unknown>)[f.group] = group
  }
  // A server without the groups' settings gets none back.
  if (base.groups) {
    const groups = formToGroups(form, base.groups)
    if ('error' in groups) return groups
    settings.groups = groups.groups
  }
  if (base.robots) {
    const robots = formToRobots(form, base.robots)
    if ('error' in robots) return robots
    settings.robots = robots.robots
  }
  return { settings }
}

// ---- Who changes what ----

/**
 * What a role may change in the content form: its SMS, short-link, other groups' and robots'
 * fields (admin and operator), and the star thresholds and incomes and the robots' protection
 * settlement pays by (`stars`: admin and finance; the server refuses anyone else).
 */
export function contentAccess(role: Role | undefined): { content: boolean; stars: boolean } {
  return { content: canWrite(role), stars: canFinance(role) }
}

// ---- The groups' settings ----

/** Stars 2–5 each have a threshold of yesterday's sessions; below the first a group has 1★. */
export const THRESHOLD_COUNT = 4
export const STAR_LEVELS = 5
export const MAX_REPLY_CHARS = 500

export interface GroupNumberField {
  key: 'min_members' | 'cancel_after_days' | 'purge_after_days'
  label: string
  unit: '人' | '天'
  hint: string
  min: number
  max: number
}

export const GROUP_NUMBER_FIELDS: GroupNumberField[] = [
  {
    key: 'min_members',
    label: '最少群成员数',
    unit: '人',
    hint: '成员少于此数的群，机器人说明原因后退出',
    min: 0,
    max: 500,
  },
  {
    key: 'cancel_after_days',
    label: '无会话注销天数',
    unit: '天',
    hint: '连续这么多天没有会话的群被注销（会话不足）',
    min: 1,
    max: 365,
  },
  {
    key: 'purge_after_days',
    label: '退群后删除天数',
    unit: '天',
    hint: '已注销或已退出的群，这么多天后删除',
    min: 1,
    max: 3650,
  },
]

/** The form's keys of the groups' settings. */
export const thresholdName = (i: number) => `groups.star_thresholds.${i}`
export const incomeName = (i: number) => `groups.star_income_fen.${i}`
export const groupFieldName = (key: GroupNumberField['key'] | 'customer_service_reply') => `groups.${key}`

/** The groups' settings as form fields: incomes in yuan ("0.10"). */
export function groupsToForm(groups: GroupSettings): SettingsForm {
  const form: SettingsForm = {}
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v))
  for (let i = 0; i < THRESHOLD_COUNT; i++) form[thresholdName(i)] = text(groups.star_thresholds?.[i])
  for (let i = 0; i < STAR_LEVELS; i++) {
    const fen = groups.star_income_fen?.[i]
    form[incomeName(i)] = typeof fen === 'number' ? fenToYuan(fen) : ''
  }
  for (const f of GROUP_NUMBER_FIELDS) form[groupFieldName(f.key)] = text(groups[f.key])
  form[groupFieldName('customer_service_reply')] = groups.customer_service_reply ?? ''
  return form
}

/**
 * The groups' settings a form describes, over `base`, or what is wrong: four whole thresholds
 * ≥ 1 each above the one before, five incomes in yuan (≥ 0, two decimals at most), the numbers
 * within their ranges and a reply of 1–500 characters.
 */
export function formToGroups(form: SettingsForm, base: GroupSettings): { groups: GroupSettings } | { error: string } {
  const thresholds: number[] = []
  for (let i = 0; i < THRESHOLD_COUNT; i++) {
    const text = (form[thresholdName(i)] ?? '').trim()
    const label = `${i + 2} 星门槛`
    if (!/^\d+$/.test(text) || Number(text) < 1) return { error: `${label}须为不小于 1 的整数` }
    const n = Number(text)
    if (i > 0 && n <= thresholds[i - 1]) return { error: `${label}须大于 ${i + 1} 星门槛` }
    thresholds.push(n)
  }
  const incomes: number[] = []
  for (let i = 0; i < STAR_LEVELS; i++) {
    const fen = parseYuan(form[incomeName(i)] ?? '')
    if (fen === null) return { error: `${i + 1} 星日收益须为不小于 0 的金额（最多两位小数）` }
    incomes.push(fen)
  }
  const groups: GroupSettings = { ...base, star_thresholds: thresholds, star_income_fen: incomes }
  for (const f of GROUP_NUMBER_FIELDS) {
    const text = (form[groupFieldName(f.key)] ?? '').trim()
    if (!/^\d+$/.test(text) || Number(text) < f.min || Number(text) > f.max) {
      return { error: `${f.label}须为 ${f.min}–${f.max} 的整数` }
    }
    groups[f.key] = Number(text)
  }
  const reply = (form[groupFieldName('customer_service_reply')] ?? '').replace(/\r\n/g, '\n').trim()
  if (!reply) return { error: '请填写客服话术' }
  if (charCount(reply) > MAX_REPLY_CHARS) return { error: `客服话术不能超过 ${MAX_REPLY_CHARS} 个字` }
  groups.customer_service_reply = reply
  return { groups }
}

/**
 * What the thresholds mean, star by star ("0 → 1★", "1–49 → 2★", …, "≥ 500 → 5★"); [] while
 * they are not four ascending whole numbers.
 */
export function starBands(thresholds: string[]): string[] {
  const t = thresholds.map((v) => v.trim())
  if (t.length !== THRESHOLD_COUNT || !t.every((v) => /^\d+$/.test(v))) return []
  const n = t.map(Number)
  if (n[0] < 1 || n.some((v, i) => i > 0 && v <= n[i - 1])) return []
  const range = (lo: number, hi: number) => (lo === hi ? `${lo}` : `${lo}–${hi}`)
  return [
    `${range(0, n[0] - 1)} → 1★`,
    ...n.slice(0, -1).map((lo, i) => `${range(lo, n[i + 1] - 1)} → ${i + 2}★`),
    `≥ ${n[n.length - 1]} → 5★`,
  ]
}

// ---- The robots' settings ----

export interface RobotField {
  key: keyof RobotSettings
  label: string
  unit: '毫秒' | '条' | '秒' | '%' | '分钟' | '天'
  /** One line an operator understands: what it does and why. */
  hint: string
  min: number
  max: number
  /** Settlement pays by it (保障收益): admin and finance only. */
  money?: true
}

export const ROBOT_FIELDS: RobotField[] = [
  {
    key: 'send_gap_min_ms',
    label: '发送间隔最短',
    unit: '毫秒',
    hint: '每次发送之间随机等待，避免固定节奏触发微信风控；这是最短的等待',
    min: 100,
    max: 600_000,
  },
  {
    key: 'send_gap_max_ms',
    label: '发送间隔最长',
    unit: '毫秒',
    hint: '随机等待的最长时间，须大于最短间隔',
    min: 100,
    max: 600_000,
  },
  {
    key: 'per_minute',
    label: '每分钟发送上限',
    unit: '条',
    hint: '每个机器人每分钟最多发送的消息条数',
    min: 1,
    max: 600,
  },
  {
    key: 'per_day',
    label: '每天发送上限',
    unit: '条',
    hint: '每个机器人每天最多发送的消息条数，不低于每分钟上限',
    min: 1,
    max: 100_000,
  },
  {
    key: 'group_daily_cap',
    label: '每群每日群发+广告上限',
    unit: '条',
    hint: '每个群每天最多收到的群发和广告条数（关键词回复、客服回复不计）',
    min: 1,
    max: 100,
  },
  {
    key: 'cooldown_base_secs',
    label: '风控冷却起始',
    unit: '秒',
    hint: '被平台风控拒绝后暂停发送，连续被拒时间加倍；这是第一次暂停的时长',
    min: 1,
    max: 86_400,
  },
  {
    key: 'cooldown_max_secs',
    label: '风控冷却最长',
    unit: '秒',
    hint: '连续被拒时暂停时间加倍，最长暂停这么久，不低于起始时长',
    min: 1,
    max: 86_400,
  },
  {
    key: 'silent_after_secs',
    label: '无心跳判定',
    unit: '秒',
    hint: '机器人这么久没有心跳就判为“无心跳”：不再分配、暂停发送并发告警邮件',
    min: 5,
    max: 3_600,
  },
  {
    key: 'healthy_capacity_alert_pct',
    label: '可用容量告警',
    unit: '%',
    hint: '在线机器人的空余位置低于全部启用机器人空余位置的这个比例时发告警邮件（0 为不告警）',
    min: 0,
    max: 100,
  },
  {
    key: 'protect_after_mins',
    label: '保障收益：离线超过',
    unit: '分钟',
    hint: '群的机器人当天离线超过这么久，当天收益至少按离线前的星级发放',
    min: 0,
    max: 1_440,
    money: true,
  },
  {
    key: 'protect_days',
    label: '保障收益：最多保障天数',
    unit: '天',
    hint: '一次离线最多保障这么多天的收益（0 为不保障）',
    min: 0,
    max: 30,
    money: true,
  },
]

/** The form's key of a robots' setting: "robots.per_minute". */
export const robotFieldName = (key: keyof RobotSettings) => `robots.${key}`

export function robotsToForm(robots: RobotSettings): SettingsForm {
  const form: SettingsForm = {}
  for (const f of ROBOT_FIELDS) {
    const value = robots[f.key]
    form[robotFieldName(f.key)] = value === undefined || value === null ? '' : String(value)
  }
  return form
}

/**
 * The robots' settings a form describes, over `base`, or what is wrong: whole numbers within
 * their ranges, a gap range (the longest above the shortest: never a fixed interval), a day's
 * cap not below a minute's and a longest cool-down not below the first.
 */
export function formToRobots(form: SettingsForm, base: RobotSettings): { robots: RobotSettings } | { error: string } {
  const robots: RobotSettings = { ...base }
  for (const f of ROBOT_FIELDS) {
    const text = (form[robotFieldName(f.key)] ?? '').trim()
    if (!/^\d+$/.test(text) || Number(text) < f.min || Number(text) > f.max) {
      return { error: `${f.label}须为 ${f.min}–${f.max} 的整数` }
    }
    robots[f.key] = Number(text)
  }
  if (robots.send_gap_max_ms <= robots.send_gap_min_ms) return { error: '发送间隔最长须大于最短' }
  if (robots.per_day < robots.per_minute) return { error: '每天发送上限不能低于每分钟发送上限' }
  if (robots.cooldown_max_secs < robots.cooldown_base_secs) return { error: '风控冷却最长不能低于起始' }
  return { robots }
}

// ---- The money settings ----

export type RateKey = 'master_rate_bp' | 'master_ad_rate_bp' | 'grand_master_rate_bp' | 'grand_master_ad_rate_bp'

export const RATE_FIELDS: Array<{ key: RateKey; label: string; hint: string }> = [
  { key: 'master_rate_bp', label: '徒弟群收益分成', hint: '师傅获得徒弟群收益的比例' },
  { key: 'master_ad_rate_bp', label: '徒弟广告收益分成', hint: '师傅获得徒弟广告收益的比例' },
  { key: 'grand_master_rate_bp', label: '徒孙群收益分成', hint: '师爷获得徒孙群收益的比例' },
  { key: 'grand_master_ad_rate_bp', label: '徒孙广告收益分成', hint: '师爷获得徒孙广告收益的比例' },
]

/** The server's ranges: rates up to 50 %; a withdrawal of 0.10–2,000 yuan (WeChat Pay's bounds without the payee's name). */
export const MAX_RATE_BP = 5000
export const MIN_WITHDRAW_FEN = 10
export const MAX_WITHDRAW_FEN = 200_000
export const MIN_ALERT_AFTER = 1
export const MAX_ALERT_AFTER = 100

/** The money settings as a form: rates in percent ("10"), limits in yuan ("1.00"). */
export type MoneyForm = Record<RateKey, string> & {
  withdraw_min: string
  withdraw_max: string
  payout_fail_alert_after: string
  merchant_low_balance_alert: boolean
}

export function moneyToForm(money: MoneySettings): MoneyForm {
  const yuan = (fen: unknown) => (typeof fen === 'number' ? fenToYuan(fen) : '')
  const percent = (bp: unknown) => (typeof bp === 'number' ? bpToPercent(bp) : '')
  return {
    master_rate_bp: percent(money.master_rate_bp),
    master_ad_rate_bp: percent(money.master_ad_rate_bp),
    grand_master_rate_bp: percent(money.grand_master_rate_bp),
    grand_master_ad_rate_bp: percent(money.grand_master_ad_rate_bp),
    withdraw_min: yuan(money.withdraw_min_fen),
    withdraw_max: yuan(money.withdraw_max_fen),
    payout_fail_alert_after: money.payout_fail_alert_after === undefined ? '' : String(money.payout_fail_alert_after),
    merchant_low_balance_alert: !!money.merchant_low_balance_alert,
  }
}

/**
 * The money settings a form describes, over `base`, or what is wrong: rates of 0–50 % with at
 * most two decimals (sent as basis points), a minimum of 0.10–2,000 yuan and a maximum from the
 * minimum to 2,000 yuan (sent as fen), and the alert's count of 1–100.
 */
export function formToMoney(form: MoneyForm, base: MoneySettings): { money: MoneySettings } | { error: string } {
  const money: MoneySettings = { ...base }
  for (const f of RATE_FIELDS) {
    const bp = percentToBp(form[f.key])
    if (bp === null || bp > MAX_RATE_BP) {
      return { error: `${f.label}须为 0–${MAX_RATE_BP / 100}% 的比例（最多两位小数）` }
    }
    money[f.key] = bp
  }
  const range = `${fenToYuan(MIN_WITHDRAW_FEN)}–${fenToYuan(MAX_WITHDRAW_FEN)} 元`
  const min = parseYuan(form.withdraw_min)
  if (min === null || min < MIN_WITHDRAW_FEN || min > MAX_WITHDRAW_FEN) return { error: `单笔提现下限须为 ${range}` }
  const max = parseYuan(form.withdraw_max)
  if (max === null || max < MIN_WITHDRAW_FEN || max > MAX_WITHDRAW_FEN) return { error: `单笔提现上限须为 ${range}` }
  if (max < min) return { error: '单笔提现上限不能低于下限' }
  const after = form.payout_fail_alert_after.trim()
  if (!/^\d+$/.test(after) || Number(after) < MIN_ALERT_AFTER || Number(after) > MAX_ALERT_AFTER) {
    return { error: `连续打款失败告警须为 ${MIN_ALERT_AFTER}–${MAX_ALERT_AFTER} 的整数` }
  }
  money.withdraw_min_fen = min
  money.withdraw_max_fen = max
  money.payout_fail_alert_after = Number(after)
  money.merchant_low_balance_alert = form.merchant_low_balance_alert
  return { money }
}

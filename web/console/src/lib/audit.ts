// The audit log in Chinese: action codes as words, details as "字段（中文名）: 旧值 → 新值" for
// changes ({before, after}) and as readable key/value pairs otherwise; money in ¥, rates in %.
// A settings change names its fields as its subject's form does (robots.per_minute is not
// sms.per_minute).
import { ROLE_LABELS, type Role } from '../api'
import { formatDateTime } from './dates'
import { bpToPercent, formatFen } from './money'
import { GROUP_LABELS, GROUP_NUMBER_FIELDS, RATE_FIELDS, ROBOT_FIELDS, SETTING_FIELDS } from './settings'

/** The actions the server records, in Chinese (unknown codes are shown as they are). */
export const ACTION_LABELS: Record<string, string> = {
  login: '登录',
  logout: '退出登录',
  'operator.password': '修改自己的密码',
  'operator.create': '新增操作员',
  'operator.update': '修改操作员',
  'settings.update': '修改设置',
  'user.freeze': '冻结用户',
  'user.unfreeze': '解冻用户',
  'withdrawal.retry': '重新发起打款',
  'withdrawal.reject': '驳回提现',
  'robot.create': '新增机器人',
  'robot.update': '修改机器人',
  'robot.quarantine': '隔离机器人',
  'robot.release': '解除隔离',
  'robot.replace_groups': '为群准备替换机器人',
  'group.exit': '强制退群',
  'campaign.create': '创建广告投放',
  'campaign.update': '修改广告投放',
  'campaign.cancel': '取消广告投放',
  'marquee.create': '新增走马灯',
  'marquee.update': '修改走马灯',
  'marquee.delete': '删除走马灯',
  'short_link.create': '生成短链接',
  'short_link.disable': '停用短链接',
  'sensitive_words.add': '添加敏感词',
  'sensitive_words.delete': '删除敏感词',
  'dead_letter.redrive': '重新投递死信',
}

/** An action in Chinese ("settings.update" → "修改设置"); unknown codes as given. */
export const actionLabel = (action: string): string => ACTION_LABELS[action] ?? action

/** The filter's choices: every known action, by its Chinese name. */
export const ACTION_OPTIONS = Object.entries(ACTION_LABELS).map(([value, label]) => ({ value, label }))

type Kind = 'fen' | 'bp' | 'fen_list' | 'releases' | 'bool_on' | 'bool_yes' | 'role' | 'time' | 'plain'

interface FieldInfo {
  label: string
  kind?: Kind
}

/** The robots' settings with their units (the log shows bare numbers). */
const ROBOT_LABELS: Record<string, FieldInfo> = Object.fromEntries(
  ROBOT_FIELDS.map((f) => [f.key, { label: `${f.label}（${f.unit}）` }]),
)

/** The Chinese names of detail fields, as the pages that change them name them. */
export const FIELD_LABELS: Record<string, FieldInfo> = {
  // First, so that keys the SMS settings share (per_minute, per_day) keep the SMS names here;
  // a robots' settings change names them by its subject (SUBJECT_FIELD_LABELS).
  ...ROBOT_LABELS,
  ...Object.fromEntries(SETTING_FIELDS.map((f) => [f.key, { label: f.label }])),
  ...Object.fromEntries(GROUP_NUMBER_FIELDS.map((f) => [f.key, { label: f.label }])),
  ...Object.fromEntries(RATE_FIELDS.map((f) => [f.key, { label: f.label, kind: 'bp' as Kind }])),
  star_thresholds: { label: '星级门槛（2–5 星，昨日会话数）' },
  star_income_fen: { label: '各星级日收益（1–5 星）', kind: 'fen_list' },
  customer_service_reply: { label: '客服话术' },
  withdraw_min_fen: { label: '单笔提现下限', kind: 'fen' },
  withdraw_max_fen: { label: '单笔提现上限', kind: 'fen' },
  payout_fail_alert_after: { label: '连续打款失败告警（次）' },
  merchant_low_balance_alert: { label: '商户余额不足告警', kind: 'bool_on' },
  nickname: { label: '昵称' },
  qr_code_url: { label: '二维码地址' },
  capacity: { label: '容量（群数）' },
  enabled: { label: '启用', kind: 'bool_yes' },
  role: { label: '角色', kind: 'role' },
  disabled: { label: '停用', kind: 'bool_yes' },
  password_reset: { label: '重置密码', kind: 'bool_yes' },
  username: { label: '用户名' },
  reason: { label: '原因' },
  attempt: { label: '第几次打款' },
  name: { label: '名称' },
  text: { label: '内容' },
  starts_at: { label: '开始时间', kind: 'time' },
  ends_at: { label: '结束时间', kind: 'time' },
  url: { label: '链接' },
  added: { label: '新增条数' },
  words: { label: '提交条数' },
  word: { label: '敏感词' },
  queue: { label: '队列' },
  message_id: { label: '消息 ID' },
  wxid: { label: '微信号' },
  message: { label: '提示语' },
  amount_fen: { label: '金额', kind: 'fen' },
  releases: { label: '释放时间与比例', kind: 'releases' },
  amount: { label: '每次分配数量' },
  display_rate: { label: '展示倍率' },
  // Of robot.replace_groups.
  groups: { label: '正常群数' },
  prepared: { label: '已准备替换的群' },
  without_robot: { label: '暂无可用机器人的群' },
  // A groups' setting of older versions (the robots' send gaps replaced it).
  send_gap_secs: { label: '机器人发送间隔（秒）' },
}

/** Fields named by the settings subject they belong to, where keys repeat across subjects. */
const SUBJECT_FIELD_LABELS: Record<string, Record<string, FieldInfo>> = { robots: ROBOT_LABELS }

const fieldInfo = (key: string, subject?: string): FieldInfo | undefined =>
  (subject ? SUBJECT_FIELD_LABELS[subject]?.[key] : undefined) ?? FIELD_LABELS[key]

/**
 * "字段（中文名）" of a detail key (of the settings `subject`, if given): its Chinese name, or
 * the key itself when unknown.
 */
export const fieldLabel = (key: string, subject?: string): string => fieldInfo(key, subject)?.label ?? key

/** The settings subject an entry changed ("robots"), if it is a change of the settings. */
export const entrySubject = (action: string, target: unknown): string | undefined =>
  action === 'settings.update' && typeof target === 'string' ? target : undefined

/** A detail value as text: fen as ¥, basis points as %, yes/no, roles, Beijing times. */
export function formatValue(key: string, value: unknown, subject?: string): string {
  const kind = fieldInfo(key, subject)?.kind ?? 'plain'
  if (value === null || value === undefined || value === '') return '（空）'
  if (kind === 'fen' && typeof value === 'number') return formatFen(value)
  if (kind === 'bp' && typeof value === 'number') return `${bpToPercent(value)}%`
  if (kind === 'fen_list' && Array.isArray(value)) {
    return value.map((v) => (typeof v === 'number' ? formatFen(v) : String(v))).join(' / ')
  }
  if (typeof value === 'boolean') {
    if (kind === 'bool_on') return value ? '开启' : '关闭'
    return value ? '是' : '否'
  }
  if (kind === 'releases' && Array.isArray(value)) {
    return value.map((r) => (r && typeof r === 'object' ? `${r.at} 释放 ${r.share_pct}%` : String(r))).join(' / ')
  }
  if (kind === 'role' && typeof value === 'string') return ROLE_LABELS[value as Role] ?? value
  if (kind === 'time' && typeof value === 'string') return formatDateTime(value)
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(' / ')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

export interface DetailLine {
  key: string
  label: string
  /** A change: both sides; otherwise only `value`. */
  before?: string
  after?: string
  value?: string
}

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)

/**
 * The lines of an entry's detail (of the settings `subject`, if given): for a change ({before,
 * after}) one line per changed field, otherwise one line per field. Empty for no detail.
 */
export function detailLines(detail: unknown, subject?: string): DetailLine[] {
  if (!isRecord(detail)) {
    return detail === null || detail === undefined ? [] : [{ key: '', label: '详情', value: String(detail) }]
  }
  if (isRecord(detail.before) && isRecord(detail.after)) {
    const { before, after } = detail
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    return keys.map((key) => ({
      key,
      label: fieldLabel(key, subject),
      before: formatValue(key, before[key], subject),
      after: formatValue(key, after[key], subject),
    }))
  }
  return Object.entries(detail).map(([key, value]) => ({
    key,
    label: fieldLabel(key, subject),
    value: formatValue(key, value, subject),
  }))
}

/** A line as text: "单笔提现下限: ¥1.00 → ¥2.00" or "原因: 刷量". */
export const lineText = (line: DetailLine): string =>
  line.value !== undefined ? `${line.label}: ${line.value}` : `${line.label}: ${line.before} → ${line.after}`

/** What an entry was done to, in Chinese: the settings' section by name, else as given. */
export function targetText(action: string, target: unknown): string {
  if (target === null || target === undefined || target === '') return '—'
  const text = String(target)
  if (action === 'settings.update') return SUBJECT_LABELS[text] ?? text
  const kind = TARGET_KINDS[action.split('.')[0]]
  if (!kind) return text
  return action.startsWith('short_link.') ? `${kind} ${text}` : `${kind} #${text}`
}

/** The settings subjects by their keys: the Settings page's groups, and the two with pages of their own. */
const SUBJECT_LABELS: Record<string, string> = { ...GROUP_LABELS, distribution: '分配策略', maintenance: '维护模式' }

/** What the actions of each prefix are done to. */
const TARGET_KINDS: Record<string, string> = {
  operator: '操作员',
  user: '用户',
  withdrawal: '提现单',
  robot: '机器人',
  group: '群',
  campaign: '投放',
  marquee: '走马灯',
  short_link: '短链接',
  sensitive_words: '敏感词',
  dead_letter: '死信',
}

/**
 * What changes from `before` to `after` (objects of the same fields, of the settings `subject`
 * if given), one line per changed field as the audit log will show it: "单笔提现下限: ¥1.00 → ¥2.00".
 */
export function changeLines(
  before: object | null | undefined,
  after: object | null | undefined,
  subject?: string,
): DetailLine[] {
  const a = (before ?? {}) as Record<string, unknown>
  const b = (after ?? {}) as Record<string, unknown>
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])]
  return keys
    .filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]))
    .map((key) => ({
      key,
      label: fieldLabel(key, subject),
      before: formatValue(key, a[key], subject),
      after: formatValue(key, b[key], subject),
    }))
}

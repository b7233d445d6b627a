// The settings form: one text field per setting, read back as whole numbers.
import type { Settings } from '../api'

export interface SettingField {
  group: keyof Settings
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

export const GROUP_LABELS: Record<keyof Settings, string> = { sms: '短信验证码', short_links: '短链接' }

/** The form's key of a field: "sms.per_minute". */
export const fieldName = (f: SettingField): string => `${f.group}.${f.key}`

export type SettingsForm = Record<string, string>

export function settingsToForm(settings: Settings): SettingsForm {
  const form: SettingsForm = {}
  for (const f of SETTING_FIELDS) {
    const value = (settings[f.group] as Record<string, unknown> | undefined)?.[f.key]
    form[fieldName(f)] = value === undefined || value === null ? '' : String(value)
  }
  return form
}

/**
 * The settings a form describes, over `base` (keeping any field this form does not show), or
 * the message naming the first field that is not a whole number ≥ 0.
 */
export function formToSettings(form: SettingsForm, base: Settings): { settings: Settings } | { error: string } {
  const settings = JSON.parse(JSON.stringify(base)) as Settings
  for (const f of SETTING_FIELDS) {
    const text = (form[fieldName(f)] ?? '').trim()
    if (!/^\d+$/.test(text)) return { error: `${f.label}须为不小于 0 的整数` }
    const group = (settings[f.group] ?? {}) as unknown as Record<string, number>
    group[f.key] = Number(text)
    ;(settings as unknown as Record<string, unknown>)[f.group] = group
  }
  return { settings }
}

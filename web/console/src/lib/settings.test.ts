import { describe, expect, it } from 'vitest'
import type { Settings } from '../api'
import { SETTING_FIELDS, formToSettings, settingsToForm } from './settings'
import { validatePassword, validateUsername } from './operators'

const settings: Settings = {
  sms: { per_minute: 1, per_hour: 5, per_day: 10, code_ttl_secs: 300, max_attempts: 5 },
  short_links: { dedup_window_secs: 600 },
}

describe('settings form', () => {
  it('has a field with a unit for every setting', () => {
    expect(SETTING_FIELDS).toHaveLength(6)
    expect(SETTING_FIELDS.every((f) => f.unit === '秒' || f.unit === '次')).toBe(true)
  })

  it('round-trips the server body', () => {
    const form = settingsToForm(settings)
    expect(form['sms.code_ttl_secs']).toBe('300')
    expect(form['short_links.dedup_window_secs']).toBe('600')
    expect(formToSettings(form, settings)).toEqual({ settings })
  })

  it('sends edited numbers and keeps fields it does not show', () => {
    const base = { ...settings, sms: { ...settings.sms, extra: 7 } } as unknown as Settings
    const form = { ...settingsToForm(settings), 'sms.per_day': ' 20 ' }
    const parsed = formToSettings(form, base)
    expect(parsed).toEqual({ settings: { ...base, sms: { ...base.sms, per_day: 20 } } })
    // The server's copy is not touched.
    expect(base.sms.per_day).toBe(10)
  })

  it('names the first field that is not a whole number', () => {
    expect(formToSettings({ ...settingsToForm(settings), 'sms.per_hour': '1.5' }, settings)).toEqual({
      error: '每小时发送上限须为不小于 0 的整数',
    })
    expect(formToSettings({ ...settingsToForm(settings), 'short_links.dedup_window_secs': '' }, settings)).toEqual({
      error: '相同链接复用窗口须为不小于 0 的整数',
    })
  })
})

describe('operator forms', () => {
  it('asks for a username and an 8–128 character password', () => {
    expect(validateUsername('  ')).toBe('请输入用户名')
    expect(validateUsername('zhang')).toBe('')
    expect(validatePassword('')).toBe('请输入密码')
    expect(validatePassword('1234567')).toBe('密码须为 8–128 位')
    expect(validatePassword('12345678')).toBe('')
    expect(validatePassword('x'.repeat(129))).toBe('密码须为 8–128 位')
  })
})

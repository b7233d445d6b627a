import { describe, expect, it } from 'vitest'
import type { MoneySettings, RobotSettings, Settings } from '../api'
import {
  GROUP_NUMBER_FIELDS,
  RATE_FIELDS,
  ROBOT_FIELDS,
  SETTING_FIELDS,
  contentAccess,
  formToMoney,
  formToSettings,
  groupFieldName,
  incomeName,
  moneyToForm,
  robotFieldName,
  settingsToForm,
  starBands,
  thresholdName,
} from './settings'
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

const groups = {
  star_thresholds: [1, 50, 200, 500],
  star_income_fen: [0, 10, 30, 60, 100],
  min_members: 20,
  cancel_after_days: 3,
  purge_after_days: 30,
  customer_service_reply: '客服繁忙，请稍后再试 https://t.cn/help',
}
const withGroups: Settings = { ...settings, groups }

describe("groups' settings", () => {
  it('round-trips, showing incomes in yuan', () => {
    const form = settingsToForm(withGroups)
    expect(form[thresholdName(1)]).toBe('50')
    expect(form[incomeName(1)]).toBe('0.10')
    expect(form[incomeName(4)]).toBe('1.00')
    expect(form[groupFieldName('min_members')]).toBe('20')
    expect(form[groupFieldName('customer_service_reply')]).toBe(groups.customer_service_reply)
    expect(formToSettings(form, withGroups)).toEqual({ settings: withGroups })
  })

  it('reads edited values: yuan to fen, the reply trimmed', () => {
    const form = {
      ...settingsToForm(withGroups),
      [incomeName(0)]: '0.05',
      [incomeName(4)]: '2',
      [thresholdName(3)]: '800',
      [groupFieldName('purge_after_days')]: '45',
      [groupFieldName('customer_service_reply')]: '  请稍候\r\n谢谢  ',
    }
    expect(formToSettings(form, withGroups)).toEqual({
      settings: {
        ...withGroups,
        groups: {
          ...groups,
          star_thresholds: [1, 50, 200, 800],
          star_income_fen: [5, 10, 30, 60, 200],
          purge_after_days: 45,
          customer_service_reply: '请稍候\n谢谢',
        },
      },
    })
  })

  it('wants four ascending whole thresholds from 1', () => {
    const at = (i: number, v: string) => formToSettings({ ...settingsToForm(withGroups), [thresholdName(i)]: v }, withGroups)
    expect(at(0, '0')).toEqual({ error: '2 星门槛须为不小于 1 的整数' })
    expect(at(2, '50')).toEqual({ error: '4 星门槛须大于 3 星门槛' })
    expect(at(3, '150')).toEqual({ error: '5 星门槛须大于 4 星门槛' })
    expect(at(1, '4.5')).toEqual({ error: '3 星门槛须为不小于 1 的整数' })
  })

  it('wants five amounts in yuan with at most two decimals', () => {
    const at = (i: number, v: string) => formToSettings({ ...settingsToForm(withGroups), [incomeName(i)]: v }, withGroups)
    expect(at(2, '0.333')).toEqual({ error: '3 星日收益须为不小于 0 的金额（最多两位小数）' })
    expect(at(0, '')).toEqual({ error: '1 星日收益须为不小于 0 的金额（最多两位小数）' })
    expect('settings' in at(0, '0')).toBe(true)
  })

  it('keeps numbers within their ranges and asks for a reply', () => {
    const form = settingsToForm(withGroups)
    for (const f of GROUP_NUMBER_FIELDS) {
      expect(formToSettings({ ...form, [groupFieldName(f.key)]: String(f.max + 1) }, withGroups)).toEqual({
        error: `${f.label}须为 ${f.min}–${f.max} 的整数`,
      })
    }
    expect(formToSettings({ ...form, [groupFieldName('cancel_after_days')]: '0' }, withGroups)).toEqual({
      error: '无会话注销天数须为 1–365 的整数',
    })
    expect(formToSettings({ ...form, [groupFieldName('customer_service_reply')]: ' ' }, withGroups)).toEqual({
      error: '请填写客服话术',
    })
    expect(formToSettings({ ...form, [groupFieldName('customer_service_reply')]: '字'.repeat(501) }, withGroups)).toEqual({
      error: '客服话术不能超过 500 个字',
    })
  })

  it('leaves groups out for a server without them', () => {
    const form = settingsToForm(settings)
    expect(Object.keys(form).some((k) => k.startsWith('groups.'))).toBe(false)
    expect(formToSettings(form, settings)).toEqual({ settings })
  })

  it('explains the thresholds star by star', () => {
    expect(starBands(['1', '50', '200', '500'])).toEqual([
      '0 → 1★',
      '1–49 → 2★',
      '50–199 → 3★',
      '200–499 → 4★',
      '≥ 500 → 5★',
    ])
    expect(starBands(['2', '3', '10', '11'])).toEqual(['0–1 → 1★', '2 → 2★', '3–9 → 3★', '10 → 4★', '≥ 11 → 5★'])
    expect(starBands(['1', '50', '40', '500'])).toEqual([])
    expect(starBands(['1', '50', ''])).toEqual([])
  })
})

const robots: RobotSettings = {
  send_gap_min_ms: 3000,
  send_gap_max_ms: 8000,
  per_minute: 10,
  per_day: 3000,
  group_daily_cap: 5,
  cooldown_base_secs: 60,
  cooldown_max_secs: 3600,
  silent_after_secs: 180,
  healthy_capacity_alert_pct: 50,
  protect_after_mins: 120,
  protect_days: 3,
}
const withRobots: Settings = { ...withGroups, robots }

describe("robots' settings", () => {
  it('has a label, a unit and an explanation for every field, protection as money', () => {
    expect(ROBOT_FIELDS.map((f) => f.key).sort()).toEqual(Object.keys(robots).sort())
    expect(ROBOT_FIELDS.every((f) => f.label && f.unit && f.hint.length > 8)).toBe(true)
    expect(ROBOT_FIELDS.filter((f) => f.money).map((f) => f.key)).toEqual(['protect_after_mins', 'protect_days'])
    expect(ROBOT_FIELDS.find((f) => f.key === 'send_gap_min_ms')?.hint).toContain('避免固定节奏触发微信风控')
    expect(ROBOT_FIELDS.find((f) => f.key === 'cooldown_base_secs')?.hint).toContain('被平台风控拒绝后暂停发送，连续被拒时间加倍')
  })

  it('round-trips and sends edited numbers', () => {
    const form = settingsToForm(withRobots)
    expect(form[robotFieldName('send_gap_min_ms')]).toBe('3000')
    expect(form[robotFieldName('protect_days')]).toBe('3')
    expect(formToSettings(form, withRobots)).toEqual({ settings: withRobots })
    const edited = { ...form, [robotFieldName('group_daily_cap')]: ' 8 ', [robotFieldName('protect_after_mins')]: '90' }
    expect(formToSettings(edited, withRobots)).toEqual({
      settings: { ...withRobots, robots: { ...robots, group_daily_cap: 8, protect_after_mins: 90 } },
    })
  })

  it('keeps every field within its range', () => {
    const form = settingsToForm(withRobots)
    for (const f of ROBOT_FIELDS) {
      const error = { error: `${f.label}须为 ${f.min}–${f.max} 的整数` }
      expect(formToSettings({ ...form, [robotFieldName(f.key)]: String(f.max + 1) }, withRobots)).toEqual(error)
      expect(formToSettings({ ...form, [robotFieldName(f.key)]: '1.5' }, withRobots)).toEqual(error)
      expect(formToSettings({ ...form, [robotFieldName(f.key)]: '' }, withRobots)).toEqual(error)
    }
    expect(formToSettings({ ...form, [robotFieldName('send_gap_min_ms')]: '99' }, withRobots)).toEqual({
      error: '发送间隔最短须为 100–600000 的整数',
    })
    expect('settings' in formToSettings({ ...form, [robotFieldName('protect_days')]: '0' }, withRobots)).toBe(true)
  })

  it('wants a range of gaps, a day not below a minute, a longest cool-down not below the first', () => {
    const at = (patch: Record<string, string>) => formToSettings({ ...settingsToForm(withRobots), ...patch }, withRobots)
    const gap = (min: string, max: string) =>
      at({ [robotFieldName('send_gap_min_ms')]: min, [robotFieldName('send_gap_max_ms')]: max })
    expect(gap('5000', '5000')).toEqual({ error: '发送间隔最长须大于最短' })
    expect(gap('5000', '4000')).toEqual({ error: '发送间隔最长须大于最短' })
    expect('settings' in gap('5000', '5001')).toBe(true)
    expect(at({ [robotFieldName('per_minute')]: '20', [robotFieldName('per_day')]: '19' })).toEqual({
      error: '每天发送上限不能低于每分钟发送上限',
    })
    expect('settings' in at({ [robotFieldName('per_minute')]: '20', [robotFieldName('per_day')]: '20' })).toBe(true)
    expect(at({ [robotFieldName('cooldown_base_secs')]: '600', [robotFieldName('cooldown_max_secs')]: '599' })).toEqual({
      error: '风控冷却最长不能低于起始',
    })
  })

  it('leaves robots out for a server without them', () => {
    const form = settingsToForm(withGroups)
    expect(Object.keys(form).some((k) => k.startsWith('robots.'))).toBe(false)
    expect(formToSettings(form, withGroups)).toEqual({ settings: withGroups })
  })
})

const money: MoneySettings = {
  master_rate_bp: 1000,
  master_ad_rate_bp: 1000,
  grand_master_rate_bp: 500,
  grand_master_ad_rate_bp: 500,
  withdraw_min_fen: 100,
  withdraw_max_fen: 50000,
  payout_fail_alert_after: 3,
  merchant_low_balance_alert: true,
}

describe('who changes the content form', () => {
  it('leaves the star thresholds and incomes to admin and finance, the rest to admin and operator', () => {
    expect(contentAccess('admin')).toEqual({ content: true, stars: true })
    expect(contentAccess('operator')).toEqual({ content: true, stars: false })
    expect(contentAccess('finance')).toEqual({ content: false, stars: true })
    expect(contentAccess(undefined)).toEqual({ content: false, stars: false })
  })

  it('sends the stars untouched when only the other fields change', () => {
    const form = settingsToForm(withGroups)
    form[groupFieldName('min_members')] = '30'
    const parsed = formToSettings(form, withGroups)
    if (!('settings' in parsed)) throw new Error(parsed.error)
    expect(parsed.settings.groups?.star_thresholds).toEqual(groups.star_thresholds)
    expect(parsed.settings.groups?.star_income_fen).toEqual(groups.star_income_fen)
    expect(parsed.settings.groups?.min_members).toBe(30)
  })
})

describe('money settings', () => {
  it('leaves money out of the content form (another role saves it)', () => {
    const all: Settings = { ...withGroups, money }
    const parsed = formToSettings(settingsToForm(all), all)
    expect(parsed).toEqual({ settings: withGroups })
    expect('settings' in parsed && 'money' in parsed.settings).toBe(false)
  })

  it('shows rates in percent and limits in yuan, and round-trips', () => {
    const form = moneyToForm(money)
    expect(form).toEqual({
      master_rate_bp: '10',
      master_ad_rate_bp: '10',
      grand_master_rate_bp: '5',
      grand_master_ad_rate_bp: '5',
      withdraw_min: '1.00',
      withdraw_max: '500.00',
      payout_fail_alert_after: '3',
      merchant_low_balance_alert: true,
    })
    expect(formToMoney(form, money)).toEqual({ money })
  })

  it('sends percent as basis points and yuan as fen', () => {
    const form = {
      ...moneyToForm(money),
      master_rate_bp: '12.5',
      grand_master_ad_rate_bp: '0.01',
      withdraw_min: '0.1',
      withdraw_max: '2000',
      payout_fail_alert_after: ' 5 ',
      merchant_low_balance_alert: false,
    }
    expect(formToMoney(form, money)).toEqual({
      money: {
        ...money,
        master_rate_bp: 1250,
        grand_master_ad_rate_bp: 1,
        withdraw_min_fen: 10,
        withdraw_max_fen: 200000,
        payout_fail_alert_after: 5,
        merchant_low_balance_alert: false,
      },
    })
  })

  it('keeps rates within 0–50% with two decimals', () => {
    for (const f of RATE_FIELDS) {
      const at = (v: string) => formToMoney({ ...moneyToForm(money), [f.key]: v }, money)
      const error = { error: `${f.label}须为 0–50% 的比例（最多两位小数）` }
      expect(at('50.01')).toEqual(error)
      expect(at('1.234')).toEqual(error)
      expect(at('')).toEqual(error)
      expect('money' in at('50')).toBe(true)
      expect('money' in at('0')).toBe(true)
    }
  })

  it('keeps the withdrawal limits within 0.10–2000 yuan, the maximum not below the minimum', () => {
    const at = (patch: Record<string, string>) => formToMoney({ ...moneyToForm(money), ...patch }, money)
    expect(at({ withdraw_min: '0.09' })).toEqual({ error: '单笔提现下限须为 0.10–2000.00 元' })
    expect(at({ withdraw_min: '1.001' })).toEqual({ error: '单笔提现下限须为 0.10–2000.00 元' })
    expect(at({ withdraw_max: '2000.01' })).toEqual({ error: '单笔提现上限须为 0.10–2000.00 元' })
    expect(at({ withdraw_min: '10', withdraw_max: '9.99' })).toEqual({ error: '单笔提现上限不能低于下限' })
    expect(formToMoney({ ...moneyToForm(money), withdraw_min: '10', withdraw_max: '10' }, money)).toEqual({
      money: { ...money, withdraw_min_fen: 1000, withdraw_max_fen: 1000 },
    })
  })

  it('wants the failure alert after 1–100 payouts', () => {
    const at = (v: string) => formToMoney({ ...moneyToForm(money), payout_fail_alert_after: v }, money)
    expect(at('0')).toEqual({ error: '连续打款失败告警须为 1–100 的整数' })
    expect(at('101')).toEqual({ error: '连续打款失败告警须为 1–100 的整数' })
    expect(at('2.5')).toEqual({ error: '连续打款失败告警须为 1–100 的整数' })
    expect('money' in at('100')).toBe(true)
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

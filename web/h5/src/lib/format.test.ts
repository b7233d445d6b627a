import { describe, expect, it } from 'vitest'
import {
  loginFailure,
  plainMessage,
  formatDate,
  formatDateTime,
  formatDay,
  formatFen,
  formatSignedFen,
  inviteErrorMessage,
  secondsLeft,
  sendCodeLabel,
  withoutInviteError,
} from './format'

describe('formatFen', () => {
  it('shows fen as yuan with two decimals', () => {
    expect(formatFen(0)).toBe('¥0.00')
    expect(formatFen(5)).toBe('¥0.05')
    expect(formatFen(120)).toBe('¥1.20')
    expect(formatFen(12345)).toBe('¥123.45')
    expect(formatFen(-5)).toBe('-¥0.05')
    expect(formatFen(900719925474099)).toBe('¥9007199254740.99')
  })
})

describe('formatSignedFen', () => {
  it('marks money in with + and money out with -', () => {
    expect(formatSignedFen(120)).toBe('+¥1.20')
    expect(formatSignedFen(-50)).toBe('-¥0.50')
    expect(formatSignedFen(-100000)).toBe('-¥1000.00')
    expect(formatSignedFen(0)).toBe('¥0.00')
  })
})

describe('formatDate', () => {
  it('answers the Beijing-time date', () => {
    expect(formatDate('2026-11-25T16:00:00Z')).toBe('2026-11-26')
    expect(formatDate('2026-11-25T15:59:59Z')).toBe('2026-11-25')
    expect(formatDate('2026-11-26T08:30:00+08:00')).toBe('2026-11-26')
  })

  it('answers a dash for no date', () => {
    expect(formatDate(null)).toBe('—')
    expect(formatDate('not a date')).toBe('—')
  })
})

describe('formatDateTime', () => {
  it('shows Beijing time to the minute, whatever the offset given', () => {
    expect(formatDateTime('2026-11-26T20:30:45+08:00')).toBe('2026-11-26 20:30')
    expect(formatDateTime('2026-11-26T16:05:00Z')).toBe('2026-11-27 00:05')
  })

  it('answers a dash for nothing or garbage', () => {
    expect(formatDateTime(null)).toBe('—')
    expect(formatDateTime(undefined)).toBe('—')
    expect(formatDateTime('soon')).toBe('—')
  })
})

describe('formatDay', () => {
  it('drops the year of a business day', () => {
    expect(formatDay('2026-11-26')).toBe('11-26')
    expect(formatDay('today')).toBe('today')
  })
})

describe('secondsLeft', () => {
  it('rounds up and never goes below 0', () => {
    expect(secondsLeft(60_000, 0)).toBe(60)
    expect(secondsLeft(60_000, 1)).toBe(60)
    expect(secondsLeft(60_000, 59_001)).toBe(1)
    expect(secondsLeft(60_000, 60_000)).toBe(0)
    expect(secondsLeft(60_000, 90_000)).toBe(0)
    expect(secondsLeft(0, Date.now())).toBe(0)
  })
})

describe('sendCodeLabel', () => {
  it('counts down, then offers to send again', () => {
    expect(sendCodeLabel(0, false)).toBe('获取验证码')
    expect(sendCodeLabel(60, true)).toBe('60 秒后重发')
    expect(sendCodeLabel(0, true)).toBe('重新发送')
  })
})

describe('invite errors after a login', () => {
  it('explains an unknown or malformed code, and nothing else', () => {
    expect(inviteErrorMessage('?invite_error=1404')).toContain('邀请码不存在')
    expect(inviteErrorMessage('?invite=AB&invite_error=1403')).toContain('格式不正确')
    expect(inviteErrorMessage('?invite_error=9')).toBeNull()
    expect(inviteErrorMessage('')).toBeNull()
  })

  it('drops only its own parameter from the address', () => {
    expect(withoutInviteError('?invite=AB&invite_error=1404')).toBe('?invite=AB')
    expect(withoutInviteError('?invite_error=1404')).toBe('')
  })
})

describe('plain messages', () => {
  it('takes codes out of a message', () => {
    expect(plainMessage('发送失败（1602）')).toBe('发送失败')
    expect(plainMessage('授权失败，错误码 2501')).toBe('授权失败')
    expect(plainMessage('code: 40029 invalid code')).toBe('invalid code')
    expect(plainMessage('提现金额须在 1 – 500 元之间')).toBe('提现金额须在 1 – 500 元之间')
  })

  it('says why a login failed and what to do', () => {
    expect(loginFailure('授权码已使用（2501）')).toBe('授权码已使用。请点击“重新登录”再试一次。')
    expect(loginFailure(null)).toBe('微信授权未完成。请点击“重新登录”再试一次。')
  })
})

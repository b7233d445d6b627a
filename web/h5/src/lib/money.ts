// Amounts typed in yuan and what may be withdrawn: the withdraw form's rules, apart from the page.
// The server checks everything again and has the last word; these only say in place what is wrong.
import {
  BAD_PARAMS,
  IDENTITY_MISSING,
  INSUFFICIENT_BALANCE,
  PHONE_MISSING,
  WITHDRAWAL_REFUSED,
  WITHDRAWN_TODAY,
  type WithdrawRules,
} from '../api'
import { formatFen } from './format'
import { bindPhonePath, identityPath } from './validate'

/** At most this many digits of whole yuan (a billion yuan is already far beyond any limit). */
const MAX_YUAN_DIGITS = 9
const YUAN = /^(\d*)(?:\.(\d*))?$/

/**
 * An amount typed in yuan as integer fen, worked out on the digits (never through floating
 * point): "12.34" → 1234, "12.3" → 1230, "12" → 1200, ".5" → 50. Refuses a blank, a sign, more
 * than two decimals, zero, and anything that is not a plain decimal number ("1e3", "1,000", "¥5").
 * Full-width digits and point (from some Chinese keyboards) count as their ASCII forms.
 */
export function parseYuan(text: string): { fen: number } | { error: string } {
  const value = text.normalize('NFKC').trim()
  if (!value) return { error: '请输入提现金额' }
  if (/^[-−]/.test(value)) return { error: '金额不能为负数' }
  const match = YUAN.exec(value)
  if (!match || (!match[1] && !match[2])) return { error: '请输入正确的金额，如 12.34' }
  const [, whole, cents = ''] = match
  if (cents.length > 2) return { error: '金额最多保留两位小数' }
  if (whole.replace(/^0+/, '').length > MAX_YUAN_DIGITS) return { error: '金额过大' }
  const fen = Number(whole || '0') * 100 + Number(cents.padEnd(2, '0'))
  return fen > 0 ? { fen } : { error: '提现金额须大于 0' }
}

/** Fen as the yuan the amount field takes: 1234 → "12.34", 1200 → "12", 1230 → "12.3". */
export function yuanText(fen: number): string {
  const n = Math.max(0, Math.round(fen))
  const cents = n % 100
  const whole = String(Math.floor(n / 100))
  if (!cents) return whole
  return `${whole}.${String(cents).padStart(2, '0').replace(/0$/, '')}`
}

/** What the 全部提现 button fills in: all that is available, within the limit of one withdrawal. */
export function allAvailableFen(available: number, rules: Pick<WithdrawRules, 'max_fen'>): number {
  return Math.max(0, Math.min(available, rules.max_fen))
}

/** A place to go to put something right, and what its link says. */
export interface Fix {
  to: string
  label: string
}

/** Why the owner cannot withdraw at all now, and where to go about it. */
export interface WithdrawBlock {
  reason: 'frozen' | 'phone' | 'identity' | 'withdrawn_today'
  text: string
  fix: Fix
}

const WITHDRAW_PATH = '/withdraw'
export const PHONE_FIX: Fix = { to: bindPhonePath(WITHDRAW_PATH), label: '去绑定手机号' }
export const IDENTITY_FIX: Fix = { to: identityPath(WITHDRAW_PATH), label: '去实名认证' }
export const RECORDS_FIX: Fix = { to: '/withdrawals', label: '查看提现记录' }

/**
 * The first thing that stops any withdrawal, or null when the form may be used: a frozen
 * account, then a missing phone (identity needs one), a missing identity, today's withdrawal.
 */
export function withdrawBlock(rules: WithdrawRules): WithdrawBlock | null {
  if (rules.frozen) {
    return {
      reason: 'frozen',
      text: '账户已冻结，暂不能提现。如有疑问请联系客服。',
      fix: { to: '/wallet', label: '返回钱包' },
    }
  }
  if (!rules.phone_bound) return { reason: 'phone', text: '提现前请先绑定手机号。', fix: PHONE_FIX }
  if (!rules.identity_bound) {
    return { reason: 'identity', text: '提现前请先完成实名认证，姓名须与微信实名一致。', fix: IDENTITY_FIX }
  }
  if (rules.withdrawn_today) {
    return { reason: 'withdrawn_today', text: '今天已经提现过了，每天可提现 1 次，请明天再来。', fix: RECORDS_FIX }
  }
  return null
}

/** The limits as the form states them: 单笔 ¥1.00 – ¥500.00，每天 1 次. */
export const limitsText = (rules: Pick<WithdrawRules, 'min_fen' | 'max_fen'>): string =>
  `单笔 ${formatFen(rules.min_fen)} – ${formatFen(rules.max_fen)}，每天 1 次`

/** What is wrong with withdrawing `fen` now, or null. */
export function amountError(fen: number, rules: Pick<WithdrawRules, 'min_fen' | 'max_fen'>, available: number) {
  if (fen < rules.min_fen) return `单笔最少提现 ${formatFen(rules.min_fen)}`
  if (fen > rules.max_fen) return `单笔最多提现 ${formatFen(rules.max_fen)}`
  if (fen > available) return `可提现余额不足，当前可提现 ${formatFen(available)}`
  return null
}

/** What a refused withdrawal says: the server's message, with where to go when that helps. */
export function withdrawErrorMessage(code: number, msg: string): { text: string; fix: Fix | null } {
  const text = msg.trim()
  switch (code) {
    case PHONE_MISSING:
      return { text: text || '提现前请先绑定手机号', fix: PHONE_FIX }
    case IDENTITY_MISSING:
      return { text: text || '提现前请先完成实名认证', fix: IDENTITY_FIX }
    case WITHDRAWN_TODAY:
      return { text: text || '今天已经提现过了，请明天再来', fix: RECORDS_FIX }
    case INSUFFICIENT_BALANCE:
      return { text: text || '可提现余额不足', fix: null }
    case WITHDRAWAL_REFUSED:
      return { text: text || '提现失败', fix: null }
    case BAD_PARAMS:
      return { text: text || '提现金额不符合要求', fix: null }
    default:
      return { text: text || '提现失败，请稍后再试', fix: null }
  }
}

// How amounts, dates and countdowns are shown.

/** Integer fen (分) as yuan: 12345 → ¥123.45, -5 → -¥0.05. */
export function formatFen(fen: number): string {
  const n = Math.round(fen)
  const abs = Math.abs(n)
  const yuan = Math.floor(abs / 100)
  const cents = String(abs % 100).padStart(2, '0')
  return `${n < 0 ? '-' : ''}¥${yuan}.${cents}`
}

/** A movement of money, + in and - out: 120 → +¥1.20, -50 → -¥0.50, 0 → ¥0.00. */
export function formatSignedFen(fen: number): string {
  const n = Math.round(fen)
  return n > 0 ? `+${formatFen(n)}` : formatFen(n)
}

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000

/** An RFC 3339 time as its Beijing-time date, 2026-11-26; '—' when there is none. */
export function formatDate(iso: string | null | undefined): string {
  const t = iso ? Date.parse(iso) : NaN
  if (Number.isNaN(t)) return '—'
  // China has no daylight saving time: a fixed +08:00 gives the same date as Asia/Shanghai.
  return new Date(t + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10)
}

/** An RFC 3339 time in Beijing time to the minute, 2026-11-26 20:30; '—' when there is none. */
export function formatDateTime(iso: string | null | undefined): string {
  const t = iso ? Date.parse(iso) : NaN
  if (Number.isNaN(t)) return '—'
  return new Date(t + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ')
}

/** A business day YYYY-MM-DD as the chart and the table show it: 11-26. */
export function formatDay(day: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? day.slice(5) : day
}

/** Whole seconds left until `deadlineMs` (rounded up, never negative). */
export function secondsLeft(deadlineMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((deadlineMs - nowMs) / 1000))
}

/** The label of the send-code button: a countdown while a resend must wait. */
export function sendCodeLabel(left: number, sent: boolean): string {
  if (left > 0) return `${left} 秒后重发`
  return sent ? '重新发送' : '获取验证码'
}

/**
 * What the app tells a user whose invite link could not bind them (the login went on):
 * `?invite_error=1404` (no such code) or `1403` (a malformed code); null otherwise.
 */
export function inviteErrorMessage(search: string): string | null {
  switch (new URLSearchParams(search).get('invite_error')) {
    case '1404':
      return '邀请链接无效：邀请码不存在。你已正常登录，可以继续使用。'
    case '1403':
      return '邀请链接格式不正确。你已正常登录，可以继续使用。'
    default:
      return null
  }
}

/** `search` without `invite_error`, for replacing the address once the notice is shown. */
export function withoutInviteError(search: string): string {
  const params = new URLSearchParams(search)
  params.delete('invite_error')
  const rest = params.toString()
  return rest ? `?${rest}` : ''
}

/**
 * What the login page says of a failed WeChat login: the server's reason (any code in it left
 * out) and what to do next.
 */
export function loginFailure(msg: string | null | undefined): string {
  const reason = plainMessage(msg ?? '') || '微信授权未完成'
  return `${reason.replace(/[。.！!]+$/, '')}。请点击“重新登录”再试一次。`
}

/** A message as an owner reads it: codes such as "（1602）", "错误码 2501", "[2501]" taken out. */
export function plainMessage(msg: string): string {
  return msg
    .replace(/(错误码|error code|code)[:：\s]*\d{3,5}/gi, '')
    .replace(/[（(\[【]\s*\d{3,5}\s*[）)\]】]/g, '')
    .replace(/\s{2,}/g, ' ')
    .replace(/[，,；;:：\s]+$/, '')
    .trim()
}

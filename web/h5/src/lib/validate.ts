// Client-side checks of what an owner types, before anything is sent. The server checks again
// and has the last word; these only spare a round trip and say what is wrong in place.
// Each check answers null when the value is fine, or the message to show.

/** A mainland mobile number: 11 digits, starting 13–19. */
export const PHONE_RE = /^1[3-9]\d{9}$/

export function phoneError(phone: string): string | null {
  if (!phone) return '请输入手机号'
  return PHONE_RE.test(phone) ? null : '手机号格式不正确，应为 11 位大陆手机号'
}

export function codeError(code: string): string | null {
  if (!code) return '请输入验证码'
  return /^\d{6}$/.test(code) ? null : '验证码应为 6 位数字'
}

/** 138****5678: how a phone number is shown once typed. */
export function maskPhone(phone: string): string {
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : phone
}

// --- Real name ----------------------------------------------------------------------------

const NAME_RE = /^[\p{Script=Han}A-Za-z ·]+$/u

export const normalizeName = (name: string): string => name.trim()

export function nameError(raw: string): string | null {
  const name = normalizeName(raw)
  if (!name) return '请输入真实姓名'
  const length = [...name].length
  if (length < 2 || length > 30) return '姓名长度须为 2–30 个字符'
  return NAME_RE.test(name) ? null : '姓名只能包含汉字、字母、空格或 ·'
}

// --- Resident identity number (GB 11643, ISO 7064 MOD 11-2) ---------------------------------

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
/** The check character for each remainder of the weighted sum divided by 11. */
const ID_CHECK_CHARS = '10X98765432'
/** First two digits: the province-level region (GB/T 2260), plus 83 of the residence permits. */
const ID_PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
  64, 65, 71, 81, 82, 83,
])

/** Trimmed, with a lower-case x made upper-case (both are typed). */
export const normalizeIdNumber = (id: string): string => id.trim().toUpperCase()

/** The check character of an ID's first 17 digits, or null when they are not 17 digits. */
export function idCheckChar(body: string): string | null {
  if (!/^\d{17}$/.test(body)) return null
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * ID_WEIGHTS[i]
  return ID_CHECK_CHARS[sum % 11]
}

/** Whether an 18-character ID's last character is the check character of the rest. */
export function idChecksumOk(id: string): boolean {
  return id.length === 18 && idCheckChar(id.slice(0, 17)) === id[17]
}

/** Whether yyyymmdd is a real date between 1900-01-01 and `today` (local calendar). */
function birthDateOk(yyyymmdd: string, today: Date): boolean {
  const y = Number(yyyymmdd.slice(0, 4))
  const m = Number(yyyymmdd.slice(4, 6))
  const d = Number(yyyymmdd.slice(6, 8))
  const date = new Date(Date.UTC(y, m - 1, d))
  const real = date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
  const todayUtc = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())
  return real && y >= 1900 && date.getTime() <= todayUtc
}

export function idNumberError(raw: string, today: Date = new Date()): string | null {
  const id = normalizeIdNumber(raw)
  if (!id) return '请输入身份证号'
  if (!/^\d{17}[\dX]$/.test(id)) return '身份证号应为 18 位：17 位数字加一位数字或 X'
  if (!ID_PROVINCES.has(Number(id.slice(0, 2)))) return '身份证号的地区码不正确'
  if (!birthDateOk(id.slice(6, 14), today)) return '身份证号中的出生日期不正确'
  return idChecksumOk(id) ? null : '身份证号校验位不正确，请核对'
}

/** An ID number as it is kept: the first 6 and the last 4 characters only, 110105********123X. */
export function maskIdNumber(raw: string): string {
  const id = normalizeIdNumber(raw)
  return id.length === 18 ? `${id.slice(0, 6)}********${id.slice(14)}` : id
}

// --- Where to go after a form -------------------------------------------------------------

/**
 * A path of the H5 app to go to after binding a phone, or `/`: never another site (an open
 * redirect), never the API or a short link (they are not pages of the app).
 */
export function safeRedirect(requested: string | null | undefined): string {
  const p = requested ?? ''
  const ok =
    p.startsWith('/') &&
    !p.startsWith('//') &&
    !p.startsWith('/\\') &&
    !/^\/(api|s)(\/|$|\?)/.test(p) &&
    p.length <= 512 &&
    ![...p].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
  return ok ? p : '/'
}

/** The phone-binding page, coming back to `redirect` afterwards (slashes kept readable). */
export function bindPhonePath(redirect: string): string {
  return `/bind-phone?redirect=${encodeURIComponent(redirect).replace(/%2F/gi, '/')}`
}

/** The identity page, going on to `redirect` once verified (plain /identity for home). */
export function identityPath(redirect: string): string {
  return redirect === '/' ? '/identity' : `/identity?redirect=${encodeURIComponent(redirect).replace(/%2F/gi, '/')}`
}

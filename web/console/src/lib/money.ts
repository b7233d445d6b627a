// Amounts: integer fen (分) in the API, yuan (元) with two decimals on screen. Rates: integer
// basis points (1/100 of a percent) in the API, percent on screen. Both are hundredths of what
// an operator reads, so one reading and one writing serve both.

/** `n` hundredths as a number with two decimals: 10 → "0.10", 12345 → "123.45". */
function hundredthsText(n: number): string {
  const sign = n < 0 ? '-' : ''
  const abs = Math.round(Math.abs(n))
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** A number typed with at most two decimals ("1", "0.1", "0.10") as whole hundredths; null when it is no number ≥ 0. */
function parseHundredths(text: string): number | null {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim())
  if (!m) return null
  const n = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))
  return Number.isSafeInteger(n) ? n : null
}

/** `fen` as yuan with two decimals: 10 → "0.10", 12345 → "123.45". */
export function fenToYuan(fen: number): string {
  return Number.isFinite(fen) ? hundredthsText(fen) : '—'
}

/** Yuan typed by an operator ("1", "0.1", "0.10") as whole fen; null when it is no amount ≥ 0 with at most two decimals. */
export const parseYuan = (text: string): number | null => parseHundredths(text)

/** `fen` as an amount on screen: "¥1,234.56" ("-¥0.05" below zero). */
export function formatFen(fen: number | null | undefined): string {
  if (typeof fen !== 'number' || !Number.isFinite(fen)) return '—'
  const [whole, cents] = hundredthsText(Math.abs(fen)).split('.')
  return `${fen < 0 ? '-' : ''}¥${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`
}

/** Basis points as the percent an operator reads: 1000 → "10", 1050 → "10.5", 1 → "0.01". */
export function bpToPercent(bp: number): string {
  if (!Number.isFinite(bp)) return ''
  return hundredthsText(bp).replace(/\.?0+$/, '')
}

/** A percent typed by an operator ("10", "10.5", "0.01") as whole basis points; null when it is no number ≥ 0 with at most two decimals. */
export const percentToBp = (text: string): number | null => parseHundredths(text)

/** An amount in yuan (a chart's value) as on screen: 12.3 → "¥12.30". */
export const formatYuan = (yuan: number): string => formatFen(Math.round(yuan * 100))

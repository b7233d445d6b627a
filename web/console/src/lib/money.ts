// Amounts: integer fen (分) in the API, yuan (元) with two decimals on screen.

/** `fen` as yuan with two decimals: 10 → "0.10", 12345 → "123.45". */
export function fenToYuan(fen: number): string {
  if (!Number.isFinite(fen)) return '—'
  const sign = fen < 0 ? '-' : ''
  const abs = Math.round(Math.abs(fen))
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** Yuan typed by an operator ("1", "0.1", "0.10") as whole fen; null when it is no amount ≥ 0 with at most two decimals. */
export function parseYuan(text: string): number | null {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim())
  if (!m) return null
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))
  return Number.isSafeInteger(fen) ? fen : null
}

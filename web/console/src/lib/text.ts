// Text helpers: the reason of an action, sensitive-word lists, highlighting, compact JSON.
import { charCount } from '@gpet/common/content'

/** The words of a textarea, one per line: trimmed, blank lines dropped, duplicates once. */
export function parseWords(text: string): string[] {
  const seen = new Set<string>()
  for (const line of text.split(/\r?\n/)) {
    const word = line.trim()
    if (word) seen.add(word)
  }
  return [...seen]
}

/** What is wrong with the reason `name` of an action (required, at most `max` characters), or ''. */
export function validateReason(reason: string, name: string, max: number): string {
  const text = reason.trim()
  if (!text) return `请填写${name}`
  if (charCount(text) > max) return `${name}不能超过 ${max} 个字`
  return ''
}

export const MAX_WORDS = 1000
export const MAX_WORD_CHARS = 50

/** What is wrong with a list of words to add, or '' when it may be sent. */
export function validateWords(words: string[]): string {
  if (words.length === 0) return '请输入敏感词，每行一个'
  if (words.length > MAX_WORDS) return `一次最多添加 ${MAX_WORDS} 个敏感词`
  const long = words.find((w) => charCount(w) > MAX_WORD_CHARS)
  if (long) return `敏感词不能超过 ${MAX_WORD_CHARS} 个字：${long.slice(0, 20)}…`
  return ''
}

export interface Segment {
  text: string
  hit: boolean
}

/**
 * `text` cut into plain and matched segments: at each position the longest of `words` that
 * starts there is matched (ignoring letter case), and matches never overlap.
 */
export function highlight(text: string, words: string[]): Segment[] {
  const lower = text.toLowerCase()
  // Lower-casing must not move positions; if it would (rare letters), match case-sensitively.
  const fold = lower.length === text.length
  const haystack = fold ? lower : text
  const needles = [...new Set(words.filter(Boolean).map((w) => (fold ? w.toLowerCase() : w)))].sort(
    (a, b) => b.length - a.length,
  )
  const segments: Segment[] = []
  let plain = ''
  let i = 0
  while (i < text.length) {
    const match = needles.length ? needles.find((w) => haystack.startsWith(w, i)) : undefined
    if (match) {
      if (plain) segments.push({ text: plain, hit: false })
      plain = ''
      segments.push({ text: text.slice(i, i + match.length), hit: true })
      i += match.length
    } else {
      plain += text[i]
      i += 1
    }
  }
  if (plain) segments.push({ text: plain, hit: false })
  return segments
}

/** `value` as one line of JSON, cut to `max` characters with "…". */
export function compactJson(value: unknown, max = 120): string {
  let json: string
  try {
    json = JSON.stringify(value) ?? String(value)
  } catch {
    json = String(value)
  }
  return json.length > max ? `${json.slice(0, max - 1)}…` : json
}

/** `value` as indented JSON, for the expanded view. */
export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value)
  } catch {
    return String(value)
  }
}

/**
 * A message body as received (usually JSON text): `pretty` indented when it is JSON, else as
 * given; `line` one line of at most `max` characters for the collapsed view.
 */
export function messageBody(body: unknown, max = 100): { json: boolean; pretty: string; line: string } {
  let value: unknown = body
  let json = typeof body !== 'string'
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body)
      json = true
    } catch {
      json = false
    }
  }
  if (!json) {
    const text = String(body ?? '')
    const flat = text.replace(/\s+/g, ' ').trim()
    return { json, pretty: text, line: flat.length > max ? `${flat.slice(0, max - 1)}…` : flat }
  }
  return { json, pretty: prettyJson(value), line: compactJson(value, max) }
}

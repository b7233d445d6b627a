// The mass-message (群发) form: its checks of what the owner types (which @gpet/common/content
// builds into a Content); and how tasks and their per-group outcomes are told.
import { buildContent, charCount, type Content, type ContentFields, type ContentKind } from '@gpet/common/content'
import { NOT_FOUND, SAME_TIME, SENSITIVE_WORD, type BroadcastState, type TargetState } from '../api'

export const KIND_LABELS: Record<ContentKind, string> = { text: '文字', link: '链接', miniprogram: '小程序' }

// The form's own limits, generous: the server checks again and has the last word.
export const TEXT_MAX = 2000
export const TITLE_MAX = 64
export const DESC_MAX = 200
export const URL_MAX = 1024

const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/i

function urlError(value: string, name: string, required: boolean): string | null {
  const url = value.trim()
  if (!url) return required ? `请输入${name}` : null
  if (url.length > URL_MAX) return `${name}过长`
  return HTTP_URL.test(url) ? null : `${name}须以 http:// 或 https:// 开头`
}

function titleError(value: string): string | null {
  const title = value.trim()
  if (!title) return '请输入标题'
  return charCount(title) > TITLE_MAX ? `标题最多 ${TITLE_MAX} 个字` : null
}

/** The first thing wrong with the content, or null. */
export function draftError(draft: ContentFields): string | null {
  switch (draft.kind) {
    case 'link': {
      const desc = draft.desc.trim()
      return (
        titleError(draft.title) ??
        (charCount(desc) > DESC_MAX ? `描述最多 ${DESC_MAX} 个字` : null) ??
        urlError(draft.url, '链接地址', true) ??
        urlError(draft.image_url, '图片地址', false)
      )
    }
    case 'miniprogram':
      return (
        titleError(draft.title) ??
        (draft.appid.trim() ? null : '请输入小程序 AppID') ??
        (/\s/.test(draft.appid.trim()) ? '小程序 AppID 不能包含空格' : null) ??
        (draft.pagepath.trim() ? null : '请输入小程序页面路径') ??
        urlError(draft.thumb_url, '封面图地址', false)
      )
    default:
      if (!draft.text.trim()) return '请输入群发内容'
      return charCount(draft.text) > TEXT_MAX ? `群发内容最多 ${TEXT_MAX} 个字` : null
  }
}

/** The content to preview: a key that changes when the content does, or null while it is not valid. */
export function previewKey(draft: ContentFields): string | null {
  return draftError(draft) === null ? JSON.stringify(buildContent(draft)) : null
}

// --- When -------------------------------------------------------------------------------
// The time picker works in the browser's own timezone; the owner picks Beijing time whatever
// that is. So the picker is given "wall" dates: Dates whose local fields read as Beijing time.

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000
const MINUTE_MS = 60_000
const pad = (n: number) => String(n).padStart(2, '0')

/** A moment as Beijing time to the minute, 2026-11-26T20:30. */
export function localFromMs(ms: number): string {
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16)
}

/** A moment as the picker shows it: a Date whose local fields are its Beijing time (to the minute). */
export function wallFromMs(ms: number): Date {
  const b = new Date(ms + SHANGHAI_OFFSET_MS)
  return new Date(b.getUTCFullYear(), b.getUTCMonth(), b.getUTCDate(), b.getUTCHours(), b.getUTCMinutes())
}

/** The moment a picked wall date means, its local fields read as Beijing time (seconds dropped). */
export function msFromWall(wall: Date): number {
  return (
    Date.UTC(wall.getFullYear(), wall.getMonth(), wall.getDate(), wall.getHours(), wall.getMinutes()) -
    SHANGHAI_OFFSET_MS
  )
}

/** A moment as the API takes it, RFC 3339 in Beijing time to the minute: 2026-11-26T20:30:00+08:00. */
export const sendAtIso = (ms: number): string => `${localFromMs(ms)}:00+08:00`

/** The earliest time that may be picked: the next whole minute. */
export const earliestSendAt = (nowMs: number): number => Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS

/** The latest: 30 days on (the picker needs an end). */
export const latestSendAt = (nowMs: number): number => nowMs + 30 * 24 * 60 * MINUTE_MS

/** Where the time picker starts: half an hour from now, on a multiple of 5 minutes. */
export function defaultSendAt(nowMs: number): number {
  const step = 5 * MINUTE_MS
  return Math.ceil((nowMs + 30 * MINUTE_MS) / step) * step
}

/** A picked time as the form shows it: 12月8日 09:05 (Beijing time). */
export function sendAtLabel(ms: number): string {
  const b = new Date(ms + SHANGHAI_OFFSET_MS)
  return `${b.getUTCMonth() + 1}月${b.getUTCDate()}日 ${pad(b.getUTCHours())}:${pad(b.getUTCMinutes())}`
}

/** What is wrong with the picked time (null: none picked yet), or null. */
export function sendAtError(ms: number | null, nowMs: number): string | null {
  if (ms === null) return '请选择发送时间'
  return ms <= nowMs ? '所选时间已过，请重新选择一个将来的时间' : null
}

/** The picker's labels: 2026年, 12月, 8日, 09时, 05分. */
export function pickerLabel(type: string, value: number): string {
  switch (type) {
    case 'year':
      return `${value}年`
    case 'month':
      return `${value}月`
    case 'day':
      return `${value}日`
    case 'hour':
      return `${pad(value)}时`
    case 'minute':
      return `${pad(value)}分`
    default:
      return String(value)
  }
}

/**
 * What the form says once a task is made: when it goes, to how many groups. 立即发送 in a minute
 * that already had a task goes in the next free one: said so.
 */
export function createdNotice(sendAt: string, groups: number, scheduled: boolean, nowMs: number): string {
  const t = Date.parse(sendAt)
  const time = Number.isNaN(t) ? '' : localFromMs(t).slice(11)
  if (scheduled) return `已创建定时群发，将于 ${sendAtLabel(t)} 发送到 ${groups} 个群`
  if (!Number.isNaN(t) && t >= earliestSendAt(nowMs)) {
    return `已开始群发到 ${groups} 个群：这一分钟已有群发，本条将于 ${time} 发出`
  }
  return `已开始群发到 ${groups} 个群，${time} 发出`
}

// --- Groups -----------------------------------------------------------------------------

/** The selection after "select all" is toggled: all of `ids`, or none of them. */
export function toggleAll(selected: number[], ids: number[]): number[] {
  return allSelected(selected, ids) ? [] : [...ids]
}

export function allSelected(selected: number[], ids: number[]): boolean {
  return ids.length > 0 && ids.every((id) => selected.includes(id))
}

export function toggleOne(selected: number[], id: number): number[] {
  return selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id]
}

// --- Answers ----------------------------------------------------------------------------

/** The words of the form's fields, should a refusal still name one. */
const FIELD_WORDS: Record<string, string> = {
  send_at: '发送时间',
  group_ids: '所选的群',
  content: '群发内容',
}

/**
 * A message from the server as the owner reads it: a field name (send_at) said in words, codes
 * like （1602）, （50000 injected failure） or 错误码 2501 left out; `fallback` when nothing
 * readable is left.
 */
export function plainMessage(msg: string | null | undefined, fallback: string): string {
  let text = (msg ?? '').trim()
  text = text.replace(/[a-z][a-z0-9]*(?:_[a-z0-9]+)+/gi, (name) => FIELD_WORDS[name.toLowerCase()] ?? '')
  text = text
    .replace(/错误码[:：]?\s*\d+/g, '')
    // A bracket of no Chinese at all is for engineers: （1602）, (50000 injected failure).
    .replace(/[（(][^（）()\p{Script=Han}]*[)）]/gu, '')
    .replace(/\s+/g, ' ')
    .replace(/(\p{Script=Han})\s+(?=\p{Script=Han})/gu, '$1')
    .trim()
  return /[\p{Script=Han}]/u.test(text) ? text.replace(/^[，,：:\s]+/, '') : fallback
}

/** What a refused task says. */
export function broadcastSaveMessage(code: number, msg: string, words: string[]): string {
  if (code === SENSITIVE_WORD) return words.length ? `含敏感词：${words.join('、')}` : plainMessage(msg, '含敏感词')
  if (code === SAME_TIME) return '这个时间已有群发，请换一个时间'
  if (code === NOT_FOUND) return '所选的群有的已不在运营中，请重新选择'
  return plainMessage(msg, '提交失败，请稍后再试')
}

const BROADCAST_STATES: Record<BroadcastState, string> = {
  scheduled: '待发送',
  sending: '发送中',
  done: '已完成',
  cancelled: '已取消',
}

export const broadcastStateLabel = (state: string): string => BROADCAST_STATES[state as BroadcastState] ?? state

/** A task's outcome in a line: 2 个群，待发送 / 已发送 1/2 / 成功 1，失败 1 / 已取消. */
export function broadcastProgress(b: { state: string; targets: { state: string }[] }): string {
  const total = b.targets.length
  const sent = b.targets.filter((t) => t.state === 'sent').length
  const failed = b.targets.filter((t) => t.state === 'failed').length
  const groups = `${total} 个群`
  switch (b.state) {
    case 'scheduled':
      return `${groups}，待发送`
    case 'sending':
      return `${groups}，已发送 ${sent}/${total}`
    case 'cancelled':
      return `${groups}，已取消`
    default:
      return failed ? `${groups}，成功 ${sent}，失败 ${failed}` : `${groups}，全部发送成功`
  }
}

/** A group's outcome of a task: 已发送 ✓, 发送失败：<reason in words>, or 待发送. */
export function targetOutcome(target: { state: TargetState | string; code: number | null; reason: string | null }) {
  switch (target.state) {
    case 'sent':
      return '已发送 ✓'
    case 'failed':
      return `发送失败：${plainMessage(target.reason, '机器人未能发出，请确认机器人仍在群内')}`
    case 'pending':
      return '待发送'
    default:
      return target.state
  }
}

/** One line saying what a task sends. */
export function contentSummary(content: Content, max = 40): string {
  const cut = (s: string) => {
    const chars = [...s]
    return chars.length > max ? `${chars.slice(0, max).join('')}…` : s
  }
  switch (content.kind) {
    case 'link':
      return `[链接] ${cut(content.title)}`
    case 'miniprogram':
      return `[小程序] ${cut(content.title)}`
    default:
      // Its lines run together: the list shows one line per task.
      return cut(content.text.trim().replace(/\s+/g, ' '))
  }
}

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

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/

/**
 * A datetime-local value, read as Beijing time, as RFC 3339 to the minute:
 * 2026-11-26T20:30 → 2026-11-26T20:30:00+08:00. Null when it is not such a value.
 */
export function sendAtFromLocal(value: string): string | null {
  const match = LOCAL_TIME.exec(value.trim())
  if (!match) return null
  const [, day, hour, minute] = match
  const iso = `${day}T${hour}:${minute}:00+08:00`
  const t = Date.parse(iso)
  // Date.parse rolls 2026-02-30 over into March: only a real date round-trips.
  if (Number.isNaN(t) || localFromMs(t) !== `${day}T${hour}:${minute}`) return null
  return iso
}

/** A moment as a datetime-local value in Beijing time: 2026-11-26T20:30. */
export function localFromMs(ms: number): string {
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16)
}

/** Where the time picker starts: half an hour from now, on a multiple of 5 minutes. */
export function defaultSendAt(nowMs: number): string {
  const step = 5 * 60_000
  return localFromMs(Math.ceil((nowMs + 30 * 60_000) / step) * step)
}

export function sendAtError(value: string): string | null {
  if (!value.trim()) return '请选择发送时间'
  return sendAtFromLocal(value) === null ? '发送时间格式不正确' : null
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

/** What a refused task says. */
export function broadcastSaveMessage(code: number, msg: string, words: string[]): string {
  if (code === SENSITIVE_WORD) return words.length ? `含敏感词：${words.join('、')}` : msg || '含敏感词'
  if (code === SAME_TIME) return '该时间已有群发任务，请换一个时间'
  if (code === NOT_FOUND) return '所选的群有的已不在运营中，请重新选择'
  return msg || '提交失败，请稍后再试'
}

const BROADCAST_STATES: Record<BroadcastState, string> = {
  scheduled: '待发送',
  sending: '发送中',
  done: '已完成',
  cancelled: '已取消',
}

export const broadcastStateLabel = (state: string): string => BROADCAST_STATES[state as BroadcastState] ?? state

/** A group's outcome of a task: 已发送 ✓, 发送失败：<reason>（<code>）, or 待发送. */
export function targetOutcome(target: { state: TargetState | string; code: number | null; reason: string | null }) {
  switch (target.state) {
    case 'sent':
      return '已发送 ✓'
    case 'failed': {
      const reason = target.reason?.trim() || '发送失败'
      return `失败：${reason}${target.code ? `（${target.code}）` : ''}`
    }
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

// The keyword form's checks, and what its refusals say. Lengths count characters (an emoji is
// one), as the server does.
import { charCount } from '@gpet/common/content'
import { SAME_TIME, SENSITIVE_WORD } from '../api'

export const KEYWORD_MAX = 30
export const REPLY_MAX = 500

export interface KeywordDraft {
  keyword: string
  reply: string
}

/** What is sent: the keyword trimmed; the reply trimmed at both ends, its lines kept. */
export function normalizeKeyword(draft: KeywordDraft): KeywordDraft {
  return { keyword: draft.keyword.trim(), reply: draft.reply.trim() }
}

export function keywordError(raw: string): string | null {
  const keyword = raw.trim()
  if (!keyword) return '请输入关键词'
  if (charCount(keyword) > KEYWORD_MAX) return `关键词最多 ${KEYWORD_MAX} 个字`
  return null
}

export function replyError(raw: string): string | null {
  const reply = raw.trim()
  if (!reply) return '请输入回复内容'
  if (charCount(reply) > REPLY_MAX) return `回复内容最多 ${REPLY_MAX} 个字`
  return null
}

/** The first thing wrong with the form, or null. */
export function keywordFormError(draft: KeywordDraft): string | null {
  return keywordError(draft.keyword) ?? replyError(draft.reply)
}

/** What a refused keyword says: the matched words on 2003, a plain sentence on 2005. */
export function keywordSaveMessage(code: number, msg: string, words: string[]): string {
  if (code === SENSITIVE_WORD) return words.length ? `含敏感词：${words.join('、')}` : msg || '含敏感词'
  if (code === SAME_TIME) return '该关键词已存在'
  return msg || '保存失败，请稍后再试'
}

/** The scope of a keyword: its group's name, or all the owner's groups. */
export function keywordScope(groupId: number | null, groupName: string | null): string {
  return groupId === null ? '全部群' : groupName || `群 ${groupId}`
}

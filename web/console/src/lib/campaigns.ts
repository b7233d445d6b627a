// Ad campaigns (广告投放): the form of a campaign and its content, states, a one-line summary.
import { buildContent, charCount, emptyContentFields, type ContentFields } from '@gpet/common/content'
import type { Campaign, CampaignBody, CampaignState, Content, ContentKind } from '../api'
import { localInputToRfc3339, rfc3339ToLocalInput } from './dates'
import { isHttpUrl } from './robots'
import { lookOf, type Look } from './states'

export const CONTENT_KINDS: Array<{ value: ContentKind; label: string }> = [
  { value: 'text', label: '文字' },
  { value: 'link', label: '链接卡片' },
  { value: 'miniprogram', label: '小程序卡片' },
]

export const CAMPAIGN_STATES: Record<CampaignState, Look> = {
  scheduled: { label: '待投放', tone: 'primary' },
  sending: { label: '投放中', tone: 'warning' },
  done: { label: '已完成', tone: 'success' },
  cancelled: { label: '已取消', tone: 'default' },
}

/** The label and tag tone of a state (an unknown state shown as given). */
export const campaignState = (state: string): Look => lookOf(CAMPAIGN_STATES, state)

export const MAX_NAME = 64
export const MAX_TEXT = 1000
export const MAX_TITLE = 64
export const MAX_DESC = 200
export const MAX_PAGEPATH = 256

/** The content's fields (every field of every kind, so switching kinds keeps what was typed). */
export interface CampaignForm extends ContentFields {
  name: string
  min_stars: string
  /** A datetime-local value, China time. */
  starts_at: string
}

export function emptyCampaignForm(startsAt: string): CampaignForm {
  return { ...emptyContentFields(), name: '', min_stars: '3', starts_at: startsAt }
}

export function campaignToForm(c: Campaign): CampaignForm {
  const form = emptyCampaignForm(rfc3339ToLocalInput(c.starts_at))
  form.name = c.name
  form.min_stars = String(c.min_stars)
  const content = c.content
  form.kind = content.kind
  if (content.kind === 'text') form.text = content.text
  if (content.kind === 'link') {
    form.title = content.title
    form.desc = content.desc ?? ''
    form.url = content.url
    form.image_url = content.image_url ?? ''
  }
  if (content.kind === 'miniprogram') {
    form.title = content.title
    form.appid = content.appid
    form.pagepath = content.pagepath
    form.thumb_url = content.thumb_url ?? ''
  }
  return form
}

const tooLong = (text: string, max: number) => charCount(text) > max

/** The content the form's kind describes, or what is wrong with it. */
export function formToContent(form: CampaignForm): { content: Content } | { error: string } {
  if (form.kind === 'text') {
    const text = form.text.replace(/\r\n/g, '\n')
    if (!text.trim()) return { error: '请填写文字内容' }
    if (tooLong(text, MAX_TEXT)) return { error: `文字内容不能超过 ${MAX_TEXT} 个字` }
    return { content: buildContent({ ...form, text }) }
  }
  const title = form.title.trim()
  if (!title) return { error: '请填写标题' }
  if (tooLong(title, MAX_TITLE)) return { error: `标题不能超过 ${MAX_TITLE} 个字` }
  if (form.kind === 'link') {
    const desc = form.desc.trim()
    if (tooLong(desc, MAX_DESC)) return { error: `描述不能超过 ${MAX_DESC} 个字` }
    const url = form.url.trim()
    if (!url) return { error: '请填写链接地址' }
    if (!isHttpUrl(url)) return { error: '链接地址须以 http:// 或 https:// 开头' }
    const imageUrl = form.image_url.trim()
    if (imageUrl && !isHttpUrl(imageUrl)) return { error: '图片地址须以 http:// 或 https:// 开头' }
    return { content: buildContent(form) }
  }
  const appid = form.appid.trim()
  if (!appid) return { error: '请填写小程序 AppID' }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(appid)) return { error: '小程序 AppID 格式不正确' }
  const pagepath = form.pagepath.trim()
  if (!pagepath) return { error: '请填写小程序页面路径' }
  if (/\s/.test(pagepath) || pagepath.length > MAX_PAGEPATH) return { error: '小程序页面路径格式不正确' }
  const thumbUrl = form.thumb_url.trim()
  if (thumbUrl && !isHttpUrl(thumbUrl)) return { error: '封面图地址须以 http:// 或 https:// 开头' }
  return { content: buildContent(form) }
}

/** The body a campaign form describes, or the message naming the first thing wrong. */
export function formToCampaign(form: CampaignForm): { body: CampaignBody } | { error: string } {
  const name = form.name.trim()
  if (!name) return { error: '请填写投放名称' }
  if (tooLong(name, MAX_NAME)) return { error: `投放名称不能超过 ${MAX_NAME} 个字` }
  const content = formToContent(form)
  if ('error' in content) return content
  const stars = form.min_stars.trim()
  if (!/^[1-5]$/.test(stars)) return { error: '最低星级须为 1–5' }
  if (!form.starts_at) return { error: '请选择开始时间' }
  const startsAt = localInputToRfc3339(form.starts_at)
  if (!startsAt) return { error: '开始时间格式不正确' }
  return { body: { name, content: content.content, min_stars: Number(stars), starts_at: startsAt } }
}

/** One line saying what a content is, for lists. */
export function contentSummary(content: Content | null | undefined, max = 40): string {
  if (!content) return '—'
  let text: string
  switch (content.kind) {
    case 'text':
      text = `文字：${content.text.replace(/\s+/g, ' ').trim()}`
      break
    case 'link':
      text = `链接：${content.title}`
      break
    case 'miniprogram':
      text = `小程序：${content.title}`
      break
    default:
      text = '—'
  }
  const chars = [...text]
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text
}

/** Whether a campaign may still be edited or cancelled (only before it starts sending). */
export const isScheduled = (c: Pick<Campaign, 'state'>): boolean => c.state === 'scheduled'

/** The share of targets handled (sent or failed), 0–100, for the progress bar. */
export function targetProgress(targets: Campaign['targets'] | null | undefined): number {
  const total = Number(targets?.total) || 0
  if (total <= 0) return 0
  const done = (Number(targets?.sent) || 0) + (Number(targets?.failed) || 0)
  return Math.min(100, Math.round((done / total) * 100))
}

import { describe, expect, it } from 'vitest'
import type { Campaign } from '../api'
import {
  campaignToForm,
  contentSummary,
  emptyCampaignForm,
  formToCampaign,
  formToContent,
  isScheduled,
  targetProgress,
  type CampaignForm,
} from './campaigns'

const base: CampaignForm = { ...emptyCampaignForm('2026-12-01T09:30'), name: ' 双十二 ', text: '全场五折\r\n快来' }

describe('campaign form', () => {
  it('builds a text campaign in China time', () => {
    expect(formToCampaign(base)).toEqual({
      body: {
        name: '双十二',
        content: { kind: 'text', text: '全场五折\n快来' },
        min_stars: 3,
        starts_at: '2026-12-01T09:30:00+08:00',
      },
    })
  })

  it('builds link and mini-program cards, leaving out empty images', () => {
    const link = { ...base, kind: 'link' as const, title: ' 标题 ', desc: '描述', url: 'https://a.cn/x' }
    expect(formToContent(link)).toEqual({
      content: { kind: 'link', title: '标题', desc: '描述', url: 'https://a.cn/x' },
    })
    expect(formToContent({ ...link, image_url: 'https://a.cn/i.png' })).toEqual({
      content: { kind: 'link', title: '标题', desc: '描述', url: 'https://a.cn/x', image_url: 'https://a.cn/i.png' },
    })
    const mp = { ...base, kind: 'miniprogram' as const, title: '小程序', appid: 'wx1234567890abcdef', pagepath: 'pages/index?a=1' }
    expect(formToContent(mp)).toEqual({
      content: { kind: 'miniprogram', title: '小程序', appid: 'wx1234567890abcdef', pagepath: 'pages/index?a=1' },
    })
  })

  it('names what each kind is missing', () => {
    expect(formToCampaign({ ...base, name: '' })).toEqual({ error: '请填写投放名称' })
    expect(formToCampaign({ ...base, text: '  ' })).toEqual({ error: '请填写文字内容' })
    expect(formToCampaign({ ...base, kind: 'link' })).toEqual({ error: '请填写标题' })
    expect(formToCampaign({ ...base, kind: 'link', title: 't', url: 'a.cn' })).toEqual({
      error: '链接地址须以 http:// 或 https:// 开头',
    })
    expect(formToCampaign({ ...base, kind: 'miniprogram', title: 't' })).toEqual({ error: '请填写小程序 AppID' })
    expect(formToCampaign({ ...base, kind: 'miniprogram', title: 't', appid: 'wx1' })).toEqual({
      error: '请填写小程序页面路径',
    })
    expect(formToCampaign({ ...base, text: '字'.repeat(1001) })).toEqual({ error: '文字内容不能超过 1000 个字' })
  })

  it('keeps the stars within 1–5 and asks for a start time', () => {
    expect(formToCampaign({ ...base, min_stars: '0' })).toEqual({ error: '最低星级须为 1–5' })
    expect(formToCampaign({ ...base, min_stars: '6' })).toEqual({ error: '最低星级须为 1–5' })
    expect(formToCampaign({ ...base, starts_at: '' })).toEqual({ error: '请选择开始时间' })
    expect(formToCampaign({ ...base, starts_at: '2026-02-30T10:00' })).toEqual({ error: '开始时间格式不正确' })
  })

  it('round-trips a campaign from the server', () => {
    const campaign: Campaign = {
      id: 3,
      name: '小程序推广',
      content: { kind: 'miniprogram', title: '领券', appid: 'wxabc', pagepath: 'pages/a', thumb_url: 'https://a.cn/t.png' },
      min_stars: 4,
      launch_only: true,
      starts_at: '2026-12-01T01:30:00Z',
      state: 'scheduled',
      targets: { total: 0, sent: 0, failed: 0, pending: 0 },
      created_at: '2026-11-30T10:00:00+08:00',
    }
    const form = campaignToForm(campaign)
    expect(form.starts_at).toBe('2026-12-01T09:30')
    expect(formToCampaign(form)).toEqual({
      body: { name: '小程序推广', content: campaign.content, min_stars: 4, starts_at: '2026-12-01T09:30:00+08:00' },
    })
  })
})

describe('campaign list', () => {
  it('sums up a content in one line', () => {
    expect(contentSummary({ kind: 'text', text: '你好\n  世界' })).toBe('文字：你好 世界')
    expect(contentSummary({ kind: 'link', title: '标题', desc: '', url: 'https://a.cn' })).toBe('链接：标题')
    expect(contentSummary({ kind: 'text', text: '长'.repeat(50) }, 10)).toBe('文字：长长长长长长…')
    expect(contentSummary(null)).toBe('—')
  })

  it('lets only scheduled campaigns change, and shows progress', () => {
    expect(isScheduled({ state: 'scheduled' })).toBe(true)
    expect(isScheduled({ state: 'sending' })).toBe(false)
    expect(targetProgress({ total: 8, sent: 5, failed: 1, pending: 2 })).toBe(75)
    expect(targetProgress({ total: 0, sent: 0, failed: 0, pending: 0 })).toBe(0)
    expect(targetProgress(undefined)).toBe(0)
  })
})

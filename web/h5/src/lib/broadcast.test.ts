import { describe, expect, it } from 'vitest'
import { emptyContentFields, type ContentFields } from '@gpet/common/content'
import {
  allSelected,
  broadcastSaveMessage,
  broadcastStateLabel,
  contentSummary,
  defaultSendAt,
  draftError,
  localFromMs,
  previewKey,
  sendAtError,
  sendAtFromLocal,
  targetOutcome,
  toggleAll,
  toggleOne,
} from './broadcast'

const draft = (fields: Partial<ContentFields>): ContentFields => ({ ...emptyContentFields(), ...fields })

describe('draftError', () => {
  it('wants a text that is not blank', () => {
    expect(draftError(draft({ text: '' }))).toBe('请输入群发内容')
    expect(draftError(draft({ text: ' \n ' }))).toBe('请输入群发内容')
    expect(draftError(draft({ text: '你好' }))).toBeNull()
    expect(draftError(draft({ text: '字'.repeat(2001) }))).toMatch(/最多 2000/)
  })

  it('wants a link card’s title and an http(s) address', () => {
    const ok = { kind: 'link' as const, title: '标题', url: 'https://a.example/p?q=1' }
    expect(draftError(draft(ok))).toBeNull()
    expect(draftError(draft({ ...ok, title: ' ' }))).toBe('请输入标题')
    expect(draftError(draft({ ...ok, url: '' }))).toBe('请输入链接地址')
    expect(draftError(draft({ ...ok, url: 'a.example' }))).toMatch(/http/)
    expect(draftError(draft({ ...ok, url: 'javascript:alert(1)' }))).toMatch(/http/)
    expect(draftError(draft({ ...ok, image_url: 'ftp://a.example/i.png' }))).toMatch(/图片地址/)
    expect(draftError(draft({ ...ok, desc: '字'.repeat(201) }))).toMatch(/描述最多/)
    expect(draftError(draft({ ...ok, title: '字'.repeat(65) }))).toMatch(/标题最多/)
  })

  it('wants a mini-program card’s title, AppID and page', () => {
    const ok = { kind: 'miniprogram' as const, title: '商城', appid: 'wx1234', pagepath: 'pages/index' }
    expect(draftError(draft(ok))).toBeNull()
    expect(draftError(draft({ ...ok, appid: '' }))).toMatch(/AppID/)
    expect(draftError(draft({ ...ok, appid: 'wx 12' }))).toMatch(/空格/)
    expect(draftError(draft({ ...ok, pagepath: ' ' }))).toMatch(/页面路径/)
    expect(draftError(draft({ ...ok, thumb_url: 'thumb.png' }))).toMatch(/封面图/)
  })

  it('only checks the fields of the kind chosen', () => {
    expect(draftError(draft({ kind: 'text', text: 'hi', url: 'bad' }))).toBeNull()
  })
})

describe('previewKey', () => {
  it('changes with the content, and is null while it is not valid', () => {
    expect(previewKey(draft({ text: '' }))).toBeNull()
    const a = previewKey(draft({ text: 'a' }))
    const b = previewKey(draft({ text: 'a\n' }))
    expect(a).not.toBeNull()
    expect(a).not.toBe(b)
    expect(previewKey(draft({ text: 'a', title: 'ignored' }))).toBe(a)
  })
})

describe('send time', () => {
  it('reads a datetime-local value as Beijing time, to the minute', () => {
    expect(sendAtFromLocal('2026-11-26T20:30')).toBe('2026-11-26T20:30:00+08:00')
    expect(sendAtFromLocal('2026-11-26T20:30:59')).toBe('2026-11-26T20:30:00+08:00')
    expect(Date.parse(sendAtFromLocal('2026-11-27T00:05')!)).toBe(Date.parse('2026-11-26T16:05:00Z'))
  })

  it('refuses what is not a real time', () => {
    for (const value of ['', '2026-11-26', '2026-11-26 20:30', '2026-02-30T10:00', '2026-11-26T25:00', 'soon']) {
      expect(sendAtFromLocal(value), value).toBeNull()
    }
    expect(sendAtError('')).toBe('请选择发送时间')
    expect(sendAtError('2026-13-01T10:00')).toBe('发送时间格式不正确')
    expect(sendAtError('2026-11-26T20:30')).toBeNull()
  })

  it('shows a moment in Beijing time', () => {
    expect(localFromMs(Date.parse('2026-11-26T16:05:00Z'))).toBe('2026-11-27T00:05')
  })

  it('starts the picker half an hour on, on 5 minutes', () => {
    expect(defaultSendAt(Date.parse('2026-11-26T12:01:30+08:00'))).toBe('2026-11-26T12:35')
    expect(defaultSendAt(Date.parse('2026-11-26T12:05:00+08:00'))).toBe('2026-11-26T12:35')
    expect(defaultSendAt(Date.parse('2026-11-26T23:50:00+08:00'))).toBe('2026-11-27T00:20')
  })
})

describe('group selection', () => {
  it('selects all, then none', () => {
    expect(toggleAll([], [1, 2, 3])).toEqual([1, 2, 3])
    expect(toggleAll([2], [1, 2, 3])).toEqual([1, 2, 3])
    expect(toggleAll([3, 1, 2], [1, 2, 3])).toEqual([])
    expect(allSelected([1, 2, 3], [1, 2, 3])).toBe(true)
    expect(allSelected([], [])).toBe(false)
  })

  it('toggles one', () => {
    expect(toggleOne([1], 2)).toEqual([1, 2])
    expect(toggleOne([1, 2], 1)).toEqual([2])
  })
})

describe('answers', () => {
  it('says why a task was refused', () => {
    expect(broadcastSaveMessage(2003, 'sensitive word', ['赌博'])).toBe('含敏感词：赌博')
    expect(broadcastSaveMessage(2005, 'exists', [])).toBe('该时间已有群发任务，请换一个时间')
    expect(broadcastSaveMessage(1404, 'not found', [])).toMatch(/重新选择/)
    expect(broadcastSaveMessage(1403, '账号已冻结', [])).toBe('账号已冻结')
  })

  it('names task states', () => {
    expect(broadcastStateLabel('scheduled')).toBe('待发送')
    expect(broadcastStateLabel('sending')).toBe('发送中')
    expect(broadcastStateLabel('done')).toBe('已完成')
    expect(broadcastStateLabel('cancelled')).toBe('已取消')
    expect(broadcastStateLabel('odd')).toBe('odd')
  })

  it('tells each group’s outcome', () => {
    expect(targetOutcome({ state: 'sent', code: null, reason: null })).toBe('已发送 ✓')
    expect(targetOutcome({ state: 'pending', code: null, reason: null })).toBe('待发送')
    expect(targetOutcome({ state: 'failed', code: 1602, reason: '机器人不在群内' })).toBe('失败：机器人不在群内（1602）')
    expect(targetOutcome({ state: 'failed', code: null, reason: null })).toBe('失败：发送失败')
  })

  it('sums a content up in one line', () => {
    expect(contentSummary({ kind: 'text', text: '\n第一行\n第二行  ' })).toBe('第一行 第二行')
    expect(contentSummary({ kind: 'text', text: '字'.repeat(50) }, 10)).toBe(`${'字'.repeat(10)}…`)
    expect(contentSummary({ kind: 'link', title: '双十一', desc: '', url: 'https://a.example' })).toBe('[链接] 双十一')
    expect(contentSummary({ kind: 'miniprogram', title: '商城', appid: 'wx1', pagepath: 'p' })).toBe('[小程序] 商城')
  })
})

import { describe, expect, it } from 'vitest'
import { emptyContentFields, type ContentFields } from '@gpet/common/content'
import {
  allSelected,
  broadcastSaveMessage,
  broadcastStateLabel,
  contentSummary,
  broadcastProgress,
  createdNotice,
  defaultSendAt,
  draftError,
  earliestSendAt,
  latestSendAt,
  localFromMs,
  msFromWall,
  pickerLabel,
  plainMessage,
  previewKey,
  sendAtError,
  sendAtIso,
  sendAtLabel,
  targetOutcome,
  wallFromMs,
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
  const at = (iso: string) => Date.parse(iso)

  it('shows a moment in Beijing time', () => {
    expect(localFromMs(at('2026-11-26T16:05:00Z'))).toBe('2026-11-27T00:05')
    expect(sendAtIso(at('2026-11-26T16:05:00Z'))).toBe('2026-11-27T00:05:00+08:00')
    expect(sendAtLabel(at('2026-12-07T23:05:00Z'))).toBe('12月8日 07:05')
  })

  it('gives the picker dates whose own fields read as Beijing time, whatever the timezone', () => {
    const wall = wallFromMs(at('2026-11-26T16:05:40Z'))
    expect([wall.getFullYear(), wall.getMonth(), wall.getDate(), wall.getHours(), wall.getMinutes()]).toEqual([
      2026, 10, 27, 0, 5,
    ])
    expect(msFromWall(wall)).toBe(at('2026-11-27T00:05:00+08:00'))
    expect(msFromWall(new Date(2026, 1, 28, 23, 59, 30))).toBe(at('2026-02-28T23:59:00+08:00'))
  })

  it('lets only the future be picked, from the next whole minute', () => {
    expect(earliestSendAt(at('2026-11-26T12:01:30+08:00'))).toBe(at('2026-11-26T12:02:00+08:00'))
    expect(earliestSendAt(at('2026-11-26T12:01:00+08:00'))).toBe(at('2026-11-26T12:02:00+08:00'))
    expect(latestSendAt(0)).toBe(30 * 86_400_000)
    const now = at('2026-11-26T12:01:30+08:00')
    expect(sendAtError(null, now)).toBe('请选择发送时间')
    expect(sendAtError(at('2026-11-26T12:01:00+08:00'), now)).toMatch(/已过.*将来/)
    expect(sendAtError(at('2026-11-26T12:02:00+08:00'), now)).toBeNull()
  })

  it('starts the picker half an hour on, on 5 minutes', () => {
    expect(localFromMs(defaultSendAt(at('2026-11-26T12:01:30+08:00')))).toBe('2026-11-26T12:35')
    expect(localFromMs(defaultSendAt(at('2026-11-26T12:05:00+08:00')))).toBe('2026-11-26T12:35')
    expect(localFromMs(defaultSendAt(at('2026-11-26T23:50:00+08:00')))).toBe('2026-11-27T00:20')
  })

  it('labels the picker’s columns in Chinese', () => {
    expect(['year', 'month', 'day', 'hour', 'minute'].map((t, i) => pickerLabel(t, [2026, 12, 8, 9, 5][i]))).toEqual([
      '2026年',
      '12月',
      '8日',
      '09时',
      '05分',
    ])
  })

  it('says when a task goes, the next free minute included', () => {
    const now = at('2026-11-26T12:01:30+08:00')
    expect(createdNotice('2026-11-26T12:01:00+08:00', 2, false, now)).toBe('已开始群发到 2 个群，12:01 发出')
    expect(createdNotice('2026-11-26T12:02:00+08:00', 1, false, now)).toBe(
      '已开始群发到 1 个群：这一分钟已有群发，本条将于 12:02 发出',
    )
    expect(createdNotice('2026-11-26T20:30:00+08:00', 3, true, now)).toBe('已创建定时群发，将于 11月26日 20:30 发送到 3 个群')
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
    expect(broadcastSaveMessage(2005, 'exists', [])).toBe('这个时间已有群发，请换一个时间')
    expect(broadcastSaveMessage(1404, 'not found', [])).toMatch(/重新选择/)
    expect(broadcastSaveMessage(1403, '账号已冻结', [])).toBe('账号已冻结')
    expect(broadcastSaveMessage(1403, 'send_at 不能早于现在', [])).toBe('发送时间不能早于现在')
    expect(broadcastSaveMessage(1403, 'bad request', [])).toBe('提交失败，请稍后再试')
  })

  it('never shows field names or codes', () => {
    expect(plainMessage('group_ids 不能为空', 'x')).toBe('所选的群不能为空')
    expect(plainMessage('机器人不在群内（1602）', 'x')).toBe('机器人不在群内')
    expect(plainMessage('机器人平台拒绝发送（50000 injected failure）', 'x')).toBe('机器人平台拒绝发送')
    expect(plainMessage('机器人不在群内（请重新拉群）', 'x')).toBe('机器人不在群内（请重新拉群）')
    expect(plainMessage('发送失败，错误码 2501', 'x')).toBe('发送失败，')
    expect(plainMessage('foo_bar', '请稍后再试')).toBe('请稍后再试')
    expect(plainMessage(null, '请稍后再试')).toBe('请稍后再试')
  })

  it('says how far a task got, 待发送 before it goes', () => {
    const t = (...states: string[]) => states.map((state) => ({ state }))
    expect(broadcastProgress({ state: 'scheduled', targets: t('pending', 'pending') })).toBe('2 个群，待发送')
    expect(broadcastProgress({ state: 'sending', targets: t('sent', 'pending') })).toBe('2 个群，已发送 1/2')
    expect(broadcastProgress({ state: 'done', targets: t('sent', 'sent') })).toBe('2 个群，全部发送成功')
    expect(broadcastProgress({ state: 'done', targets: t('sent', 'failed') })).toBe('2 个群，成功 1，失败 1')
    expect(broadcastProgress({ state: 'cancelled', targets: t('pending') })).toBe('1 个群，已取消')
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
    expect(targetOutcome({ state: 'failed', code: 1602, reason: '机器人不在群内' })).toBe('发送失败：机器人不在群内')
    expect(targetOutcome({ state: 'failed', code: 1602, reason: 'robot offline (1602)' })).toMatch(/^发送失败：[^0-9]+$/)
  })

  it('sums a content up in one line', () => {
    expect(contentSummary({ kind: 'text', text: '\n第一行\n第二行  ' })).toBe('第一行 第二行')
    expect(contentSummary({ kind: 'text', text: '字'.repeat(50) }, 10)).toBe(`${'字'.repeat(10)}…`)
    expect(contentSummary({ kind: 'link', title: '双十一', desc: '', url: 'https://a.example' })).toBe('[链接] 双十一')
    expect(contentSummary({ kind: 'miniprogram', title: '商城', appid: 'wx1', pagepath: 'p' })).toBe('[小程序] 商城')
  })
})

import { describe, expect, it } from 'vitest'
import {
  keywordError,
  keywordFormError,
  keywordSaveMessage,
  keywordScope,
  normalizeKeyword,
  replyError,
} from './keywords'

describe('keywordError', () => {
  it('takes 1–30 characters, once trimmed', () => {
    expect(keywordError('价格')).toBeNull()
    expect(keywordError('字'.repeat(30))).toBeNull()
    expect(keywordError(`  ${'字'.repeat(30)}  `)).toBeNull()
    expect(keywordError('😀'.repeat(30))).toBeNull()
  })

  it('refuses nothing and too much', () => {
    expect(keywordError('')).toBe('请输入关键词')
    expect(keywordError('   ')).toBe('请输入关键词')
    expect(keywordError('字'.repeat(31))).toBe('关键词最多 30 个字')
  })
})

describe('replyError', () => {
  it('takes 1–500 characters, newlines included', () => {
    expect(replyError('第一行\n第二行')).toBeNull()
    expect(replyError('字'.repeat(500))).toBeNull()
  })

  it('refuses nothing and too much', () => {
    expect(replyError('\n \n')).toBe('请输入回复内容')
    expect(replyError('字'.repeat(501))).toBe('回复内容最多 500 个字')
  })
})

describe('keywordFormError', () => {
  it('says the first thing wrong', () => {
    expect(keywordFormError({ keyword: '', reply: '' })).toBe('请输入关键词')
    expect(keywordFormError({ keyword: '价格', reply: '' })).toBe('请输入回复内容')
    expect(keywordFormError({ keyword: '价格', reply: '9.9 元' })).toBeNull()
  })
})

describe('normalizeKeyword', () => {
  it('trims both, keeping the reply’s inner lines', () => {
    expect(normalizeKeyword({ keyword: ' 价格 ', reply: '\n第一行\n\n第二行  \n' })).toEqual({
      keyword: '价格',
      reply: '第一行\n\n第二行',
    })
  })
})

describe('keywordSaveMessage', () => {
  it('lists the sensitive words of a 2003', () => {
    expect(keywordSaveMessage(2003, 'sensitive word', ['赌博', '代开发票'])).toBe('含敏感词：赌博、代开发票')
    expect(keywordSaveMessage(2003, '含敏感词', [])).toBe('含敏感词')
  })

  it('says a 2005 keyword exists', () => {
    expect(keywordSaveMessage(2005, 'same-time record exists', [])).toBe('该关键词已存在')
  })

  it('shows the server’s message otherwise', () => {
    expect(keywordSaveMessage(1404, '群不存在', [])).toBe('群不存在')
  })
})

describe('keywordScope', () => {
  it('names the group, or all groups', () => {
    expect(keywordScope(null, null)).toBe('全部群')
    expect(keywordScope(3, '宝妈群')).toBe('宝妈群')
    expect(keywordScope(3, null)).toBe('群 3')
  })
})

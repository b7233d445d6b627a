import { describe, expect, it } from 'vitest'
import { documentTitle, pageName, pageTitle } from './titles'

describe('page titles', () => {
  it('names every page of the app', () => {
    expect(pageTitle('/')).toBe('首页 · 群宠')
    expect(pageTitle('/wallet')).toBe('我的钱包 · 群宠')
    expect(pageTitle('/groups/12')).toBe('群详情 · 群宠')
    expect(pageTitle('/withdrawals/7')).toBe('提现详情 · 群宠')
    expect(pageTitle('/bind-phone')).toBe('绑定手机号 · 群宠')
    expect(pageName('/broadcasts/')).toBe('群发消息')
  })

  it('says 页面不存在 for any other path', () => {
    expect(pageName('/nope')).toBe('页面不存在')
    expect(pageName('/groups/abc')).toBe('页面不存在')
  })

  it('joins a name to the app name, or keeps the app name alone', () => {
    expect(documentTitle(' 萌宠群 ')).toBe('萌宠群 · 群宠')
    expect(documentTitle('')).toBe('群宠')
  })
})

import { describe, expect, it } from 'vitest'
import { inWechat, inviteCard, signedUrl, transferOutcome } from './wechat'

const IPHONE_WECHAT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x18003237) NetType/WIFI Language/zh_CN'
const ANDROID_WECHAT =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN'
const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'

describe('the URL WeChat checks the signature against', () => {
  const landing = 'https://qun.example.cn/?invite=ABC#top'
  const current = 'https://qun.example.cn/invite#share'

  it('is the current page without its fragment, on Android and outside WeChat', () => {
    expect(signedUrl(ANDROID_WECHAT, current, landing)).toBe('https://qun.example.cn/invite')
    expect(signedUrl(DESKTOP, current, landing)).toBe('https://qun.example.cn/invite')
  })

  it('is the page the app was entered by on iOS, where WeChat keeps it', () => {
    expect(signedUrl(IPHONE_WECHAT, current, landing)).toBe('https://qun.example.cn/?invite=ABC')
  })

  it('knows WeChat by its user agent', () => {
    expect(inWechat(IPHONE_WECHAT)).toBe(true)
    expect(inWechat(ANDROID_WECHAT)).toBe(true)
    expect(inWechat(DESKTOP)).toBe(false)
  })
})

describe('requestMerchantTransfer outcomes', () => {
  it('reads err_msg as WeChat writes it', () => {
    expect(transferOutcome('requestMerchantTransfer:ok')).toBe('ok')
    expect(transferOutcome('requestMerchantTransfer:cancel')).toBe('cancel')
    expect(transferOutcome('requestMerchantTransfer:fail')).toBe('fail')
    expect(transferOutcome('requestMerchantTransfer:fail permission denied')).toBe('fail')
    expect(transferOutcome('')).toBe('fail')
  })
})

describe('the invite card', () => {
  it('carries the owner, their avatar and their invite link', () => {
    const card = inviteCard('张伟', 'https://qun.example.cn/a.png', 'https://qun.example.cn/s/Ab3')
    expect(card.title).toContain('张伟')
    expect(card.desc.length).toBeGreaterThan(0)
    expect(card.link).toBe('https://qun.example.cn/s/Ab3')
    expect(card.imgUrl).toBe('https://qun.example.cn/a.png')
  })
})

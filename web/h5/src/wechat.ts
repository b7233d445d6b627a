// WeChat's JS-SDK: configured once per signed page with `/api/wechat/js-config`, then used for
// share cards and for the owner's confirmation of a WeChat Pay transfer. The script is the one
// the API names: WeChat's in production, the sandbox's stand-in locally.

import { api } from './api'

export interface JsConfig {
  app_id: string
  timestamp: number
  nonce_str: string
  signature: string
  script_url: string
}

/** What the app asks of the JS-SDK. */
export const JS_API_LIST = ['updateAppMessageShareData', 'updateTimelineShareData', 'requestMerchantTransfer']

interface WxResult {
  errMsg: string
  checkResult?: Record<string, boolean>
}

interface WxCallbacks {
  success?: (res: WxResult) => void
  fail?: (res: WxResult) => void
  cancel?: (res: WxResult) => void
  complete?: (res: WxResult) => void
}

export interface Wx {
  config(options: {
    debug: boolean
    appId: string
    timestamp: number
    nonceStr: string
    signature: string
    jsApiList: string[]
  }): void
  ready(callback: () => void): void
  error(callback: (res: WxResult) => void): void
  checkJsApi(options: { jsApiList: string[] } & WxCallbacks): void
  updateAppMessageShareData(options: ShareCard & WxCallbacks): void
  updateTimelineShareData(options: Omit<ShareCard, 'desc'> & WxCallbacks): void
}

interface Bridge {
  invoke(name: string, params: Record<string, string>, callback: (res: { err_msg: string }) => void): void
}

declare global {
  interface Window {
    wx?: Wx
    WeixinJSBridge?: Bridge
  }
}

/** True inside WeChat's browser. */
export const inWechat = (userAgent: string): boolean => /MicroMessenger/i.test(userAgent)

/**
 * The URL WeChat checks the signature against, without its fragment: on iOS WeChat keeps the URL
 * the single-page app was entered by, elsewhere it takes the current one.
 */
export function signedUrl(userAgent: string, current: string, landing: string): string {
  const page = /iPhone|iPad|iPod/i.test(userAgent) && inWechat(userAgent) ? landing : current
  return page.split('#')[0]
}

const landingUrl = typeof location === 'undefined' ? '' : location.href

const scripts = new Map<string, Promise<void>>()

function loadScript(src: string): Promise<void> {
  let loading = scripts.get(src)
  if (!loading) {
    loading = new Promise<void>((resolve, reject) => {
      const script = document.createElement('script')
      script.src = src
      script.async = true
      script.onload = () => resolve()
      script.onerror = () => {
        scripts.delete(src)
        reject(new Error('微信 JS-SDK 加载失败'))
      }
      document.head.appendChild(script)
    })
    scripts.set(src, loading)
  }
  return loading
}

let configured: { url: string; ready: Promise<Wx> } | null = null

/** The error of a page opened outside WeChat. */
export const OUTSIDE_WECHAT = '请在微信中打开'

/** The JS-SDK configured for this page; rejects with WeChat's errMsg when `wx.config` fails. */
export function wechatReady(): Promise<Wx> {
  const url = signedUrl(navigator.userAgent, location.href, landingUrl)
  if (configured?.url === url) return configured.ready
  const ready = (async () => {
    const config = await api<JsConfig>(`/api/wechat/js-config?url=${encodeURIComponent(url)}`, { login: false })
    await loadScript(config.script_url)
    const wx = window.wx
    if (!wx) throw new Error('微信 JS-SDK 加载失败')
    // Outside WeChat its script never becomes ready (nothing answers it): say so now.
    if (!inWechat(navigator.userAgent) && !window.WeixinJSBridge) throw new Error(OUTSIDE_WECHAT)
    await new Promise<void>((resolve, reject) => {
      wx.error((res) => reject(new Error(res.errMsg)))
      // WeChat runs `ready` after a failed check too: `error` comes first, and wins.
      wx.ready(() => setTimeout(resolve, 0))
      wx.config({
        debug: false,
        appId: config.app_id,
        timestamp: config.timestamp,
        nonceStr: config.nonce_str,
        signature: config.signature,
        jsApiList: JS_API_LIST,
      })
    })
    return wx
  })()
  configured = { url, ready }
  ready.catch(() => {
    if (configured?.ready === ready) configured = null
  })
  return ready
}

export interface ShareCard {
  title: string
  desc: string
  /** The invite link (a short link of the site). */
  link: string
  imgUrl: string
}

/** The card an owner's invite is shared as. */
export function inviteCard(nickname: string, avatarUrl: string, inviteUrl: string): ShareCard {
  return {
    title: `${nickname} 邀请你加入群宠`,
    desc: '把群宠机器人拉进你的微信群，群越活跃，每天收益越多。',
    link: inviteUrl,
    imgUrl: avatarUrl,
  }
}

/** Sets the card WeChat shares this page as (to a friend and to Moments). */
export async function setShareCard(card: ShareCard): Promise<void> {
  const wx = await wechatReady()
  const set = (apply: (callbacks: WxCallbacks) => void) =>
    new Promise<void>((resolve, reject) =>
      apply({ success: () => resolve(), fail: (res) => reject(new Error(res.errMsg)) }),
    )
  await Promise.all([
    set((callbacks) => wx.updateAppMessageShareData({ ...card, ...callbacks })),
    set((callbacks) => wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl, ...callbacks })),
  ])
}

/** Sets the share card, quietly: a page works the same without it (outside WeChat, say). */
export function shareQuietly(card: ShareCard): void {
  setShareCard(card).catch(() => undefined)
}

export type TransferOutcome = 'ok' | 'cancel' | 'fail'

/** `requestMerchantTransfer`'s err_msg as an outcome ("ok" means the page was shown and left). */
export function transferOutcome(errMsg: string): TransferOutcome {
  const result = errMsg.slice(errMsg.indexOf(':') + 1)
  if (result === 'ok') return 'ok'
  if (result === 'cancel') return 'cancel'
  return 'fail'
}

/** Whether this WeChat can confirm a transfer: the bridge is there and the API is allowed. */
export async function transferSupported(): Promise<boolean> {
  const wx = await wechatReady()
  if (!window.WeixinJSBridge) return false
  return new Promise<boolean>((resolve) =>
    wx.checkJsApi({
      jsApiList: ['requestMerchantTransfer'],
      success: (res) => resolve(Boolean(res.checkResult?.requestMerchantTransfer)),
      fail: () => resolve(false),
    }),
  )
}

/** Opens WeChat's page where the owner accepts a transfer bill. */
export async function requestMerchantTransfer(mchId: string, appId: string, packageInfo: string): Promise<TransferOutcome> {
  await wechatReady()
  const bridge = window.WeixinJSBridge
  if (!bridge) return 'fail'
  return new Promise<TransferOutcome>((resolve) =>
    bridge.invoke('requestMerchantTransfer', { mchId, appId, package: packageInfo }, (res) =>
      resolve(transferOutcome(res.err_msg)),
    ),
  )
}

// Each page's document title: "我的钱包 · 群宠", by the path the app is on.

export const APP_NAME = '群宠'

const TITLES: [RegExp, string][] = [
  [/^\/$/, '首页'],
  [/^\/login$/, '登录'],
  [/^\/bind-phone$/, '绑定手机号'],
  [/^\/identity$/, '实名认证'],
  [/^\/invite$/, '邀请好友'],
  [/^\/robots$/, '领取机器人'],
  [/^\/groups$/, '我的群'],
  [/^\/groups\/\d+$/, '群详情'],
  [/^\/keywords$/, '关键词回复'],
  [/^\/broadcasts$/, '群发消息'],
  [/^\/wallet$/, '我的钱包'],
  [/^\/withdraw$/, '提现'],
  [/^\/withdrawals$/, '提现记录'],
  [/^\/withdrawals\/\d+$/, '提现详情'],
]

/** A page's name, joined to the app's: "我的钱包 · 群宠"; the app's alone for an empty name. */
export function documentTitle(name: string): string {
  const n = name.trim()
  return n ? `${n} · ${APP_NAME}` : APP_NAME
}

/** The name of the page at `pathname` (a trailing slash ignored); 页面不存在 for any other path. */
export function pageName(pathname: string): string {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname
  return TITLES.find(([re]) => re.test(path))?.[1] ?? '页面不存在'
}

/** The document title of the page at `pathname`. */
export const pageTitle = (pathname: string): string => documentTitle(pageName(pathname))

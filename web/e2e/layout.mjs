// Helpers of the H5 layout and UI tests (issue 15): owners and groups with the longest names,
// and what is wrong with a page's layout as shown.
import {
  BASE,
  emitRobotEvents,
  eventually,
  h5Api,
  loginWithOpenid,
  robotSent,
  sandboxApi,
  uniqueId,
} from './browser.mjs'

export const WIDTHS = [320, 375, 414]

/** `n` CJK characters (no spaces, nowhere to break but between characters). */
export const cjk = (n, seed = '萌宠乐园欢聚一堂快乐分享每日好运') =>
  Array.from({ length: n }, (_, i) => [...seed][i % [...seed].length]).join('')

/** WeChat's longest group name and nickname (characters). */
export const GROUP_NAME_MAX = 30
export const NICKNAME_MAX = 32

/**
 * A new WeChat user (with `nickname`) logged in on a phone-sized page at `/`, the context with
 * touch so that taps are taps; `done()` closes it.
 */
export async function ownerNamed(browser, nickname, width = 375) {
  const openid = `o_e2e_layout_${uniqueId()}`
  await sandboxApi('POST', '/sandbox/wechat/users', { openid, nickname })
  const context = await browser.newContext({
    viewport: { width, height: 812 },
    deviceScaleFactor: 2,
    locale: 'zh-CN',
    hasTouch: true,
    isMobile: true,
  })
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (error) => errors.push(error))
  await page.goto(`${BASE}/`)
  await loginWithOpenid(page, openid)
  await page.waitForURL((url) => url.pathname === '/')
  return { page, context, errors, done: () => context.close() }
}

/**
 * Brings an offered robot into a new group named `name` (30 members, the owner its owner) for the
 * owner on `page` (phone bound); answers {id, wxid, name, owner, robotWxid} once it is active.
 */
export async function namedGroup(page, name) {
  const [offer] = (await h5Api(page, 'POST', '/api/robots/assign')).robots
  const id = uniqueId()
  const owner = `wxid_e2e_layout_${id}`
  const wxid = `e2e_layout_${id}@chatroom`
  await emitRobotEvents([{ type: 'friend_added', robot_wxid: offer.robot_wxid, user_wxid: owner, text: offer.pairing_code }])
  await eventually(
    async () => (await robotSent({ user: owner })).some((m) => m.content?.text?.includes('配对成功')),
    'the robot confirming the pairing',
  )
  await emitRobotEvents([
    { type: 'joined_group', robot_wxid: offer.robot_wxid, group_wxid: wxid, group_name: name, inviter_wxid: owner, member_count: 30 },
  ])
  const active = await eventually(async () => {
    const { items } = await h5Api(page, 'GET', '/api/groups')
    return items.find((g) => g.group_wxid === wxid && g.state === 'active')
  }, 'the group to turn active')
  return { id: active.id, wxid, name, owner, robotWxid: offer.robot_wxid }
}

/**
 * What is wrong with the page's layout as shown: horizontal overflow, text elements broken one
 * character a line (≥ 2 CJK characters, taller than 2 lines, narrower than 2 characters), and
 * internal codes in its text ("（1602）", "错误码 2501").
 */
export function layoutProblems(page, width) {
  return page.evaluate((width) => {
    const problems = []
    const scroller = document.scrollingElement
    // A mobile browser widens its layout viewport (innerWidth) to wide content: the page's
    // width is the phone's.
    const fits = Math.min(window.innerWidth, width ?? window.innerWidth)
    if (scroller.scrollWidth > fits) {
      const wide = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > fits + 0.5)
        .filter((el) => el.getBoundingClientRect().width > 0)
        .slice(0, 3)
        .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`)
      problems.push(`overflows: scrollWidth ${scroller.scrollWidth} > ${fits} (${wide.join(', ')})`)
    }
    // Hidden on purpose (screen-reader text, a clipped box): not what anyone sees.
    const hidden = (el) => {
      for (let e = el; e && e !== document.body; e = e.parentElement) {
        const r = e.getBoundingClientRect()
        const s = getComputedStyle(e)
        if (s.display === 'none' || s.visibility === 'hidden') return true
        if (r.width <= 1 || r.height <= 1) return true
      }
      return false
    }
    const cjkChars = /[\u3400-\u9fff]/g
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes]
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent)
        .join('')
      if ((own.match(cjkChars) ?? []).length < 2) continue
      const r = el.getBoundingClientRect()
      if (!r.height || hidden(el)) continue
      const s = getComputedStyle(el)
      const font = parseFloat(s.fontSize)
      const line = s.lineHeight === 'normal' ? font * 1.4 : parseFloat(s.lineHeight)
      // The room the text has: the box less its padding and borders.
      const px = (v) => parseFloat(v) || 0
      const room = r.width - px(s.paddingLeft) - px(s.paddingRight) - px(s.borderLeftWidth) - px(s.borderRightWidth)
      if (r.height > 2 * line + 1 && room < 2 * font) {
        problems.push(`broken one character a line: "${own.trim().slice(0, 12)}" (${Math.round(r.width)}×${Math.round(r.height)} px)`)
      }
    }
    const text = document.body.innerText
    const code = text.match(/[（(]\s*\d{4}\s*[）)]|错误码\s*\d+/)
    if (code) problems.push(`internal code on the page: "${code[0]}"`)
    return problems
  }, width)
}

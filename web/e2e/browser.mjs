// Shared set-up of the browser tests: Debian's chromium driven by playwright-core.
import { mkdir } from 'node:fs/promises'
import { chromium } from 'playwright-core'

export const BASE = (process.env.GPET_BASE_URL || 'http://127.0.0.1:3000').replace(/\/$/, '')
export const SANDBOX = (process.env.GPET_SANDBOX_URL || 'http://127.0.0.1:3900').replace(/\/$/, '')
export const ADMIN_PASSWORD = process.env.GPET_DEMO_ADMIN_PASSWORD || 'gpet-admin'

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}

/** A fresh context (no cookies) the size of a phone, for the H5 app. */
export const phoneContext = (browser) =>
  browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, locale: 'zh-CN' })

/** A fresh context (no cookies) the size of a laptop, for the console. */
export const desktopContext = (browser) => browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })

const screenshots = new URL('./screenshots/', import.meta.url)

export async function screenshot(page, name) {
  await mkdir(screenshots, { recursive: true })
  await page.screenshot({ path: new URL(`${name}.png`, screenshots).pathname, fullPage: true })
}

/** True for a URL on the sandbox's side (its WeChat authorize page). */
export const onSandbox = (url) => url.href.startsWith(`${SANDBOX}/`)

/**
 * On the sandbox's WeChat authorize page: picks the first demo user and answers the text the
 * sandbox shows for them (their nickname, maybe with more around it).
 */
export async function pickFirstDemoUser(page) {
  await page.waitForURL(onSandbox)
  const user = page.locator('[data-openid]').first()
  const text = (await user.innerText()).trim()
  await user.click()
  return text
}

// --- Helpers of the robots and groups tests (issue 4) ---------------------------------------

/** Unique enough for openids, wxids and names across runs against the same database. */
export const uniqueId = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Calls `check` until it answers something truthy (which is answered); fails after `ms`. */
export async function eventually(check, what, ms = 20_000, every = 250) {
  const deadline = Date.now() + ms
  for (;;) {
    const answer = await check()
    if (answer) return answer
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(every)
  }
}

/** A JSON request from node; answers the HTTP status and the parsed body. */
async function request(method, url, token, body) {
  const res = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let json
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`${method} ${url}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`)
  }
  return { status: res.status, json }
}

/** The console API as an operator: `data` of a 1200 envelope, anything else throws. */
export async function consoleApi(token, method, path, body) {
  const { status, json } = await request(method, `${BASE}${path}`, token, body)
  if (json.code !== 1200) throw new Error(`${method} ${path}: HTTP ${status} ${json.code} ${json.msg}`)
  return json.data
}

/** Logs in to the console API; answers the bearer token. */
export const consoleToken = async (username = 'admin', password = ADMIN_PASSWORD) =>
  (await consoleApi(null, 'POST', '/api/console/auth/login', { username, password })).token

/** A sandbox route: its JSON answer (HTTP 2xx, else throws). */
export async function sandboxApi(method, path, body) {
  const { status, json } = await request(method, `${SANDBOX}${path}`, null, body)
  if (status < 200 || status > 299) throw new Error(`${method} ${path}: HTTP ${status} ${JSON.stringify(json)}`)
  return json
}

/** Makes the sandbox's robot platform send `events` (signed) to gpet; fails unless accepted. */
export async function emitRobotEvents(events) {
  const answer = await sandboxApi('POST', '/sandbox/robot/events', { events })
  if (answer.status !== 200 || answer.answer?.code !== 1200) {
    throw new Error(`robot events not accepted: ${JSON.stringify(answer)}`)
  }
  return answer
}

/** What the sandbox's robots sent to a group (`{group}`) or a person (`{user}`), oldest first. */
export async function robotSent({ group, user }) {
  const query = new URLSearchParams({ ...(group ? { group } : {}), ...(user ? { user } : {}) })
  return (await sandboxApi('GET', `/sandbox/robot/sent?${query}`)).items
}

/** Runs a scheduled job of the local host now; answers its report once it has finished. */
export async function runJob(name) {
  const { status, json } = await request('POST', `${BASE}/_local/jobs/${name}`)
  if (status !== 200) throw new Error(`job ${name}: HTTP ${status} ${JSON.stringify(json)}`)
  return json.data
}

/** The local host's business clock: {business_day, now, offset_seconds}. */
export const businessClock = async () => (await request('GET', `${BASE}/_local/clock`)).json.data

/** Moves the local host's business clock to `offset_seconds` from the real time. */
export async function setClockOffset(offsetSeconds) {
  const { status, json } = await request('PUT', `${BASE}/_local/clock`, null, { offset_seconds: offsetSeconds })
  if (status !== 200) throw new Error(`PUT /_local/clock: HTTP ${status} ${JSON.stringify(json)}`)
  return json.data
}

/**
 * On the sandbox's WeChat authorize page: logs in as `openid` (an openid the sandbox has not
 * seen becomes a new demo user), which lands back in the app.
 */
export async function loginWithOpenid(page, openid) {
  await page.waitForURL(onSandbox)
  const url = new URL(page.url())
  url.searchParams.set('sandbox_openid', openid)
  await page.goto(url.href)
}

/**
 * On /bind-phone: binds a fresh phone number (139 + 8 random digits) with the code the sandbox
 * "sent" to it. Answers the phone; the page then leaves for its redirect.
 */
export async function bindFreshPhone(page) {
  const phone = `139${String(Math.floor(Math.random() * 100_000_000)).padStart(8, '0')}`
  const sms = async () => (await sandboxApi('GET', `/sandbox/sms?phone=${phone}`)).messages
  const seen = (await sms()).length
  await page.getByRole('textbox', { name: '手机号' }).fill(phone)
  await page.getByTestId('send-code').click()
  await page.locator('[data-testid="code-sent"], [data-testid="form-error"]').first().waitFor()
  const error = page.getByTestId('form-error')
  if (await error.count()) throw new Error(`sending the code failed: ${await error.innerText()}`)
  const messages = await eventually(async () => {
    const all = await sms()
    return all.length > seen && all
  }, `an SMS to ${phone}`)
  await page.getByRole('textbox', { name: '验证码' }).fill(messages.at(-1).code)
  await page.getByTestId('bind-submit').click()
  return phone
}

/** An H5 API answer in the page's session (its cookie): `data` of a 1200 envelope, else throws. */
export async function h5Api(page, method, path, body) {
  const res = await page.request.fetch(`${BASE}${path}`, { method, ...(body === undefined ? {} : { data: body }) })
  const json = await res.json()
  if (json.code !== 1200) throw new Error(`${method} ${path}: HTTP ${res.status()} ${json.code} ${json.msg}`)
  return json.data
}

/**
 * A new owner (a WeChat user the sandbox has not seen) logged in on a phone-sized page at `path`.
 * `done()` closes it and fails on errors the page threw meanwhile.
 */
export async function newOwnerPage(browser, path = '/') {
  const context = await phoneContext(browser)
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (error) => errors.push(error))
  await page.goto(`${BASE}${path}`)
  await loginWithOpenid(page, `o_e2e_owner_${uniqueId()}`)
  await page.waitForURL((url) => url.pathname === path)
  const done = async () => {
    await context.close()
    if (errors.length) throw new Error(`errors in the page: ${errors.map(String).join('; ')}`)
  }
  return { page, done }
}

/**
 * The robot platform's side of bringing a robot into a group: a new WeChat id adds the robot
 * with the pairing `code` (waits for the robot's 配对成功), then invites it into a new group of
 * 30. Answers the group's `wxid`, `name` and the `owner` WeChat id.
 */
export async function pairAndJoin(robotWxid, code) {
  const id = uniqueId()
  const owner = `wxid_e2e_owner_${id}`
  const group = { wxid: `e2e_${id}@chatroom`, name: `萌宠测试群${id.slice(-5)}`, owner }
  await emitRobotEvents([{ type: 'friend_added', robot_wxid: robotWxid, user_wxid: owner, text: code }])
  await eventually(
    async () =>
      (await robotSent({ user: owner })).some((m) => m.robot_wxid === robotWxid && m.content?.text?.includes('配对成功')),
    'the robot confirming the pairing',
  )
  await emitRobotEvents([
    {
      type: 'joined_group',
      robot_wxid: robotWxid,
      group_wxid: group.wxid,
      group_name: group.name,
      inviter_wxid: owner,
      member_count: 30,
    },
  ])
  return group
}

/**
 * A new owner with a phone and an active group, on a page at `path`: answers newOwnerPage's
 * `page` and `done` and the `group` ({id, wxid, name, owner, robotWxid}). Needs a robot on offer.
 */
export async function ownerWithGroup(browser, path = '/') {
  const owner = await newOwnerPage(browser, path)
  const { page } = owner
  await page.goto(`${BASE}/bind-phone?redirect=${encodeURIComponent(path)}`)
  await bindFreshPhone(page)
  await page.waitForURL((url) => url.pathname === path)
  const [offer] = (await h5Api(page, 'POST', '/api/robots/assign')).robots
  const group = await pairAndJoin(offer.robot_wxid, offer.pairing_code)
  const active = await eventually(async () => {
    const { items } = await h5Api(page, 'GET', '/api/groups')
    return items.find((g) => g.group_wxid === group.wxid && g.state === 'active')
  }, 'the group to turn active')
  await page.reload()
  return { ...owner, group: { ...group, id: active.id, robotWxid: offer.robot_wxid } }
}

/** A group message event with an id of our own (the same `msgId` again is the same session). */
export const groupMessage = (robotWxid, groupWxid, sender, msgId, msgType, text) => ({
  id: `evt_${groupWxid}_${msgId}`,
  type: 'group_message',
  robot_wxid: robotWxid,
  group_wxid: groupWxid,
  sender_wxid: sender,
  msg_id: msgId,
  msg_type: msgType,
  text,
})

/** Reloads the page until `locator` shows (a change may take seconds to reach the API). */
export async function reloadUntilShown(page, locator, what, ms = 20_000) {
  await eventually(
    async () => {
      await page.reload()
      try {
        await locator.first().waitFor({ timeout: 1_500 })
        return true
      } catch {
        return false
      }
    },
    what,
    ms,
    0,
  )
}

// --- Helpers of the antd pages (issue 15) -------------------------------------------------------

/** Whether `response` answers `method path` of the API. */
export const isApi = (response, path, method = 'GET') =>
  new URL(response.url()).pathname === path && response.request().method() === method

/** Records every antd message the page shows (window.__notices), so that one already gone counts. */
export function noticeRecorder() {
  window.__notices = window.__notices || []
  const seen = () => {
    for (const el of document.querySelectorAll('.ant-message-notice')) {
      const text = el.textContent.trim()
      if (text && !window.__notices.includes(text)) window.__notices.push(text)
    }
  }
  if (window.__noticesObserved) return
  window.__noticesObserved = true
  const start = () =>
    new MutationObserver(seen).observe(document.documentElement, { childList: true, subtree: true, characterData: true })
  if (document.documentElement) start()
  else document.addEventListener('DOMContentLoaded', start, { once: true })
}

/** Starts recording the page's messages (now and after any reload). */
export async function recordNotices(page) {
  await page.addInitScript(noticeRecorder)
  await page.evaluate(noticeRecorder)
}

/** Waits until antd's message `text` has shown (it may be gone already). */
export const notice = (page, text) => page.waitForFunction((t) => (window.__notices ?? []).includes(t), text)

/** Picks `label` in the antd select `select` (its dropdown's option of that title). */
export async function choose(page, select, label) {
  await select.click()
  const open = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)')
  await open.getByTitle(label, { exact: true }).click()
  // Taken once the dropdown has closed: a click elsewhere before that may land on it.
  await open.waitFor({ state: 'hidden' })
}

/** A button by its Chinese text (antd spaces out two-character labels: 重 试). */
export const button = (scope, text) =>
  scope.getByRole('button', { name: new RegExp(`^${[...text].join('\\s?')}$`) })

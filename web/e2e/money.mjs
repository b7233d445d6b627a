// Shared set-up of the money tests (issue 5): an owner who can withdraw, income earned on a day
// nobody has settled yet, that day's settlement, the console logged in as an operator.
import assert from 'node:assert/strict'
import {
  ADMIN_PASSWORD,
  BASE,
  SANDBOX,
  bindFreshPhone,
  businessClock,
  consoleApi,
  desktopContext,
  emitRobotEvents,
  eventually,
  groupMessage,
  h5Api,
  loginWithOpenid,
  pairAndJoin,
  phoneContext,
  runJob,
  sandboxApi,
  setClockOffset,
  sleep,
  uniqueId,
} from './browser.mjs'

export const DAY_SECONDS = 86_400

/** Integer fen as the H5 app shows it: 1810 → ¥18.10 (no thousands separator). */
export function h5Fen(fen) {
  const abs = Math.abs(fen)
  return `${fen < 0 ? '-' : ''}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** Integer fen as the console shows it: 123456 → ¥1,234.56. */
export function consoleFen(fen) {
  const abs = Math.abs(fen)
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${fen < 0 ? '-' : ''}¥${whole}.${String(abs % 100).padStart(2, '0')}`
}

/** A resident ID number that passes the checks (region 110105, born 1990, its check digit). */
export function idNumber() {
  const seq = String(Math.floor(Math.random() * 1000)).padStart(3, '0')
  const body = `11010519900307${seq}`
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...body].reduce((n, d, i) => n + Number(d) * weights[i], 0)
  return body + '10X98765432'[sum % 11]
}

/** The settlement run of `day`, or null when the day was never settled (1404). */
export async function settlementOf(token, day) {
  const res = await fetch(`${BASE}/api/console/settlements/${day}`, { headers: { authorization: `Bearer ${token}` } })
  const json = await res.json()
  if (json.code === 1404) return null
  assert.equal(json.code, 1200, `GET settlement ${day}: ${json.code} ${json.msg}`)
  return json.data
}

/**
 * Moves the business clock (from `offset`, the one the test found) to the first day from today on
 * that nobody has settled yet — income of a settled day would never be credited — and answers
 * `{offset, day}`. Other tests may have moved the clock past today, and so settled it.
 */
export async function unsettledDay(token, offset) {
  const { business_day: today } = await businessClock()
  for (let k = 0; k < 30; k++) {
    const day = addDays(today, k)
    if (await settlementOf(token, day)) continue
    if (k > 0) {
      await setClockOffset(offset + k * DAY_SECONDS)
      // The host runs the night's jobs of the skipped days within 5 s: let their group rating
      // (which cancels the groups without sessions) be done before the test makes its groups.
      await sleep(5_500)
      await runJob('group-rating')
    }
    assert.equal((await businessClock()).business_day, day)
    return { offset: offset + k * DAY_SECONDS, day }
  }
  throw new Error(`every day of the 30 from ${today} is settled`)
}

/** Runs `day`'s settlement through the API to its end (POSTed again while it answers running). */
export async function settle(token, day) {
  for (;;) {
    const run = await consoleApi(token, 'POST', `/api/console/settlements/${day}/run`, {})
    if (run.state !== 'running') return run
  }
}

/**
 * Income on the business day now: 4 sessions in `group` (2★, ¥0.10 at the default settings) and
 * an ad click per amount of `ads` (fen) through the sandbox's ad system, each recorded once. It
 * answers once the owner on `page` sees the 4 sessions counted (the consumer runs apart).
 */
export async function earn(group, ads, page) {
  const id = uniqueId()
  const { robotWxid: robot, wxid } = group
  // The platform stamps an event with the real time; on a moved business clock the chat happens
  // at the business time instead.
  const { now: at } = await businessClock()
  const chat = [
    groupMessage(robot, wxid, group.owner, `${id}1`, 'text', '大家好'),
    groupMessage(robot, wxid, 'wxid_e2e_member_a', `${id}2`, 'text', '早上好'),
    groupMessage(robot, wxid, 'wxid_e2e_member_a', `${id}3`, 'image', ''),
    groupMessage(robot, wxid, 'wxid_e2e_member_b', `${id}4`, 'text', '我家猫今天很乖'),
  ]
  await emitRobotEvents(chat.map((event) => ({ ...event, at })))
  await eventually(
    async () => (await h5Api(page, 'GET', `/api/groups/${group.id}`)).sessions_today >= 4,
    'the sessions to be counted',
  )
  for (const amount of ads) {
    const click = await sandboxApi('POST', '/sandbox/ads/click', {
      group_wxid: wxid,
      amount_fen: amount,
      campaign_id: 'e2e-campaign',
    })
    assert.equal(click.results.length, 1)
    assert.equal(click.results[0].status, 200, `ad click: ${JSON.stringify(click.results[0])}`)
  }
}

/** The sandbox's WeChat Pay bill of `outBillNo` (undefined when there is none). */
export async function payBill(outBillNo) {
  const { bills } = await sandboxApi('GET', `/sandbox/pay/bills?out_bill_no=${encodeURIComponent(outBillNo)}`)
  return bills.find((b) => b.out_bill_no === outBillNo)
}

/** The sandbox WeChat Pay's fault queue: `next` replaces it ([] empties it). */
export async function payFaults(next) {
  if (!next.length) return sandboxApi('DELETE', '/sandbox/pay/faults')
  return sandboxApi('POST', '/sandbox/pay/faults', { next })
}

/**
 * A console page logged in as `username` through the login form (a laptop-sized context of its
 * own); `done()` closes it and fails on errors the page threw meanwhile.
 */
export async function consoleLogin(browser, username, password = ADMIN_PASSWORD) {
  const context = await desktopContext(browser)
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (error) => errors.push(error))
  await page.goto(`${BASE}/console/login`)
  await page.getByLabel('用户名').fill(username)
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await page.getByTestId('operator-name').filter({ hasText: username }).waitFor()
  const done = async () => {
    await context.close()
    assert.deepEqual(errors.map(String), [], 'errors in the page')
  }
  return { page, context, done }
}

/** A locator's text, trimmed. */
export const textOf = async (locator) => (await locator.innerText()).trim()

/**
 * A robot of our own (the demo ones may be full) and a strategy releasing every place at 00:00,
 * so that a new owner is offered a robot at any time of day.
 */
export async function offerRobots(admin) {
  const wxid = `wxid_e2e_robot_${uniqueId()}`
  await consoleApi(admin, 'POST', '/api/console/robots', {
    platform_id: `p-${wxid}`,
    wxid,
    nickname: `测试机器人${wxid.slice(-4)}`,
    qr_code_url: `https://qr.example.cn/${wxid}.png`,
    capacity: 20,
  })
  await consoleApi(admin, 'PUT', '/api/console/distribution', {
    releases: [{ at: '00:00', share_pct: 100 }],
    amount: 1,
    display_rate: 3,
  })
}

/** The day `n` days after `day` (YYYY-MM-DD). */
export const addDays = (day, n) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_SECONDS * 1000).toISOString().slice(0, 10)

/**
 * Moves the business clock to `day` at 01:00 Beijing time: after the night's first jobs and
 * before the 02:00 settlement job, so that the settlement of the day before is the test's own.
 * Answers the clock.
 */
export const clockEarlyOn = (day) =>
  setClockOffset(Math.round((Date.parse(`${day}T01:00:00+08:00`) - Date.now()) / 1000))

/**
 * A new owner with a phone, logged in through an invite (`?invite=CODE`, where the short link
 * leads) when `inviteCode` is given, on their /invite page: answers `{page, done, me, code}` (their
 * own invite code). `done()` closes the page's context.
 */
export async function inviteOwner(browser, inviteCode) {
  const context = await phoneContext(browser)
  const page = await context.newPage()
  await page.goto(inviteCode ? `${BASE}/?invite=${inviteCode}` : `${BASE}/`)
  await loginWithOpenid(page, `o_e2e_money_${uniqueId()}`)
  await page.waitForURL((url) => url.pathname === '/')
  await page.goto(`${BASE}/bind-phone?redirect=/invite`)
  await bindFreshPhone(page)
  await page.waitForURL(`${BASE}/invite`)
  const code = (await page.getByTestId('invite-code').innerText()).trim()
  const me = await h5Api(page, 'GET', '/api/me')
  return { page, me, code, done: () => context.close() }
}

/** Brings a robot into a new group of the owner on `page` (phone bound); answers the group as ownerWithGroup does. */
export async function groupOf(page) {
  const [offer] = (await h5Api(page, 'POST', '/api/robots/assign')).robots
  const group = await pairAndJoin(offer.robot_wxid, offer.pairing_code)
  const active = await eventually(async () => {
    const { items } = await h5Api(page, 'GET', '/api/groups')
    return items.find((g) => g.group_wxid === group.wxid && g.state === 'active')
  }, 'the group to turn active')
  return { ...group, id: active.id, robotWxid: offer.robot_wxid }
}

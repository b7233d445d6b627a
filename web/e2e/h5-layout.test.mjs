// Every H5 page at 320, 375 and 414 pixels wide with the longest names and amounts the API
// allows (issue 15, point 4): no horizontal overflow, no text broken one character a line, no
// internal code on the page. The owner has a group named at WeChat's longest (30 characters), a
// nickname at the longest, a settled day of very large income, a withdrawal, a keyword and a
// mass message at their longest, and the group's robot banned with a replacement robot offered
// (issue 16: the banner and the replacement card); a second owner has nothing yet (the forms of
// phone and identity).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  BASE,
  bindFreshPhone,
  businessClock,
  consoleToken,
  emitRobotEvents,
  eventually,
  h5Api,
  launch,
  sandboxApi,
  screenshot,
  setClockOffset,
} from './browser.mjs'
import { GROUP_NAME_MAX, NICKNAME_MAX, WIDTHS, cjk, layoutProblems, namedGroup, ownerNamed } from './layout.mjs'
import { addDays, clockEarlyOn, idNumber, offerRobots, settle, unsettledDay } from './money.mjs'

let browser
let owner
let newcomer
let offset
/** The robot banned for the banner, back online at the end (other tests use it). */
let bannedRobot
const data = {}

before(async () => {
  browser = await launch()
  const admin = await consoleToken()
  await offerRobots(admin)
  ;({ offset_seconds: offset } = await businessClock())
  const { day } = await unsettledDay(admin, offset)

  owner = await ownerNamed(browser, cjk(NICKNAME_MAX, '长长的微信昵称最多三十二个字符呀'))
  const { page } = owner
  await page.goto(`${BASE}/bind-phone?redirect=/`)
  await bindFreshPhone(page)
  await page.waitForURL(`${BASE}/`)
  data.group = await namedGroup(page, cjk(GROUP_NAME_MAX))
  await h5Api(page, 'POST', '/api/me/identity', { name: '欧阳娜娜', id_number: idNumber() })

  // The largest income an ad click reaches (¥99,999,999.99 at most), settled the next day.
  for (const amount of [9_999_999_999, 999_999_999, 99_999_999, 9_999_999, 999_999]) {
    const click = await sandboxApi('POST', '/sandbox/ads/click', { group_wxid: data.group.wxid, amount_fen: amount })
    if (click.results?.[0]?.status === 200) {
      data.adFen = amount
      break
    }
  }
  await clockEarlyOn(addDays(day, 1))
  await settle(admin, day)
  const account = await h5Api(page, 'GET', '/api/account')
  data.withdrawal = await h5Api(page, 'POST', '/api/withdrawals', { amount_fen: account.withdraw.max_fen ?? 50_000 })

  await h5Api(page, 'POST', '/api/keywords', { group_id: data.group.id, keyword: cjk(30), reply: cjk(500) })
  await h5Api(page, 'POST', '/api/broadcasts', { content: { kind: 'text', text: cjk(2000) }, group_ids: [data.group.id] })

  // The group's robot banned: the group's page has the banner and, after 更换机器人, the
  // replacement robot's card; the list tags the group.
  bannedRobot = data.group.robotWxid
  await emitRobotEvents([{ type: 'robot_offline', robot_wxid: bannedRobot, reason: 'banned' }])
  await eventually(
    async () => (await h5Api(page, 'GET', `/api/groups/${data.group.id}`)).robot_health === 'banned',
    'the robot to be banned',
  )
  await h5Api(page, 'POST', `/api/groups/${data.group.id}/replace-robot`)

  newcomer = await ownerNamed(browser, cjk(NICKNAME_MAX, '新来的群主昵称也很长很长很长很长'))
})

after(async () => {
  if (bannedRobot) await emitRobotEvents([{ type: 'robot_online', robot_wxid: bannedRobot }])
  if (offset !== undefined) await setClockOffset(offset)
  await owner?.done()
  await newcomer?.done()
  await browser?.close()
})

/** Each page, how to know it has shown its content, and whose it is. */
const PAGES = [
  ['home', () => '/', '[data-testid="nickname"]'],
  ['groups', () => '/groups', '[data-testid="group-row"] [data-testid="robot-offline"]'],
  ['group detail', () => `/groups/${data.group.id}`, '[data-testid="robot-outage"] ~ [data-testid="replacement"]'],
  ['robots', () => '/robots', 'main, .page'],
  ['keywords', () => '/keywords', '.page'],
  ['broadcasts', () => '/broadcasts', '.page'],
  ['wallet', () => '/wallet', '[data-testid="wallet-balance"]'],
  ['withdraw', () => '/withdraw', '.page'],
  ['withdrawals', () => '/withdrawals', '[data-testid="withdrawal-row"]'],
  ['withdrawal detail', () => `/withdrawals/${data.withdrawal.id}`, '[data-testid="withdrawal-detail"]'],
  ['invite', () => '/invite', '[data-testid="invite-code"]'],
  ['identity', () => '/identity', '.page', 'newcomer'],
  ['bind phone', () => '/bind-phone', '.page', 'newcomer'],
  ['home (new owner)', () => '/', '[data-testid="nickname"]', 'newcomer'],
  ['identity (verified)', () => '/identity', '.page'],
  ['bind phone (bound)', () => '/bind-phone', '.page'],
  ['not found', () => '/no-such-page', '.page'],
  ['maintenance', () => '/', '[data-testid="maintenance"]', 'maintenance'],
]

const LONG_MAINTENANCE = `系统升级维护中，${cjk(120)}，请稍后再试`

for (const width of WIDTHS) {
  test(`every H5 page fits ${width} px with the longest names and amounts`, { timeout: 180_000 }, async () => {
    const failures = []
    for (const [name, path, ready, who] of PAGES) {
      const { page } = who === 'newcomer' ? newcomer : owner
      await page.setViewportSize({ width, height: 812 })
      if (who === 'maintenance') {
        await page.route('**/api/**', (route) =>
          route.fulfill({
            status: 200,
            contentType: 'application/json',
            body: JSON.stringify({ code: 1503, msg: LONG_MAINTENANCE, data: { message: LONG_MAINTENANCE } }),
          }),
        )
      }
      try {
        await page.goto(`${BASE}${path()}`)
        await page.locator(ready).first().waitFor({ timeout: 15_000 })
        await page.locator('[data-testid="loading"]').waitFor({ state: 'detached', timeout: 15_000 })
        // Late parts (a chart, fonts) settle.
        await page.waitForTimeout(600)
        for (const problem of await layoutProblems(page, width)) failures.push(`${name} at ${width} px: ${problem}`)
        await screenshot(page, `h5-layout-${width}-${name.replace(/\W+/g, '-')}`)
      } catch (e) {
        failures.push(`${name} at ${width} px: did not show (${String(e.message).split('\n')[0]})`)
      } finally {
        if (who === 'maintenance') await page.unroute('**/api/**')
      }
    }
    assert.deepEqual(failures, [], `layout problems:\n${failures.join('\n')}`)
  })
}

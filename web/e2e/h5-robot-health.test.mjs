// A group owner whose robot WeChat banned or logged out (issue 16, continuity for owners): the
// group's page says 机器人离线 with the reason and what protects the owner; one tap on 更换机器人
// gives another robot with a pairing code; once the owner has added it and pulled it into the
// group, the page says so, and the group is the same (its id, its history). The groups list tags
// the group 机器人离线; the robot page takes back an offer whose robot was banned.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  BASE,
  bindFreshPhone,
  consoleApi,
  consoleToken,
  emitRobotEvents,
  eventually,
  groupMessage,
  h5Api,
  isApi,
  launch,
  newOwnerPage,
  ownerWithGroup,
  robotSent,
  screenshot,
} from './browser.mjs'
import { offerRobots } from './money.mjs'

let browser
/** The robots the tests took offline, brought back online at the end (other tests use them). */
const outRobots = new Set()

before(async () => {
  browser = await launch()
  const admin = await consoleToken()
  // Two robots of our own: one for the owner's group, one free to replace it.
  await offerRobots(admin)
  await offerRobots(admin)
})

after(async () => {
  for (const wxid of outRobots) await emitRobotEvents([{ type: 'robot_online', robot_wxid: wxid }])
  await browser?.close()
})

const TIMEOUT = { timeout: 120_000 }

/** The platform says the robot went offline (`banned`, `logout`); waits until the group shows it. */
async function robotGoesOffline(page, group, reason, health) {
  outRobots.add(group.robotWxid)
  await emitRobotEvents([{ type: 'robot_offline', robot_wxid: group.robotWxid, reason }])
  return eventually(async () => {
    const g = await h5Api(page, 'GET', `/api/groups/${group.id}`)
    return g.robot_health === health && g
  }, `the group's robot to be ${health}`)
}

test('an owner whose robot was banned replaces it in one tap; the group moves with its history', TIMEOUT, async () => {
  const { page, done, group } = await ownerWithGroup(browser, '/groups')
  // Members chat before the ban: today's 2 sessions are the group's history to keep.
  await emitRobotEvents([
    groupMessage(group.robotWxid, group.wxid, 'wxid_e2e_member_a', 'h1', 'text', '早上好'),
    groupMessage(group.robotWxid, group.wxid, 'wxid_e2e_member_b', 'h2', 'text', '我家猫今天很乖'),
  ])
  const before = await eventually(async () => {
    const g = await h5Api(page, 'GET', `/api/groups/${group.id}`)
    return g.sessions_today === 2 && g
  }, "today's 2 sessions")
  await robotGoesOffline(page, group, 'banned', 'banned')

  // The banner: why, since when, what protects the owner, and the one button.
  await page.goto(`${BASE}/groups/${group.id}`)
  const banner = page.getByTestId('robot-outage')
  await banner.waitFor()
  assert.equal(await banner.getAttribute('data-health'), 'banned')
  assert.match(await banner.innerText(), /机器人离线/)
  assert.equal((await banner.getByTestId('robot-issue').innerText()).trim(), '机器人已被微信封禁')
  assert.match(await banner.getByTestId('outage-since').innerText(), /^自 \d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）起$/)
  assert.match(await banner.getByTestId('outage-protections').innerText(), /离线期间不计入 3 天无会话注销/)
  await page.locator('[data-testid="sessions-chart"][data-ready="true"]').waitFor()
  await screenshot(page, 'h5-robot-banned')

  // 更换机器人: another robot, its QR code, the pairing code, the two steps.
  const replaced = page.waitForResponse((r) => isApi(r, `/api/groups/${group.id}/replace-robot`, 'POST'))
  await banner.getByRole('button', { name: '更换机器人' }).click()
  const answer = await (await replaced).json()
  assert.equal(answer.code, 1200, answer.msg)
  const offered = answer.data.replacement
  assert.ok(offered, 'the answer has a replacement')
  assert.notEqual(offered.robot_wxid, group.robotWxid)
  const card = page.getByTestId('replacement')
  await card.waitFor()
  assert.equal(await card.getAttribute('data-robot-wxid'), offered.robot_wxid)
  assert.equal((await card.getByTestId('replacement-nickname').innerText()).trim(), offered.nickname)
  assert.notEqual(offered.nickname, before.robot_nickname)
  await card.locator('[data-testid="robot-qr"], [data-testid="robot-qr-fallback"]').first().waitFor()
  const code = (await card.getByTestId('pairing-code').innerText()).trim()
  assert.equal(code, offered.pairing_code)
  assert.match(code, /^[0-9A-Z]{4,10}$/, `pairing code ${code}`)
  await card.getByRole('button', { name: '复制' }).waitFor()
  const steps = (await card.getByTestId('replacement-steps').locator('li').allInnerTexts()).map((s) => s.replace(/\s+/g, ''))
  assert.deepEqual(steps, [
    `1扫码添加机器人为好友，验证信息填写配对码${code}`,
    `2把机器人拉进本群「${group.name}」（原机器人无需移出）`,
  ])
  // The button is gone while the replacement is shown.
  assert.equal(await page.getByTestId('replace-robot').count(), 0)
  await screenshot(page, 'h5-robot-replacement')

  // On WeChat: the owner adds the new robot with the code, then pulls it into the same group.
  await emitRobotEvents([{ type: 'friend_added', robot_wxid: offered.robot_wxid, user_wxid: group.owner, text: code }])
  await eventually(
    async () =>
      (await robotSent({ user: group.owner })).some(
        (m) => m.robot_wxid === offered.robot_wxid && m.content?.text?.includes('配对成功'),
      ),
    'the new robot confirming the pairing',
  )
  await emitRobotEvents([
    {
      type: 'joined_group',
      robot_wxid: offered.robot_wxid,
      group_wxid: group.wxid,
      group_name: group.name,
      inviter_wxid: group.owner,
      member_count: 30,
    },
  ])

  // The page follows by itself: the group moved, the same group with its history.
  const success = page.getByTestId('robot-replaced')
  await success.waitFor({ timeout: 30_000 })
  assert.equal((await success.innerText()).replace(/^✓\s*/, '').trim(), `已更换为「${offered.nickname}」，群的星级与历史不变`)
  assert.equal(page.url(), `${BASE}/groups/${group.id}`)
  const detail = page.getByTestId('group-detail')
  assert.equal(await detail.getAttribute('data-id'), String(group.id))
  assert.equal((await detail.getByTestId('group-robot').innerText()).trim(), offered.nickname)
  assert.equal((await detail.getByTestId('group-state').innerText()).trim(), '运营中')
  assert.equal(await page.getByTestId('robot-outage').count(), 0)
  assert.equal(await page.getByTestId('replacement').count(), 0)
  await page.locator('[data-testid="sessions-chart"][data-ready="true"]').waitFor()
  assert.equal((await detail.getByTestId('sessions-today').innerText()).trim(), '2')
  const bars = page.getByTestId('sessions-chart').getByTestId('chart-bar')
  assert.equal(await bars.count(), before.history.length)
  assert.equal(await bars.last().getAttribute('data-value'), '2', "today's bar keeps its 2 sessions")
  assert.equal((await page.getByTestId('history-row').first().getByTestId('history-sessions').innerText()).trim(), '2')
  const after = await h5Api(page, 'GET', `/api/groups/${group.id}`)
  assert.equal(after.robot_health, 'online')
  assert.equal(after.replacement, null)
  assert.equal(after.group_wxid, group.wxid)
  assert.equal(after.sessions_today, 2)
  assert.deepEqual(
    after.history.map((d) => [d.day, d.sessions]),
    before.history.map((d) => [d.day, d.sessions]),
  )
  await screenshot(page, 'h5-robot-replaced')
  await done()
})

test('the groups list tags a group whose robot is offline; a replacement operators prepared shows without a tap', TIMEOUT, async () => {
  const { page, done, group } = await ownerWithGroup(browser, '/groups')
  const row = page.locator(`[data-testid="group-row"][data-id="${group.id}"]`)
  await row.waitFor()
  assert.equal(await row.getByTestId('robot-offline').count(), 0, 'no tag while the robot is online')

  const out = await robotGoesOffline(page, group, 'logout', 'offline')
  await page.reload()
  const tag = row.getByTestId('robot-offline')
  await tag.waitFor()
  assert.equal((await tag.innerText()).trim(), '机器人离线')
  assert.equal((await row.getByTestId('group-state').innerText()).trim(), '运营中')
  await screenshot(page, 'h5-groups-robot-offline')

  // Its page says why.
  await row.click()
  await page.waitForURL(`${BASE}/groups/${group.id}`)
  const banner = page.getByTestId('robot-outage')
  await banner.getByTestId('robot-issue').filter({ hasText: '机器人已掉线' }).waitFor()
  await banner.getByRole('button', { name: '更换机器人' }).waitFor()
  assert.equal(await page.getByTestId('replacement').count(), 0)

  // Operators prepare a replacement for every group of the robot: the owner sees it at once.
  const report = await consoleApi(await consoleToken(), 'POST', `/api/console/robots/${out.robot_id}/replacements`)
  assert.ok(report.prepared >= 1, JSON.stringify(report))
  await page.reload()
  const card = page.getByTestId('replacement')
  await card.waitFor()
  assert.equal((await card.getByTestId('replacement-by-operators').innerText()).trim(), '运营已为你准备了替换机器人')
  assert.match((await card.getByTestId('pairing-code').innerText()).trim(), /^[0-9A-Z]{4,10}$/)
  assert.equal(await page.getByTestId('replace-robot').count(), 0)
  await screenshot(page, 'h5-robot-replacement-by-operators')
  await done()
})

test('the robot page takes back an offer whose robot was banned and offers another', TIMEOUT, async () => {
  const { page, done } = await newOwnerPage(browser, '/robots')
  await page.goto(`${BASE}/bind-phone?redirect=/robots`)
  await bindFreshPhone(page)
  await page.waitForURL(`${BASE}/robots`)
  const assigned = page.waitForResponse((r) => isApi(r, '/api/robots/assign', 'POST'))
  await page.getByTestId('assign-robot').click()
  const [offered] = (await (await assigned).json()).data.robots
  await page.locator(`[data-testid="robot-offer"][data-robot-wxid="${offered.robot_wxid}"]`).waitFor()
  assert.equal(await page.getByTestId('offer-withdrawn').count(), 0)

  // WeChat bans the robot: the page (following the offer) says so, with another robot.
  outRobots.add(offered.robot_wxid)
  await emitRobotEvents([{ type: 'robot_offline', robot_wxid: offered.robot_wxid, reason: 'banned' }])
  const notice = page.getByTestId('offer-withdrawn')
  await notice.waitFor({ timeout: 30_000 })
  await page.getByTestId('robot-offer').first().waitFor()
  const otherWxid = await page.getByTestId('robot-offer').first().getAttribute('data-robot-wxid')
  assert.notEqual(otherWxid, offered.robot_wxid)
  assert.equal(await page.locator(`[data-testid="robot-offer"][data-robot-wxid="${offered.robot_wxid}"]`).count(), 0)
  const other = page.locator(`[data-testid="robot-offer"][data-robot-wxid="${otherWxid}"]`)
  assert.equal((await notice.innerText()).trim(), `机器人「${offered.nickname}」暂不可用（机器人已被微信封禁），已为你更换`)
  // The notice stays while the page follows the new offer.
  await page.waitForTimeout(4_000)
  assert.equal(await notice.count(), 1)
  assert.notEqual((await other.getByTestId('pairing-code').innerText()).trim(), offered.pairing_code)
  await screenshot(page, 'h5-robot-offer-withdrawn')
  await done()
})

// The console's view of robot health (issue 16) against a running product and sandbox: robots
// falling ill through the sandbox's robot events (a heartbeat, a ban), the health tags, the
// last heartbeat and the risk events; quarantine with a reason and release; replacements for
// the groups of a banned robot; the 机器人与发送 settings with their defaults.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  ADMIN_PASSWORD,
  BASE,
  button,
  consoleApi,
  consoleToken,
  desktopContext,
  emitRobotEvents,
  eventually,
  h5Api,
  isApi,
  launch,
  notice,
  ownerWithGroup,
  recordNotices,
  screenshot,
  uniqueId,
} from './browser.mjs'

let browser
let admin

before(async () => {
  browser = await launch()
  admin = await consoleToken()
})
after(async () => {
  await browser?.close()
})

const TIMEOUT = { timeout: 120_000 }

/** A console page logged in through the login form; uncaught page errors fail the test. */
async function loggedIn(username = 'admin', password = ADMIN_PASSWORD) {
  const context = await desktopContext(browser)
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (error) => errors.push(error))
  await page.goto(`${BASE}/console/login`)
  await page.getByLabel('用户名').fill(username)
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await page.getByTestId('operator-name').waitFor()
  await recordNotices(page)
  const done = async () => {
    await context.close()
    assert.deepEqual(errors.map(String), [], 'errors in the page')
  }
  return { page, done }
}

/** Registers a robot through the console API. */
const register = (wxid, nickname) =>
  consoleApi(admin, 'POST', '/api/console/robots', {
    platform_id: `p-${wxid}`,
    wxid,
    nickname,
    qr_code_url: `https://qr.example.cn/${wxid}.png`,
    capacity: 20,
  })

/** The robot of `wxid` as the console API lists it. */
const robotOf = async (wxid) =>
  (await consoleApi(admin, 'GET', `/api/console/robots?q=${encodeURIComponent(wxid)}`)).items.find((r) => r.wxid === wxid)

/** Waits until the API says robot `wxid` is `health`; answers the robot. */
const healthBecomes = (wxid, health) =>
  eventually(async () => {
    const robot = await robotOf(wxid)
    return robot?.health === health && robot
  }, `${wxid} to be ${health}`)

const rowOf = (page, wxid) => page.locator(`[data-testid="robot-row"][data-wxid="${wxid}"]`)

/** The robots page searched for `q`. */
async function robotsPage(page, q) {
  await page.getByTestId('nav-robots').click()
  await page.getByTestId('robots-list').waitFor()
  await page.getByTestId('robots-search').fill(q)
  await page.getByTestId('robots-search-submit').click()
}

test('robots page: health tags from the platform, quarantine with a reason, release', TIMEOUT, async () => {
  const id = uniqueId()
  const well = `wxid_e2e_hw_${id}`
  const ill = `wxid_e2e_hi_${id}`
  const wellRobot = await register(well, `健康${id.slice(-4)}`)
  await register(ill, `封号${id.slice(-4)}`)
  await emitRobotEvents([
    { type: 'heartbeat', robot_wxid: well },
    { type: 'heartbeat', robot_wxid: ill },
  ])
  await emitRobotEvents([{ type: 'robot_offline', robot_wxid: ill, reason: 'banned' }])
  await eventually(async () => (await robotOf(well))?.last_heartbeat_at, 'the heartbeat to be recorded')
  const banned = await healthBecomes(ill, 'banned')
  assert.equal(banned.health_reason, '机器人已被微信封禁')
  assert.equal(banned.risk_events[0].kind, 'banned')

  const { page, done } = await loggedIn()
  await robotsPage(page, `wxid_e2e_h`)
  // The fleet's counts above the table.
  const summary = page.getByTestId('robots-health-summary')
  await summary.waitFor()
  assert.match(await summary.innerText(), /在线 \d+ \/ 无心跳 \d+ \/ 离线 \d+ \/ 封禁 \d+ \/ 隔离 \d+/)
  assert.ok(Number(await summary.getByTestId('robots-health-banned').getAttribute('data-count')) >= 1)
  assert.ok(Number(await summary.getByTestId('robots-health-online').getAttribute('data-count')) >= 1)

  const wellRow = rowOf(page, well)
  const illRow = rowOf(page, ill)
  await wellRow.getByTestId('robot-health').filter({ hasText: /^在线$/ }).waitFor()
  await illRow.getByTestId('robot-health').filter({ hasText: /^封禁$/ }).waitFor()
  // Why, in the tag's tooltip.
  await illRow.getByTestId('robot-health').hover()
  await page.locator('.ant-tooltip').filter({ hasText: '机器人已被微信封禁' }).waitFor()
  // The last heartbeat in Beijing time, today's sends.
  assert.match(await wellRow.getByTestId('robot-heartbeat').innerText(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
  assert.equal((await wellRow.getByTestId('robot-sends-today').innerText()).trim(), '0')
  // Replacements are for robots that are out only.
  assert.equal(await wellRow.getByTestId('robot-replace').count(), 0)
  await illRow.getByTestId('robot-replace').waitFor()
  // The banned robot's risk events: 封禁.
  await illRow.getByTestId('robot-risk-toggle').click()
  const illEvents = page.locator(`[data-testid="robot-risk-events"][data-wxid="${ill}"]`)
  await illEvents.getByTestId('robot-risk-kind').filter({ hasText: /^封禁$/ }).waitFor()
  await screenshot(page, 'console-robot-health')

  // Quarantine the online one: a reason is required.
  await wellRow.getByTestId('robot-quarantine').click()
  const dialog = page.getByTestId('robot-quarantine-dialog')
  await dialog.getByTestId('robot-quarantine-confirm').click()
  await dialog.getByRole('alert').filter({ hasText: '请填写隔离原因' }).waitFor()
  const reason = `疑似被盗号 ${id.slice(-4)}`
  await dialog.getByTestId('robot-quarantine-reason').fill(reason)
  const posted = page.waitForResponse((r) => isApi(r, `/api/console/robots/${wellRobot.id}/quarantine`, 'POST'))
  await dialog.getByTestId('robot-quarantine-confirm').click()
  assert.deepEqual(JSON.parse((await posted).request().postData()), { reason })
  await dialog.waitFor({ state: 'detached' })
  await notice(page, '已隔离')
  await wellRow.getByTestId('robot-health').filter({ hasText: /^隔离$/ }).waitFor()
  assert.equal((await robotOf(well)).health, 'quarantined')
  // Its risk events list the quarantine with its reason, newest first.
  await wellRow.getByTestId('robot-risk-toggle').click()
  const wellEvents = page.locator(`[data-testid="robot-risk-events"][data-wxid="${well}"]`)
  const newest = wellEvents.getByTestId('robot-risk-event').first()
  await newest.getByTestId('robot-risk-kind').filter({ hasText: /^隔离$/ }).waitFor()
  assert.equal((await newest.getByTestId('robot-risk-detail').innerText()).trim(), reason)
  assert.match(await newest.innerText(), /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/)
  // The reason is the tag's tooltip too.
  await wellRow.getByTestId('robot-health').hover()
  await page.locator('.ant-tooltip').filter({ hasText: reason }).waitFor()
  await screenshot(page, 'console-robot-quarantined')

  // Release, after a confirmation: online again, 解除隔离 the newest event.
  await wellRow.getByTestId('robot-release').click()
  const confirm = page.getByRole('dialog').filter({ hasText: '解除隔离' })
  await confirm.waitFor()
  const released = page.waitForResponse((r) => isApi(r, `/api/console/robots/${wellRobot.id}/release`, 'POST'))
  await button(confirm, '解除隔离').click()
  assert.equal((await (await released).json()).code, 1200)
  await notice(page, '已解除隔离')
  await wellRow.getByTestId('robot-health').filter({ hasText: /^在线$/ }).waitFor()
  await wellEvents.getByTestId('robot-risk-event').first().getByTestId('robot-risk-kind').filter({ hasText: /^解除隔离$/ }).waitFor()
  assert.equal((await robotOf(well)).health, 'online')

  // Both actions are in the audit log in words.
  const audit = (await consoleApi(admin, 'GET', '/api/console/audit-log?page_size=5')).items.map((e) => e.action)
  assert.ok(audit.includes('robot.quarantine') && audit.includes('robot.release'), audit.join())
  await page.getByTestId('nav-audit-log').click()
  await page.getByTestId('audit-action-label').filter({ hasText: /^隔离机器人$/ }).first().waitFor()
  await page.getByTestId('audit-action-label').filter({ hasText: /^解除隔离$/ }).first().waitFor()
  await done()
})

test("robots page: a banned robot's groups get replacement robots in one step", TIMEOUT, async () => {
  // An owner's group on a robot on offer (every place released at 00:00), whose robot is then banned.
  const strategy = await consoleApi(admin, 'GET', '/api/console/distribution')
  await consoleApi(admin, 'PUT', '/api/console/distribution', { releases: [{ at: '00:00', share_pct: 100 }], amount: 1, display_rate: 3 })
  // Another robot, online, with free places: the replacement.
  const spare = `wxid_e2e_hs_${uniqueId()}`
  await register(spare, `备用${spare.slice(-4)}`)
  await emitRobotEvents([{ type: 'heartbeat', robot_wxid: spare }])
  let owner
  let robotWxid
  try {
    owner = await ownerWithGroup(browser, '/groups')
    robotWxid = owner.group.robotWxid
    await emitRobotEvents([{ type: 'robot_offline', robot_wxid: robotWxid, reason: 'banned' }])
    const robot = await healthBecomes(robotWxid, 'banned')

    const { page, done } = await loggedIn()
    await robotsPage(page, robotWxid)
    const row = rowOf(page, robotWxid)
    await row.getByTestId('robot-health').filter({ hasText: /^封禁$/ }).waitFor()
    await row.getByTestId('robot-replace').click()
    // The confirmation says what happens to how many groups.
    const note = page.getByTestId('robot-replace-note')
    await note.waitFor()
    const text = await note.innerText()
    assert.ok(text.includes(`它的 ${robot.groups} 个正常群各准备一个在线的替换机器人`), text)
    assert.ok(text.includes('一步即可'), text)
    const posted = page.waitForResponse((r) => isApi(r, `/api/console/robots/${robot.id}/replacements`, 'POST'))
    await page.getByTestId('robot-replace-ok').click()
    const answer = (await (await posted).json()).data
    assert.equal(answer.groups, robot.groups)
    assert.ok(answer.prepared >= 1, JSON.stringify(answer))
    const result = page.getByTestId('robot-replace-result')
    await result.waitFor()
    assert.equal(
      (await result.innerText()).trim(),
      `已为 ${answer.prepared} 个群准备替换机器人；${answer.without_robot} 个群暂无可用机器人`,
    )
    await screenshot(page, 'console-robot-replacements')
    // The owner sees the replacement robot prepared for the group.
    const group = await h5Api(owner.page, 'GET', `/api/groups/${owner.group.id}`)
    assert.ok(group.replacement?.robot_wxid && group.replacement.robot_wxid !== robotWxid, JSON.stringify(group.replacement))
    assert.equal(group.replacement.by_operators, true)
    await done()
  } finally {
    const { releases, amount, display_rate } = strategy
    await consoleApi(admin, 'PUT', '/api/console/distribution', { releases, amount, display_rate })
    // Back on offer for the tests that follow.
    if (robotWxid) await emitRobotEvents([{ type: 'robot_online', robot_wxid: robotWxid }])
    await owner?.done()
  }
})

test('settings: 机器人与发送 with its defaults, explained, changes confirmed in words', TIMEOUT, async () => {
  const { robots } = await consoleApi(admin, 'GET', '/api/console/settings')
  // A fresh stack's defaults.
  assert.deepEqual(robots, {
    send_gap_min_ms: 3000,
    send_gap_max_ms: 8000,
    per_minute: 10,
    per_day: 3000,
    group_daily_cap: 5,
    cooldown_base_secs: 60,
    cooldown_max_secs: 3600,
    silent_after_secs: 180,
    healthy_capacity_alert_pct: 50,
    protect_after_mins: 120,
    protect_days: 3,
  })
  const { page, done } = await loggedIn()
  let puts = 0
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/console/settings' && r.method() === 'PUT') puts++
  })
  await page.getByTestId('nav-settings').click()
  const section = page.getByTestId('settings-robots')
  await section.waitFor()
  assert.match(await section.innerText(), /机器人与发送/)
  for (const [key, value] of Object.entries(robots)) {
    assert.equal(await section.getByTestId(`settings-robots-${key}`).inputValue(), String(value), key)
  }
  const explained = await section.innerText()
  for (const words of [
    '发送间隔最短',
    '每次发送之间随机等待，避免固定节奏触发微信风控',
    '每群每日群发+广告上限',
    '被平台风控拒绝后暂停发送，连续被拒时间加倍',
    '无心跳判定',
    '可用容量告警',
    '保障收益：离线超过',
    '保障收益：最多保障天数',
  ]) {
    assert.ok(explained.includes(words), words)
  }
  // The robots' send gap is no longer a groups' setting.
  await page.getByTestId('settings-groups').waitFor()
  assert.equal(await page.getByTestId('settings-groups-send_gap_secs').count(), 0)
  assert.ok(!(await page.getByTestId('settings-groups').innerText()).includes('发送间隔'))
  await screenshot(page, 'console-settings-robots')

  // A change is confirmed in words before anything is sent.
  await section.getByTestId('settings-robots-group_daily_cap').fill('6')
  await section.getByTestId('settings-robots-send_gap_max_ms').fill('9000')
  await page.getByTestId('settings-save').click()
  const changes = page.getByTestId('settings-change')
  await changes.first().waitFor()
  const lines = (await changes.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim())
  assert.deepEqual(lines, [
    '机器人与发送 · 发送间隔最长（毫秒）：8000 → 9000',
    '机器人与发送 · 每群每日群发+广告上限（条）：5 → 6',
  ])
  await page.getByTestId('settings-confirm-cancel').click()
  await page.getByTestId('settings-confirm').waitFor({ state: 'detached' })
  assert.equal(puts, 0)
  await done()
})

test("settings: the robots' income protection is for finance, the send governor for operations", TIMEOUT, async () => {
  const money = ['protect_after_mins', 'protect_days']
  const others = ['send_gap_min_ms', 'per_day', 'group_daily_cap', 'silent_after_secs']
  for (const role of ['operator', 'finance']) {
    const username = `e2e${role.slice(0, 3)}${uniqueId()}`
    const password = `Pw-${uniqueId()}-robots`
    await consoleApi(admin, 'POST', '/api/console/operators', { username, password, role })
    const { page, done } = await loggedIn(username, password)
    await page.getByTestId('nav-settings').click()
    const section = page.getByTestId('settings-robots')
    await section.waitFor()
    for (const key of money) {
      assert.equal(await section.getByTestId(`settings-robots-${key}`).isDisabled(), role === 'operator', `${role} ${key}`)
    }
    for (const key of others) {
      assert.equal(await section.getByTestId(`settings-robots-${key}`).isDisabled(), role === 'finance', `${role} ${key}`)
    }
    // Who may change the protection, said where it is disabled (as for the star incomes).
    assert.equal(await section.getByTestId('settings-robots-money-readonly').count(), role === 'operator' ? 1 : 0)
    if (role === 'operator') {
      assert.equal(
        (await section.getByTestId('settings-robots-money-readonly').innerText()).trim(),
        '保障收益决定结算金额，只有财务或管理员可以修改',
      )
    }
    await done()
  }
})

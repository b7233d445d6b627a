// The console's robots and groups pages (issue 4) against a running product and sandbox:
// registering and editing robots, the distribution strategy, searching a group and forcing an
// exit, ad campaigns, dead letters of the robot-events queue with redrive, the robots chart.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  ADMIN_PASSWORD,
  BASE,
  businessClock,
  button,
  choose,
  consoleApi,
  consoleToken,
  desktopContext,
  emitRobotEvents,
  eventually,
  groupMessage,
  h5Api,
  isApi,
  launch,
  notice,
  noticeRecorder,
  ownerWithGroup,
  recordNotices,
  sandboxApi,
  screenshot,
  uniqueId,
} from './browser.mjs'

let browser
let admin
/** The robot of the malformed event sent at the start: it reaches the dead letters meanwhile. */
const dlqRobot = `wxid_e2e_dlq_${uniqueId()}`

before(async () => {
  browser = await launch()
  admin = await consoleToken()
  // A robot on offer at any time of day for the owner of the groups test: one of our own and a
  // strategy releasing every place at 00:00.
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
  // A joined_group without its group: signed and accepted, but the consumer cannot read it;
  // after 5 receives (5 s apart) it moves to the dead-letter queue — the last test looks.
  await emitRobotEvents([{ type: 'joined_group', robot_wxid: dlqRobot, inviter_wxid: 'wxid_e2e_nobody', member_count: 30 }])
})
after(async () => {
  await browser?.close()
})

const TIMEOUT = { timeout: 90_000 }

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

/** Confirms the open confirmation dialog (antd's Modal.confirm) with its button `ok`. */
async function confirmDialog(page, ok) {
  const dialog = page.getByRole('dialog').filter({ has: button(page, ok) })
  await dialog.waitFor()
  await button(dialog, ok).click()
  await dialog.waitFor({ state: 'detached' })
}

test('robots: register one with the form, see its use today, edit its capacity', TIMEOUT, async () => {
  const { page, done } = await loggedIn()
  const wxid = `wxid_e2e_c_${uniqueId()}`
  const nickname = `运营测试${wxid.slice(-4)}`
  await page.getByTestId('nav-robots').click()
  await page.getByTestId('robots-list').waitFor()

  await page.getByTestId('robot-new').click()
  const form = page.getByTestId('robot-form')
  await form.getByTestId('robot-platform-id').fill(`p-${wxid}`)
  await form.getByTestId('robot-wxid-input').fill(wxid)
  await form.getByTestId('robot-nickname-input').fill(nickname)
  await form.getByTestId('robot-qr-url').fill(`https://qr.example.cn/${wxid}.png`)
  await form.getByTestId('robot-capacity-input').fill('0')
  await form.getByTestId('robot-submit').click()
  await form.getByTestId('robot-submit-error').filter({ hasText: '容量' }).waitFor()
  await form.getByTestId('robot-capacity-input').fill('12')
  const posted = page.waitForResponse((r) => isApi(r, '/api/console/robots', 'POST'))
  await form.getByTestId('robot-submit').click()
  const created = (await (await posted).json()).data
  assert.deepEqual([created.wxid, created.capacity, created.enabled], [wxid, 12, true])
  await form.waitFor({ state: 'detached' })
  await notice(page, '已新增机器人')

  await page.getByTestId('robots-search').fill(wxid)
  await page.getByTestId('robots-search-submit').click()
  const row = page.locator(`[data-testid="robot-row"][data-wxid="${wxid}"]`)
  await row.waitFor()
  assert.equal((await row.getByTestId('robot-nickname').innerText()).trim(), nickname)
  assert.equal((await row.getByTestId('robot-capacity').innerText()).trim(), '12')
  assert.equal((await row.getByTestId('robot-free').innerText()).trim(), '12')
  await row.getByTestId('robot-enabled').waitFor()
  // Today's use: snapshot, distributed, displayed, activated (the snapshot figure itself is
  // checked by the next test).
  const today = row.getByTestId('robot-today')
  await today.waitFor()
  for (const figure of ['snapshot-free', 'distributed', 'displayed', 'activated']) {
    assert.match(await today.getAttribute(`data-${figure}`), /^\d+$/, figure)
  }
  assert.match(await today.innerText(), /快照 \d+\s*分配 \d+\s*展示 \d+\s*激活 \d+/)
  await screenshot(page, 'console-robots')

  // The same platform id again: the server's refusal is shown in the form.
  await page.getByTestId('robot-new').click()
  await form.getByTestId('robot-platform-id').fill(`p-${wxid}`)
  await form.getByTestId('robot-wxid-input').fill(`${wxid}_2`)
  await form.getByTestId('robot-nickname-input').fill('重复的')
  await form.getByTestId('robot-qr-url').fill(`https://qr.example.cn/${wxid}_2.png`)
  await form.getByTestId('robot-capacity-input').fill('5')
  await form.getByTestId('robot-submit').click()
  await form.getByTestId('robot-submit-error').waitFor()
  await button(form, '取消').click()
  await form.waitFor({ state: 'detached' })

  // Edit: more capacity, more free places.
  await row.getByTestId('robot-edit').click()
  await form.getByTestId('robot-capacity-input').fill('30')
  const put = page.waitForResponse((r) => isApi(r, `/api/console/robots/${created.id}`, 'PUT'))
  await form.getByTestId('robot-submit').click()
  assert.deepEqual(JSON.parse((await put).request().postData()), { capacity: 30 })
  await form.waitFor({ state: 'detached' })
  await notice(page, '已保存')
  await row.getByTestId('robot-capacity').filter({ hasText: /^30$/ }).waitFor()
  assert.equal((await row.getByTestId('robot-free').innerText()).trim(), '30')
  await done()
})

// A robot registered during the day can be offered the same day: it is in today's snapshot.
test(
  "a robot registered during the day shows today's snapshot at once",
  TIMEOUT,
  async () => {
    const wxid = `wxid_e2e_snap_${uniqueId()}`
    const created = await consoleApi(admin, 'POST', '/api/console/robots', {
      platform_id: `p-${wxid}`,
      wxid,
      nickname: `快照${wxid.slice(-4)}`,
      qr_code_url: `https://qr.example.cn/${wxid}.png`,
      capacity: 9,
    })
    const { items } = await consoleApi(admin, 'GET', `/api/console/robots?q=${wxid}`)
    assert.equal(items.find((r) => r.id === created.id)?.today?.snapshot_free, 9)
  },
)

test('distribution: an invalid strategy is refused naming the field, a valid one is saved', TIMEOUT, async () => {
  const original = await consoleApi(admin, 'GET', '/api/console/distribution')
  const { page, done } = await loggedIn()
  try {
    await page.getByTestId('nav-distribution').click()
    const form = page.getByTestId('distribution-form')
    await form.waitFor()
    await page.getByTestId('release-overview').getByTestId('release-chart').locator('canvas').waitFor()

    // Two releases: 00:00 70 %, 12:00 30 % — first with a share of 0 on the second row.
    while ((await form.getByTestId('release-row').count()) > 1) await form.getByTestId('release-remove').last().click()
    // antd's TimePicker takes a typed time on Enter.
    await form.getByTestId('release-time').first().fill('00:00')
    await form.getByTestId('release-time').first().press('Enter')
    await form.getByTestId('release-share').first().fill('70')
    await form.getByTestId('release-add').click()
    await form.getByTestId('release-time').nth(1).fill('12:00')
    await form.getByTestId('release-time').nth(1).press('Enter')
    await form.getByTestId('release-share').nth(1).fill('0')
    await form.getByTestId('distribution-amount').fill('1')
    await form.getByTestId('distribution-display-rate').fill('3')
    await form.getByTestId('distribution-save').click()
    const problem = page.getByTestId('distribution-error')
    await problem.waitFor()
    assert.match(await problem.innerText(), /第 2 行：释放比例/)
    await screenshot(page, 'console-distribution-invalid')

    // Too much in total, then a rate out of range: each says which.
    await form.getByTestId('release-share').nth(1).fill('40')
    await form.getByTestId('distribution-save').click()
    await problem.filter({ hasText: '释放比例合计 110%' }).waitFor()
    await form.getByTestId('release-share').nth(1).fill('30')
    await form.getByTestId('distribution-display-rate').fill('99')
    await form.getByTestId('distribution-save').click()
    await problem.filter({ hasText: '展示倍率' }).waitFor()

    await form.getByTestId('distribution-display-rate').fill('3')
    const saved = page.waitForResponse((r) => isApi(r, '/api/console/distribution', 'PUT'))
    await form.getByTestId('distribution-save').click()
    const answer = await (await saved).json()
    assert.equal(answer.code, 1200, answer.msg)
    assert.deepEqual(JSON.parse((await saved).request().postData()), {
      releases: [
        { at: '00:00', share_pct: 70 },
        { at: '12:00', share_pct: 30 },
      ],
      amount: 1,
      display_rate: 3,
    })
    await notice(page, '分配策略已保存')
    // Released by now (Beijing business time): 70 % until noon, 100 % after.
    const hour = Number((await businessClock()).now.slice(11, 13))
    await page.getByTestId('released-pct-now').filter({ hasText: hour < 12 ? '70%' : '100%' }).waitFor()
    await screenshot(page, 'console-distribution')
  } finally {
    const { releases, amount, display_rate } = original
    await consoleApi(admin, 'PUT', '/api/console/distribution', { releases, amount, display_rate })
  }
  await done()
})

test('groups: search an active group, see its chart, force the robot out with a reason', TIMEOUT, async () => {
  // An owner's group, brought in through the sandbox's robot platform, with some chat today.
  const owner = await ownerWithGroup(browser, '/groups')
  const { group } = owner
  const chat = ['a', 'b', 'c', 'a', 'b'].map((who, i) =>
    groupMessage(group.robotWxid, group.wxid, `wxid_e2e_m_${who}`, `c${i}`, 'text', `第 ${i + 1} 句`),
  )
  await emitRobotEvents(chat)
  await eventually(
    async () => (await h5Api(owner.page, 'GET', `/api/groups/${group.id}`)).sessions_today === 5,
    "the group's 5 sessions",
  )

  const { page, done } = await loggedIn()
  await page.getByTestId('nav-groups').click()
  await page.getByTestId('groups-list').waitFor()
  const searched = page.waitForResponse(
    (r) => isApi(r, '/api/console/groups') && new URL(r.url()).searchParams.get('q') === group.name,
  )
  await page.getByTestId('groups-search').fill(group.name)
  await page.getByTestId('groups-search-submit').click()
  assert.equal((await (await searched).json()).data.total, 1)
  const row = page.locator(`[data-testid="group-row"][data-group-wxid="${group.wxid}"]`)
  await row.waitFor()
  assert.equal(await page.getByTestId('group-row').count(), 1)
  assert.equal((await row.getByTestId('group-state').innerText()).trim(), '正常')
  assert.equal((await row.getByTestId('group-sessions-today').innerText()).trim(), '5')
  assert.ok((await row.innerText()).includes(group.robotWxid), 'the robot is named')
  await screenshot(page, 'console-groups')

  await row.getByTestId('group-link').click()
  await page.waitForURL((url) => url.pathname === `/console/groups/${group.id}`)
  await page.getByTestId('group-name').filter({ hasText: group.name }).waitFor()
  assert.equal((await page.getByTestId('group-wxid').innerText()).trim(), group.wxid)
  assert.equal((await page.getByTestId('group-sessions-today').innerText()).trim(), '5')
  const chart = page.getByTestId('group-history-chart')
  await chart.getByTestId('line-chart').waitFor()
  await chart.locator('canvas').waitFor()
  assert.deepEqual(
    (await chart.getByTestId('chart-legend-item').allInnerTexts()).map((t) => t.trim()),
    ['会话', '发言人'],
  )

  // 强制退群: a reason is required; then the robot leaves and the reason is kept.
  await page.getByTestId('group-exit-button').click()
  const dialog = page.getByTestId('group-exit-dialog')
  await dialog.getByTestId('group-exit-confirm').click()
  await dialog.getByRole('alert').filter({ hasText: '请填写退群原因' }).waitFor()
  const reason = '群内发布违规广告'
  await dialog.getByTestId('group-exit-reason-input').fill(reason)
  const exited = page.waitForResponse((r) => isApi(r, `/api/console/groups/${group.id}/exit`, 'POST'))
  await dialog.getByTestId('group-exit-confirm').click()
  assert.equal((await (await exited).json()).code, 1200)
  await dialog.waitFor({ state: 'detached' })
  await notice(page, '已强制退群')
  await page.getByTestId('group-state').filter({ hasText: '已退群' }).waitFor()
  assert.ok((await page.getByTestId('group-exit-reason').innerText()).includes(reason))
  assert.equal(await page.getByTestId('group-exit-button').count(), 0)
  await screenshot(page, 'console-group-exited')

  // The robot left the group on the platform, and the owner sees why.
  const { items: leaves } = await sandboxApi('GET', '/sandbox/robot/leaves')
  assert.ok(JSON.stringify(leaves).includes(group.wxid), 'the robot did not leave the group on the platform')
  const mine = await h5Api(owner.page, 'GET', `/api/groups/${group.id}`)
  assert.equal(mine.state, 'left')
  assert.ok(mine.exit_reason.includes(reason), `the owner sees "${mine.exit_reason}"`)
  await owner.page.reload()
  const ownerRow = owner.page.locator(`[data-testid="group-row"][data-id="${group.id}"]`)
  await ownerRow.getByTestId('exit-reason').filter({ hasText: reason }).waitFor()
  assert.equal((await ownerRow.getByTestId('group-state').innerText()).trim(), '已退群')
  await owner.done()
  await done()
})

test('campaigns: create one for 3★ groups, see it scheduled, cancel it', TIMEOUT, async () => {
  const { page, done } = await loggedIn()
  const name = `e2e 投放 ${uniqueId()}`
  await page.getByTestId('nav-campaigns').click()
  await page.getByTestId('campaigns-list').waitFor()
  await page.getByTestId('campaign-new').click()
  const form = page.getByTestId('campaign-form')
  await form.getByTestId('campaign-name').fill(name)
  await form.getByText('链接卡片', { exact: true }).click()
  assert.ok(await form.getByRole('radio', { name: '链接卡片' }).isChecked())
  await form.getByTestId('campaign-title').fill('双十二宠物用品五折')
  await form.getByTestId('campaign-desc').fill('猫粮狗粮全场五折')
  await form.getByTestId('campaign-url').fill('https://shop.example.cn/sale')
  await choose(page, form.getByRole('combobox', { name: '最低星级' }), '3 星及以上')
  // The form starts 10 minutes from now: an hour later instead, so nothing is sent meanwhile.
  // In Beijing time and 24 hours, whatever the browser's zone.
  const startsInput = form.getByRole('textbox', { name: '开始时间' })
  const starts = await startsInput.inputValue()
  assert.match(starts, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/)
  const later = new Date(Date.parse(`${starts.replace(' ', 'T')}:00+08:00`) + 3600_000 + 8 * 3600_000).toISOString().slice(0, 16)
  await startsInput.click()
  await startsInput.fill(later.replace('T', ' '))
  await startsInput.press('Enter')
  const posted = page.waitForResponse((r) => isApi(r, '/api/console/campaigns', 'POST'))
  await form.getByTestId('campaign-submit').click()
  const answer = await (await posted).json()
  assert.equal(answer.code, 1200, answer.msg)
  assert.deepEqual(JSON.parse((await posted).request().postData()).content, {
    kind: 'link',
    title: '双十二宠物用品五折',
    desc: '猫粮狗粮全场五折',
    url: 'https://shop.example.cn/sale',
  })
  assert.equal(answer.data.min_stars, 3)
  assert.equal(Date.parse(answer.data.starts_at), Date.parse(`${later}:00+08:00`))
  await form.waitFor({ state: 'detached' })
  await notice(page, '已创建投放')

  const row = page.getByTestId('campaign-row').filter({ hasText: name })
  await row.waitFor()
  assert.equal((await row.getByTestId('campaign-state').innerText()).trim(), '待投放')
  assert.match(await row.innerText(), /≥ 3 星/)
  await row.getByTestId('campaign-targets').waitFor()
  await screenshot(page, 'console-campaigns')

  await row.getByTestId('campaign-cancel').click()
  await confirmDialog(page, '取消投放')
  await row.getByTestId('campaign-state').filter({ hasText: '已取消' }).waitFor()
  assert.equal(await row.getByTestId('campaign-cancel').count(), 0)
  await done()
})

test('dashboard: the robots chart shows their use with its legend', TIMEOUT, async () => {
  const { page, done } = await loggedIn()
  const card = page.getByTestId('dashboard-robots-chart')
  const svg = card.getByTestId('line-chart')
  await svg.waitFor()
  assert.deepEqual(
    (await card.getByTestId('chart-legend-item').allInnerTexts()).map((t) => t.trim()),
    ['空余位置', '分配', '展示', '激活'],
  )
  await svg.locator('canvas').waitFor()
  await svg.hover()
  await card.locator('.chart-tooltip').filter({ hasText: '激活' }).waitFor()
  await screenshot(page, 'console-dashboard-robots')
  await done()
})

test('dead letters: a malformed robot event lands there, and is redriven once', TIMEOUT, async () => {
  // Sent in `before`: wait for it in the dead letters (5 receives, 5 s apart).
  const letter = await eventually(
    async () => {
      const { items } = await consoleApi(admin, 'GET', '/api/console/dead-letters?queue=gpet-robot-events-dlq')
      return items.find((d) => d.body.includes(dlqRobot))
    },
    'the malformed event in the dead-letter queue',
    60_000,
    1_000,
  )
  assert.equal(letter.queue, 'gpet-robot-events-dlq')
  assert.equal(letter.redriven_at, null)

  const { page, done } = await loggedIn()
  await page.getByTestId('nav-dead-letters').click()
  await page.getByTestId('dead-letters-list').waitFor()
  await page.getByTestId('dead-letters-queue').fill('gpet-robot-events-dlq')
  await page.getByTestId('dead-letters-queue-submit').click()
  const row = page.locator(`[data-testid="dead-letter-row"][data-message-id="${letter.message_id}"]`)
  await row.waitFor()
  assert.match(await row.innerText(), /gpet-robot-events-dlq/)
  await row.getByTestId('dead-letter-body').click()
  assert.ok((await row.getByTestId('dead-letter-body-full').innerText()).includes(dlqRobot))
  await screenshot(page, 'console-dead-letters')

  const redriven = page.waitForResponse((r) => isApi(r, `/api/console/dead-letters/${letter.id}/redrive`, 'POST'))
  await row.getByTestId('dead-letter-redrive').click()
  await confirmDialog(page, '重新投递')
  assert.equal((await (await redriven).json()).code, 1200)
  await notice(page, '已重新投递')
  await row.getByTestId('dead-letter-redriven').waitFor()
  assert.equal(await row.getByTestId('dead-letter-redrive').count(), 0, 'redriven only once')
  const { items } = await consoleApi(admin, 'GET', '/api/console/dead-letters?queue=gpet-robot-events-dlq')
  assert.ok(items.find((d) => d.id === letter.id).redriven_at, 'the API has no redriven_at')
  await screenshot(page, 'console-dead-letter-redriven')
  await done()
})

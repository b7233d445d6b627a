// The owners' robots and groups (issue 4) against a running product and sandbox: from 领取机器人
// to an active group rated the next day (the business clock moves), mass messages with a
// multi-line preview, keywords.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  BASE,
  bindFreshPhone,
  businessClock,
  consoleApi,
  consoleToken,
  emitRobotEvents,
  eventually,
  groupMessage as message,
  h5Api,
  launch,
  newOwnerPage,
  ownerWithGroup,
  pairAndJoin,
  reloadUntilShown as reloadUntil,
  robotSent,
  runJob,
  screenshot,
  setClockOffset,
  uniqueId,
} from './browser.mjs'

let browser
let admin
before(async () => {
  browser = await launch()
  admin = await consoleToken()
  // A robot of our own (the demo ones may be full), and a strategy releasing every place at
  // 00:00, so that an owner is offered a robot at any time of day.
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
})
after(async () => {
  await browser?.close()
})

const TIMEOUT = { timeout: 120_000 }

/** The page's POST /api/broadcasts. */
const isCreate = (r) => new URL(r.url()).pathname === '/api/broadcasts' && r.request().method() === 'POST'

test("an owner gets a robot, the group turns active, next day it has stars and yesterday's sessions", TIMEOUT, async () => {
  const { page, done } = await newOwnerPage(browser, '/')
  await page.getByTestId('nickname').waitFor()
  await page.getByTestId('nav-robots').click()
  await page.waitForURL(`${BASE}/robots`)
  await page.getByRole('heading', { name: '领取机器人' }).waitFor()

  // Without a phone there is no robot: the page leads to binding one, and comes back.
  await page.getByTestId('assign-robot').click()
  await page.getByTestId('assign-error').filter({ hasText: '绑定手机号' }).waitFor()
  await page.getByTestId('bind-phone-link').click()
  await page.waitForURL((url) => url.pathname === '/bind-phone' && url.searchParams.get('redirect') === '/robots')
  await bindFreshPhone(page)
  await page.waitForURL(`${BASE}/robots`)

  // 领取: the robot's QR code (its image, or drawn from its WeChat id when the image fails), the
  // pairing code and the steps.
  const assigned = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/robots/assign')
  await page.getByTestId('assign-robot').click()
  const offered = (await (await assigned).json()).data.robots[0]
  const offer = page.getByTestId('robot-offer')
  await offer.waitFor()
  const robotWxid = await offer.getAttribute('data-robot-wxid')
  assert.equal(robotWxid, offered.robot_wxid)
  await offer.locator('[data-testid="robot-qr"], [data-testid="robot-qr-fallback"]').first().waitFor()
  const code = (await offer.getByTestId('pairing-code').innerText()).trim()
  assert.equal(code, offered.pairing_code)
  assert.match(code, /^[0-9A-Z]{4,10}$/, `pairing code ${code}`)
  assert.equal(await offer.getByTestId('robot-steps').locator('li').count(), 3)
  assert.match(await offer.getByTestId('pairing-expires').innerText(), /有效期至 \d{4}-\d{2}-\d{2}/)
  await screenshot(page, 'h5-robot-offer')

  // On WeChat: the owner adds the robot with the code and pulls it into a group of 30.
  const group = await pairAndJoin(robotWxid, code)
  await page.goto(`${BASE}/groups`)
  const row = page.getByTestId('group-row').filter({ hasText: group.name })
  await reloadUntil(page, row.locator('[data-testid="group-state"][data-state="active"]'), 'the group to turn active')
  assert.equal((await row.getByTestId('group-state').innerText()).trim(), '运营中')
  assert.equal(await row.getByTestId('group-stars').getAttribute('data-stars'), '0', 'not rated yet')
  assert.equal((await row.getByTestId('group-stars').innerText()).trim(), '待评星')
  const groupId = await row.getAttribute('data-id')

  // Members chat: 4 sessions by 3 speakers; the robot's own words, a system notice and the batch
  // delivered twice count nothing more.
  const chat = [
    message(robotWxid, group.wxid, group.owner, 'm1', 'text', '大家好'),
    message(robotWxid, group.wxid, 'wxid_e2e_member_a', 'm2', 'text', '早上好'),
    message(robotWxid, group.wxid, 'wxid_e2e_member_a', 'm3', 'image', ''),
    message(robotWxid, group.wxid, 'wxid_e2e_member_b', 'm4', 'text', '我家猫今天很乖'),
    message(robotWxid, group.wxid, robotWxid, 'm5', 'text', '欢迎新朋友'),
    message(robotWxid, group.wxid, 'wxid_e2e_member_c', 'm6', 'system', '新成员加入了群聊'),
  ]
  await emitRobotEvents(chat)
  await emitRobotEvents(chat)
  await reloadUntil(page, row.getByTestId('sessions-today').filter({ hasText: /^4$/ }), "today's 4 sessions")
  assert.equal((await row.getByTestId('sessions-yesterday').innerText()).trim(), '0')
  await screenshot(page, 'h5-groups-active')

  // The next day: the rating gives yesterday's 4 sessions 2★ (1–49).
  const { offset_seconds: offset } = await businessClock()
  try {
    await setClockOffset(offset + 86_400)
    await runJob('group-rating')
    await page.reload()
    await row.getByTestId('group-stars').waitFor()
    assert.equal(await row.getByTestId('group-stars').getAttribute('data-stars'), '2')
    assert.equal((await row.getByTestId('group-stars').innerText()).trim(), '★★')
    assert.equal((await row.getByTestId('sessions-yesterday').innerText()).trim(), '4')
    assert.equal((await row.getByTestId('sessions-today').innerText()).trim(), '0')
    assert.equal((await row.getByTestId('group-state').innerText()).trim(), '运营中')
    await screenshot(page, 'h5-groups-rated')

    // The group's page: 15 days of sessions, yesterday's bar high, today's empty.
    await row.click()
    await page.waitForURL(`${BASE}/groups/${groupId}`)
    const detail = page.getByTestId('group-detail')
    await detail.getByTestId('group-name').filter({ hasText: group.name }).waitFor()
    assert.equal((await detail.getByTestId('speakers-today').innerText()).trim(), '0')
    // Each bar's value, and its height as ECharts drew it (from where the chart says it is).
    await page.locator('[data-testid="sessions-chart"][data-ready="true"]').waitFor()
    const bars = page.getByTestId('sessions-chart').getByTestId('chart-bar')
    assert.equal(await bars.count(), 15)
    const values = await bars.evaluateAll((items) =>
      items.map((r) => [Number(r.dataset.value), Number(r.dataset.base) - Number(r.dataset.top)]),
    )
    assert.deepEqual(
      values.map(([v]) => v),
      [...Array(13).fill(0), 4, 0],
    )
    assert.ok(values[13][1] > 10, `yesterday's bar is ${values[13][1]} px high`)
    const yesterday = page.getByTestId('history-row').nth(1)
    assert.equal((await yesterday.getByTestId('history-sessions').innerText()).trim(), '4')
    assert.match(await yesterday.innerText(), /★★/)
    await screenshot(page, 'h5-group-detail')
  } finally {
    await setClockOffset(offset)
  }
  await done()
})

test('a mass message keeps its lines in preview and WeChat; a second one the same minute goes the next; sensitive words refused', TIMEOUT, async () => {
  const { page, done, group } = await ownerWithGroup(browser, '/broadcasts')
  const word = `违禁${uniqueId().slice(-5)}`
  const { added } = await consoleApi(admin, 'POST', '/api/console/sensitive-words', { words: [word] })
  assert.equal(added, 1)
  try {
    const form = page.getByTestId('broadcast-form')
    await form.waitFor()
    await form.getByTestId('preview-empty').waitFor()

    // The preview is WeChat's bubble: the blank line and the leading spaces stay.
    const lines = ['第一行', '', '  第三行（前有两个空格）', '末行 🐱']
    const text = lines.join('\n')
    const content = form.getByTestId('content-text').getByRole('textbox')
    await content.fill(text)
    const bubble = form.getByTestId('preview-text')
    await form.getByTestId('preview-length').waitFor()
    assert.equal(await bubble.innerText(), text)
    const whiteSpace = await bubble.evaluate((el) => getComputedStyle(el).whiteSpace)
    assert.ok(['pre-wrap', 'break-spaces', 'pre'].includes(whiteSpace), `the bubble's white-space is ${whiteSpace}`)
    // Four lines high: the newlines are drawn, not only kept in the text.
    const lineHeight = await bubble.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 0)
    const { height } = await bubble.boundingBox()
    if (lineHeight) assert.ok(height >= lineHeight * 4 - 1, `the bubble is ${height} px high, lines ${lineHeight} px`)
    await screenshot(page, 'h5-broadcast-preview')

    // Now, to our group. Two submissions inside one minute: keep clear of the minute's end.
    const option = form.locator(`[data-testid="group-option"][data-id="${group.id}"]`)
    await option.check()
    await form.getByTestId('send-now').check()
    const { now } = await businessClock()
    const second = Number(now.slice(17, 19))
    if (second > 45) await page.waitForTimeout((61 - second) * 1000)
    const created = page.waitForResponse(isCreate)
    await form.getByTestId('broadcast-submit').click()
    const task = (await (await created).json()).data
    assert.equal(task.content.text, text)
    await form.getByTestId('broadcast-created').filter({ hasText: '已开始群发到 1 个群' }).waitFor()

    // The same minute again: it goes in the next free minute, and the form says when.
    await content.fill('同一分钟的第二条')
    await option.check()
    const again = page.waitForResponse(isCreate)
    await form.getByTestId('broadcast-submit').click()
    const next = await (await again).json()
    assert.equal(next.code, 1200, next.msg)
    assert.equal(Date.parse(next.data.send_at), Date.parse(task.send_at) + 60_000, `${next.data.send_at} after ${task.send_at}`)
    const at = new Date(Date.parse(next.data.send_at) + 8 * 3_600_000).toISOString().slice(11, 16)
    await form.getByTestId('broadcast-created').filter({ hasText: `这一分钟已有群发，本条将于 ${at} 发出` }).waitFor()
    assert.equal(await form.getByTestId('form-error').count(), 0)

    // A sensitive word: 2003, and the word is named (by the preview, and on submitting).
    await content.fill(`周末活动：${word}，欢迎参加`)
    await form.getByTestId('preview-error').filter({ hasText: word }).waitFor()
    await form.getByTestId('send-later').check()
    const words = page.waitForResponse(isCreate)
    await form.getByTestId('broadcast-submit').click()
    const answer = await (await words).json()
    assert.equal(answer.code, 2003)
    assert.deepEqual(answer.data.words, [word])
    await form.getByTestId('form-error').filter({ hasText: `含敏感词：${word}` }).waitFor()
    await screenshot(page, 'h5-broadcast-refused')

    // The dispatcher sends it; the task shows the group's outcome, and WeChat got the same lines.
    await runJob('broadcast-dispatch')
    const taskRow = page.locator(`[data-testid="broadcast-row"][data-id="${task.id}"]`)
    await reloadUntil(page, taskRow.locator('[data-testid="target-state"][data-state="sent"]'), 'the task to be sent')
    const target = taskRow.locator(`[data-testid="target-row"][data-group-id="${group.id}"]`)
    assert.match(await target.getByTestId('target-state').innerText(), /已发送/)
    assert.equal(await taskRow.getAttribute('data-state'), 'done')
    // (The second task, a minute later, may have gone meanwhile.)
    const sent = (await robotSent({ group: group.wxid })).filter((m) => m.content?.kind === 'text')
    assert.deepEqual(
      sent.map((m) => m.content.text).filter((t) => t !== '同一分钟的第二条'),
      [text],
    )
    assert.equal(sent[0].robot_wxid, group.robotWxid)
    await screenshot(page, 'h5-broadcast-sent')
  } finally {
    const found = await consoleApi(admin, 'GET', `/api/console/sensitive-words?q=${encodeURIComponent(word)}`)
    for (const w of found.items.filter((w) => w.word === word)) {
      await consoleApi(admin, 'DELETE', `/api/console/sensitive-words/${w.id}`)
    }
  }
  await done()
})

test('keywords: add one for a group, see it listed, delete it', TIMEOUT, async () => {
  const { page, done, group } = await ownerWithGroup(browser, '/keywords')
  const keyword = `价格${uniqueId().slice(-4)}`
  const reply = '猫粮 99 元一袋\n狗粮 129 元一袋'
  const form = page.getByTestId('keyword-form')
  await form.waitFor()
  // The group is chosen from an action sheet.
  const chooseGroup = async (name) => {
    await form.getByTestId('keyword-group').click()
    await page.getByTestId('keyword-group-sheet').getByRole('option', { name, exact: true }).click()
    await form.getByTestId('keyword-group').filter({ hasText: name }).waitFor()
  }
  const keywordInput = form.getByTestId('keyword-input').getByRole('textbox')
  const replyInput = form.getByTestId('reply-input').getByRole('textbox')
  await chooseGroup(group.name)
  await keywordInput.fill(keyword)
  await replyInput.fill(reply)
  await form.getByTestId('keyword-submit').click()
  await form.getByTestId('keyword-added').filter({ hasText: keyword }).waitFor()

  const row = page.getByTestId('keyword-row').filter({ hasText: keyword })
  await row.waitFor()
  assert.equal((await row.getByTestId('keyword-scope').innerText()).trim(), group.name)
  assert.equal(await row.getByTestId('keyword-reply').innerText(), reply)
  await screenshot(page, 'h5-keywords')

  // The robot answers a member who says it in the group (the message, trimmed, is the keyword).
  await emitRobotEvents([message(group.robotWxid, group.wxid, 'wxid_e2e_asker', 'ask1', 'text', ` ${keyword} `)])
  await eventually(
    async () => (await robotSent({ group: group.wxid })).some((m) => m.content?.text === reply),
    'the keyword reply in the group',
  )

  // The same keyword for the group again is refused.
  await chooseGroup(group.name)
  await keywordInput.fill(keyword)
  await replyInput.fill('另一个回复')
  await form.getByTestId('keyword-submit').click()
  await form.getByTestId('form-error').filter({ hasText: '该关键词已存在' }).waitFor()

  await row.getByTestId('keyword-delete').click()
  const dialog = page.getByRole('dialog')
  await dialog.getByRole('button', { name: '删除' }).click()
  await row.waitFor({ state: 'detached' })
  const left = await h5Api(page, 'GET', '/api/keywords')
  assert.ok(!left.items.some((k) => k.keyword === keyword), 'the keyword is still there')
  await done()
})

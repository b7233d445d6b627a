// The owners' flows of issue 15 against a running product and sandbox: the real name confirmed
// as it will be kept, and corrected once WeChat Pay refused it, the withdrawal then made again;
// back after 实名 → 继续 → 提现 not landing on the withdraw page; mass messages timed with a
// picker that offers no past time, said in plain words; the robot offer remembered and followed
// (paired, in a group) while the page is open.
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
  launch,
  h5Api,
  newOwnerPage,
  ownerWithGroup,
  reloadUntilShown,
  robotSent,
  runJob,
  sandboxApi,
  screenshot,
  setClockOffset,
  uniqueId,
} from './browser.mjs'
import { addDays, clockEarlyOn, earn, h5Fen, idNumber, offerRobots, payFaults, settle, unsettledDay } from './money.mjs'

let browser
let admin
/** The business clock's offset when the tests began (restored after). */
let offset
/** Owners with money to withdraw (a settled day of income), no real name yet: `{page, done, group}`. */
const owners = {}

const EARNED_FEN = 10 + 1000

before(async () => {
  browser = await launch()
  admin = await consoleToken()
  await offerRobots(admin)
})

/** The business clock back where it was (the browser's own clock picks the send times). */
async function clockBack() {
  if (offset !== undefined) await setClockOffset(offset)
}

after(async () => {
  await clockBack()
  for (const owner of Object.values(owners)) await owner.done()
  await browser?.close()
})

/** Two owners who earned on a day since settled (the clock moved to 01:00 the day after). */
async function ownersWithMoney() {
  if (owners.refused) return
  offset = (await businessClock()).offset_seconds
  const earning = await unsettledDay(admin, offset)
  owners.refused = await ownerWithGroup(browser, '/wallet')
  owners.back = await ownerWithGroup(browser, '/wallet')
  for (const owner of Object.values(owners)) await earn(owner.group, [1000], owner.page)
  await clockEarlyOn(addDays(earning.day, 1))
  const run = await settle(admin, earning.day)
  assert.equal(run.state, 'done')
  for (const owner of Object.values(owners)) {
    const account = await h5Api(owner.page, 'GET', '/api/account')
    assert.equal(account.available_fen, EARNED_FEN)
  }
}

const isWithdrawalPost = (r) => new URL(r.url()).pathname === '/api/withdrawals' && r.request().method() === 'POST'

/** On /withdraw: asks for `amount` yuan and confirms; answers the withdrawal, on its detail page. */
async function withdraw(page, amount) {
  const input = page.getByRole('textbox', { name: '提现金额' })
  await input.fill(amount)
  await page.getByTestId('withdraw-submit').click()
  const posted = page.waitForResponse(isWithdrawalPost)
  await page.getByTestId('confirm-ok').click()
  const answer = await (await posted).json()
  assert.equal(answer.code, 1200, answer.msg)
  await page.waitForURL(`${BASE}/withdrawals/${answer.data.id}`)
  return answer.data
}

/** An ID number as it is kept: its first 6 and last 4 characters. */
const masked = (id) => `${id.slice(0, 6)}********${id.slice(14)}`

test(
  'the real name is confirmed as it will be kept; a name WeChat Pay refused is corrected, then withdrawn again',
  { timeout: 240_000 },
  async () => {
    await ownersWithMoney()
    const { page } = owners.refused
    const id = idNumber()
    await page.goto(`${BASE}/identity?redirect=/withdraw`)
    await page.getByRole('textbox', { name: '真实姓名' }).fill(' 钱小名 ')
    await page.getByRole('textbox', { name: '身份证号' }).fill(id.toLowerCase())
    await page.getByTestId('identity-submit').click()

    // What will be stored, exactly, and that it cannot be changed: nothing is saved yet.
    const dialog = page.getByRole('dialog')
    await dialog.waitFor()
    assert.equal((await dialog.getByTestId('identity-confirm-name').innerText()).trim(), '钱小名')
    assert.equal((await dialog.getByTestId('identity-confirm-number').innerText()).trim(), masked(id))
    assert.match(await dialog.getByTestId('identity-confirm-note').innerText(), /不可修改/)
    await screenshot(page, 'h5-identity-confirm')
    await dialog.getByRole('button', { name: '返回修改' }).click()
    await dialog.waitFor({ state: 'hidden' })
    assert.equal((await h5Api(page, 'GET', '/api/me')).identity, null, 'saved without a confirmation')

    // Confirmed: kept as shown.
    await page.getByTestId('identity-submit').click()
    await dialog.getByRole('button', { name: '确认提交' }).click()
    await page.getByTestId('identity-done').waitFor()
    const me = await h5Api(page, 'GET', '/api/me')
    assert.deepEqual(me.identity, { name: '钱**', id_number: masked(id) })
    assert.equal(me.identity_correction, null)
    await page.getByTestId('identity-back').click()
    await page.waitForURL(`${BASE}/withdraw`)

    // WeChat Pay refuses the transfer: the name does not match the WeChat account's.
    await payFaults(['name_mismatch'])
    const refused = await withdraw(page, '2')
    await page.locator('[data-testid="withdrawal-detail"][data-state="failed"]').waitFor({ timeout: 20_000 })
    assert.equal((await page.getByTestId('withdrawal-failure-reason').innerText()).trim(), '实名信息与微信实名不一致')

    // The refused withdrawal leads to correcting the name.
    const allowed = (await h5Api(page, 'GET', '/api/me')).identity_correction
    assert.equal(allowed?.withdrawal_id, refused.id)
    const link = page.getByTestId('identity-correction-link')
    await link.waitFor()
    await screenshot(page, 'h5-withdrawal-name-refused')
    await link.click()
    await page.waitForURL((url) => url.pathname === '/identity')
    const correction = page.getByTestId('identity-correction')
    await correction.waitFor()
    assert.match(await correction.getByTestId('identity-correction-reason').innerText(), new RegExp(`#${refused.id}`))
    assert.match(
      await correction.getByTestId('identity-correction-hint').innerText(),
      new RegExp(`还可修改 ${allowed.remaining} 次`),
    )
    await correction.getByRole('textbox', { name: '与微信实名一致的姓名' }).fill('钱晓明')
    await correction.getByTestId('identity-correction-submit').click()
    await dialog.waitFor()
    assert.equal((await dialog.getByTestId('identity-confirm-name').innerText()).trim(), '钱晓明')
    assert.equal((await dialog.getByTestId('identity-confirm-number').innerText()).trim(), masked(id))
    await screenshot(page, 'h5-identity-correction-confirm')
    await dialog.getByRole('button', { name: '确认修改' }).click()

    // Corrected (and recorded for finance); the next step is withdrawing again.
    await page.getByTestId('identity-corrected').waitFor()
    const after = await h5Api(page, 'GET', '/api/me')
    assert.equal(after.identity_correction, null)
    assert.equal(after.identity.name, '钱**')
    const user = await consoleApi(admin, 'GET', `/api/console/users/${after.id}`)
    assert.deepEqual(
      user.identity_corrections.map((c) => [c.old_name, c.new_name, c.withdrawal_id]),
      [['钱小名', '钱晓明', refused.id]],
    )
    await screenshot(page, 'h5-identity-corrected')
    await page.getByTestId('withdraw-again').click()
    await page.waitForURL(`${BASE}/withdraw`)
    const again = await withdraw(page, '2')
    await page.locator('[data-testid="withdrawal-detail"][data-state="waiting_user"]').waitFor({ timeout: 20_000 })
    assert.equal(again.amount_fen, 200)
    assert.equal((await page.getByTestId('withdrawal-amount').innerText()).trim(), h5Fen(200))
  },
)

test('after 实名 → 继续 → 提现, back does not land on the withdraw page again', { timeout: 240_000 }, async () => {
  await ownersWithMoney()
  const { page } = owners.back
  await page.goto(`${BASE}/wallet`)
  await page.getByTestId('withdraw-entry').click()
  await page.waitForURL(`${BASE}/withdraw`)
  await page.locator('[data-testid="withdraw-blocked"][data-reason="identity"]').waitFor()
  await page.getByTestId('withdraw-blocked-link').click()
  await page.waitForURL((url) => url.pathname === '/identity')
  await page.getByRole('textbox', { name: '真实姓名' }).fill('赵小退')
  await page.getByRole('textbox', { name: '身份证号' }).fill(idNumber())
  await page.getByTestId('identity-submit').click()
  // (Its confirmation is the test above's.)
  const done = page.getByTestId('identity-done')
  const ok = page.getByRole('dialog').getByRole('button', { name: '确认提交' })
  await done.or(ok).first().waitFor()
  if (await ok.isVisible()) await ok.click()
  await done.waitFor()
  await page.getByTestId('identity-back').click()
  await page.waitForURL(`${BASE}/withdraw`)
  const w = await withdraw(page, '1')

  // Back from the withdrawal goes where the owner came from, the wallet.
  await page.goBack()
  await page.waitForURL((url) => url.pathname !== `/withdrawals/${w.id}`)
  await page.waitForTimeout(300)
  assert.equal(new URL(page.url()).pathname, '/wallet', `back from the withdrawal landed on ${page.url()}`)
  await page.getByTestId('withdraw-entry').waitFor()
})

/** A time in Beijing time as its parts: [year, month, day, hour, minute]. */
const beijing = (ms) => {
  const d = new Date(ms + 8 * 3_600_000)
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()]
}
const pad = (n) => String(n).padStart(2, '0')
const isCreate = (r) => new URL(r.url()).pathname === '/api/broadcasts' && r.request().method() === 'POST'

test('mass messages: a future time from a picker, plain errors, 待发送, failures without codes', { timeout: 150_000 }, async () => {
  await clockBack()
  const { page, done, group } = await ownerWithGroup(browser, '/broadcasts')
  const form = page.getByTestId('broadcast-form')
  await form.waitFor()
  await form.locator(`[data-testid="group-option"][data-id="${group.id}"]`).check()

  // A stale error goes as soon as the owner types.
  await form.getByTestId('broadcast-submit').click()
  const error = form.getByTestId('form-error')
  await error.filter({ hasText: '请输入群发内容' }).waitFor()
  const content = form.getByPlaceholder('输入群发内容')
  await content.pressSequentially('周')
  assert.equal(await error.count(), 0, 'the error stayed after typing')

  // A refusal naming a field is said in words.
  await content.fill('周末活动')
  await page.route('**/api/broadcasts', (route) =>
    route.request().method() === 'POST'
      ? route.fulfill({ contentType: 'application/json', body: '{"code":1403,"msg":"send_at 不能早于现在","data":null}' })
      : route.continue(),
  )
  await form.getByTestId('broadcast-submit').click()
  await error.waitFor()
  assert.equal((await error.innerText()).trim(), '发送时间不能早于现在')
  await page.unroute('**/api/broadcasts')

  // 定时发送: a picker of Beijing time from the next minute on; nothing earlier is there to pick.
  await form.getByTestId('send-later').check()
  const opened = Date.now()
  await form.getByTestId('send-at').click()
  const picker = page.locator('.adm-picker').filter({ hasText: '选择发送时间' })
  await picker.waitFor()
  const columns = picker.locator('.adm-picker-view-column')
  assert.equal(await columns.count(), 5)
  const first = async (i) => (await columns.nth(i).locator('.adm-picker-view-column-item').first().innerText()).trim()
  const earliest = beijing(Math.floor(opened / 60_000) * 60_000 + 60_000)
  assert.equal(await first(0), `${earliest[0]}年`)
  assert.equal(await first(1), `${earliest[1]}月`)
  assert.equal(await first(2), `${earliest[2]}日`)
  // The earliest day and hour chosen, the minutes start at the next minute.
  await columns.nth(2).locator('.adm-picker-view-column-item').first().dispatchEvent('click')
  await columns.nth(3).locator('.adm-picker-view-column-item').first().dispatchEvent('click')
  await eventually(async () => (await first(3)) === `${pad(earliest[3])}时`, 'the earliest hour first', 5_000)
  await eventually(async () => (await first(4)) === `${pad(earliest[4])}分`, 'the next minute first', 5_000)
  await screenshot(page, 'h5-broadcast-picker')
  // The next hour instead, its first minute.
  const hours = columns.nth(3).locator('.adm-picker-view-column-item')
  if ((await hours.count()) > 1) await hours.nth(1).dispatchEvent('click')
  await page.waitForTimeout(500)
  await picker.getByText('确定', { exact: true }).click()
  const sendAt = form.getByTestId('send-at')
  const picked = Number(await sendAt.getAttribute('data-ms'))
  assert.ok(picked > Date.now(), `picked ${new Date(picked).toISOString()}, in the past`)
  const [, month, day, hour, minute] = beijing(picked)
  assert.equal((await sendAt.innerText()).trim(), `北京时间 ${month}月${day}日 ${pad(hour)}:${pad(minute)}`)

  const created = page.waitForResponse(isCreate)
  await form.getByTestId('broadcast-submit').click()
  const task = (await (await created).json()).data
  assert.equal(Date.parse(task.send_at), picked)
  await form.getByTestId('broadcast-created').filter({ hasText: '已创建定时群发' }).waitFor()

  // Not sent yet: 待发送, not "成功 0".
  const row = page.locator(`[data-testid="broadcast-row"][data-id="${task.id}"]`)
  await row.waitFor()
  assert.equal((await row.getByTestId('broadcast-state').innerText()).trim(), '待发送')
  assert.equal((await row.getByTestId('target-state').innerText()).trim(), '待发送')
  const rowText = await row.innerText()
  assert.ok(!rowText.includes('成功 0'), rowText)
  assert.match(rowText, /1 个群，待发送/)
  await screenshot(page, 'h5-broadcast-scheduled')

  // A delivery the robot platform fails: plain words, no code.
  await sandboxApi('POST', '/sandbox/robot/faults', { send_fail: 1 })
  await form.getByTestId('send-now').check()
  await content.fill('这条会发送失败')
  const now = page.waitForResponse(isCreate)
  await form.getByTestId('broadcast-submit').click()
  const failing = (await (await now).json()).data
  await runJob('broadcast-dispatch')
  const failedRow = page.locator(`[data-testid="broadcast-row"][data-id="${failing.id}"]`)
  await reloadUntilShown(page, failedRow.locator('[data-testid="target-state"][data-state="failed"]'), 'the failure')
  const outcome = (await failedRow.getByTestId('target-state').innerText()).trim()
  assert.match(outcome, /^发送失败：\S/)
  assert.ok(!/\d{3,}|错误码|[（(]/.test(outcome), `the failure says ${outcome}`)
  const [target] = (await h5Api(page, 'GET', '/api/broadcasts?page=1&page_size=20')).items.find((b) => b.id === failing.id)
    .targets
  assert.equal(target.state, 'failed')
  assert.ok(!(await failedRow.innerText()).includes(String(target.code ?? 'no code')), 'the code is shown')
  await screenshot(page, 'h5-broadcast-failed')
  await sandboxApi('POST', '/sandbox/robot/faults', { send_fail: 0 })
  await done()
})

test('the robot offer is remembered, and followed while the page is open: paired, in a group', { timeout: 120_000 }, async () => {
  await clockBack()
  const { page, done } = await newOwnerPage(browser, '/')
  await page.goto(`${BASE}/bind-phone?redirect=/robots`)
  await bindFreshPhone(page)
  await page.waitForURL(`${BASE}/robots`)
  const assigned = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/robots/assign')
  await page.getByTestId('assign-robot').click()
  const offered = (await (await assigned).json()).data.robots[0]
  const offer = page.getByTestId('robot-offer')
  await offer.waitFor()

  // Off to WeChat and back (another page, then back; then the page opened afresh): the same offer.
  await page.getByRole('link', { name: /查看我的群/ }).click()
  await page.waitForURL(`${BASE}/groups`)
  await page.goBack()
  await page.waitForURL(`${BASE}/robots`)
  await offer.waitFor()
  assert.equal((await offer.getByTestId('pairing-code').innerText()).trim(), offered.pairing_code)
  await page.goto(`${BASE}/robots`)
  await offer.waitFor()
  assert.equal((await offer.getByTestId('pairing-code').innerText()).trim(), offered.pairing_code)
  assert.equal(await offer.getAttribute('data-robot-wxid'), offered.robot_wxid)
  assert.equal((await page.getByTestId('assign-robot').innerText()).trim(), '换一个机器人')
  const status = offer.getByTestId('offer-status')
  assert.equal(await status.getAttribute('data-stage'), 'waiting')
  await screenshot(page, 'h5-robot-offer-remembered')

  // The owner adds the robot with the code: the open page says so, no reload.
  const id = uniqueId()
  const owner = `wxid_e2e_owner_${id}`
  await emitRobotEvents([{ type: 'friend_added', robot_wxid: offered.robot_wxid, user_wxid: owner, text: offered.pairing_code }])
  await eventually(
    async () => (await robotSent({ user: owner })).some((m) => m.content?.text?.includes('配对成功')),
    'the robot confirming the pairing',
  )
  await offer.locator('[data-testid="offer-status"][data-stage="paired"]').waitFor({ timeout: 20_000 })
  assert.match(await status.innerText(), /已配对/)
  await screenshot(page, 'h5-robot-offer-paired')

  // …and pulls it into a group: 已进群 “群名”, a link to the group.
  const group = { wxid: `e2e_${id}@chatroom`, name: `萌宠流程群${id.slice(-5)}` }
  await emitRobotEvents([
    {
      type: 'joined_group',
      robot_wxid: offered.robot_wxid,
      group_wxid: group.wxid,
      group_name: group.name,
      inviter_wxid: owner,
      member_count: 30,
    },
  ])
  await offer.locator('[data-testid="offer-status"][data-stage="joined"]').waitFor({ timeout: 20_000 })
  assert.match(await status.innerText(), /已进群/)
  const link = status.getByTestId('offer-group-link')
  assert.equal((await link.innerText()).trim(), `“${group.name}”`)
  await screenshot(page, 'h5-robot-offer-joined')
  const groupId = await link.getAttribute('data-id')
  await link.click()
  await page.waitForURL(`${BASE}/groups/${groupId}`)
  await page.getByTestId('group-name').filter({ hasText: group.name }).waitFor()
  await done()
})

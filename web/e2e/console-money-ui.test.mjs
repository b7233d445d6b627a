// The console's money pages after the walk-through of issue 15, against a running product and
// sandbox: a payout WeChat Pay refused for the real name says whether the owner corrected the
// name since (point 1); the user page shows the owner's money, withdrawals and corrections to
// every role that may open it, linking to the withdrawals page (point 7); the withdrawals CSV in
// Chinese, campaign names on one line, the dead letters and ledger audit pages explained, and
// the ledger audit run now from its page (point 10).
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import {
  ADMIN_PASSWORD,
  BASE,
  businessClock,
  consoleApi,
  consoleToken,
  desktopContext,
  eventually,
  h5Api,
  isApi,
  launch,
  loginWithOpenid,
  notice,
  noticeRecorder,
  pairAndJoin,
  phoneContext,
  sandboxApi,
  screenshot,
  setClockOffset,
  sleep,
  uniqueId,
} from './browser.mjs'
import {
  addDays,
  clockEarlyOn,
  consoleFen,
  earn,
  idNumber,
  offerRobots,
  payFaults,
  settle,
  textOf,
  unsettledDay,
} from './money.mjs'

let browser
let admin
let finance
let owner
let me
/** The owner's withdrawal WeChat Pay refused: the real name does not match. */
let refused

const EARNED_FEN = 10 + 3000
const NAME_MISMATCH = '实名信息与微信实名不一致'
const FIRST_NAME = '王小财'
const CORRECTED_NAME = '王晓财'

before(
  async () => {
    browser = await launch()
    admin = await consoleToken()
    finance = await consoleToken('caiwu')
    await offerRobots(admin)
    const { offset_seconds: offset } = await businessClock()
    try {
      const earning = await unsettledDay(admin, offset)
      owner = await ownerWithGroup(browser)
      await h5Api(owner.page, 'POST', '/api/me/identity', { name: FIRST_NAME, id_number: idNumber() })
      me = await h5Api(owner.page, 'GET', '/api/me')
      await earn(owner.group, [3000], owner.page)
      await eventually(
        async () => (await h5Api(owner.page, 'GET', '/api/account')).today_income_fen === EARNED_FEN,
        "the owner's income of the day",
      )
      await clockEarlyOn(addDays(earning.day, 1))
      assert.equal((await settle(admin, earning.day)).state, 'done')
      await payFaults(['name_mismatch'])
      const w = await h5Api(owner.page, 'POST', '/api/withdrawals', { amount_fen: 1000 })
      refused = await eventually(async () => {
        const now = await h5Api(owner.page, 'GET', `/api/withdrawals/${w.id}`)
        return now.state === 'failed' && now
      }, `withdrawal ${w.id} to fail`)
      assert.equal(refused.failure_reason, NAME_MISMATCH)
    } finally {
      await setClockOffset(offset)
      await payFaults([])
    }
  },
  { timeout: 90_000 },
)
after(async () => {
  await owner?.done()
  await browser?.close()
})

const TIMEOUT = { timeout: 60_000 }

/**
 * A console page of `username`, logged in through the API (the session cookie in the page's
 * context; the login form has tests of its own); `done()` closes it and fails on errors the
 * page threw meanwhile.
 */
async function consoleLogin(browser, username) {
  const context = await desktopContext(browser)
  const res = await context.request.post(`${BASE}/api/console/auth/login`, { data: { username, password: ADMIN_PASSWORD } })
  assert.equal((await res.json()).code, 1200, `login as ${username}`)
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (error) => errors.push(error))
  await page.addInitScript(noticeRecorder)
  const done = async () => {
    await context.close()
    assert.deepEqual(errors.map(String), [], 'errors in the page')
  }
  return { page, done }
}

/**
 * A new owner logged in through the sandbox's WeChat, with a phone bound and an active group,
 * set up through the API (these tests are about the console, not the H5's forms).
 */
async function ownerWithGroup(browser) {
  const context = await phoneContext(browser)
  const page = await context.newPage()
  await page.goto(`${BASE}/`)
  await loginWithOpenid(page, `o_e2e_money_ui_${uniqueId()}`)
  await page.waitForURL((url) => url.pathname === '/')
  const phone = `139${String(Math.floor(Math.random() * 100_000_000)).padStart(8, '0')}`
  await h5Api(page, 'POST', '/api/me/phone/code', { phone })
  const messages = await eventually(async () => {
    const all = (await sandboxApi('GET', `/sandbox/sms?phone=${phone}`)).messages
    return all.length > 0 && all
  }, `an SMS to ${phone}`)
  await h5Api(page, 'POST', '/api/me/phone', { phone, code: messages.at(-1).code })
  const [offer] = (await h5Api(page, 'POST', '/api/robots/assign')).robots
  const group = await pairAndJoin(offer.robot_wxid, offer.pairing_code)
  const active = await eventually(async () => {
    const { items } = await h5Api(page, 'GET', '/api/groups')
    return items.find((g) => g.group_wxid === group.wxid && g.state === 'active')
  }, 'the group to turn active')
  return { page, group: { ...group, id: active.id, robotWxid: offer.robot_wxid }, done: () => context.close() }
}

/** A text without its white space (antd's Statistic splits prefix and value). */
const squeeze = (text) => text.replace(/\s+/g, '')

test('withdrawals: a payout refused for the real name says whether the owner has corrected it since', TIMEOUT, async () => {
  const { page, done } = await consoleLogin(browser, 'caiwu')
  await page.goto(`${BASE}/console/withdrawals?user_id=${me.id}&day=${refused.day}`)
  const row = page.locator(`[data-testid="withdrawal-row"][data-id="${refused.id}"]`)
  await row.waitFor()
  assert.equal(await textOf(row.getByTestId('withdrawal-failure')), NAME_MISMATCH)
  const fix = row.getByTestId('withdrawal-name-fix')
  assert.equal(await fix.getAttribute('data-fixed'), 'false')
  assert.match(await textOf(fix), /尚未更正姓名/)

  // The owner corrects the name (the H5's way out of the dead end): finance sees it at once.
  const profile = await h5Api(owner.page, 'POST', '/api/me/identity/correction', { name: CORRECTED_NAME })
  assert.equal(profile.identity_correction, null, 'one correction per refusal')
  await page.reload()
  await row.locator('[data-testid="withdrawal-name-fix"][data-fixed="true"]').waitFor()
  assert.match(await textOf(row.getByTestId('withdrawal-name-fix')), /已于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 更正姓名，可重试打款/)
  await screenshot(page, 'console-withdrawal-name-corrected')
  await done()
})

test("user detail: the owner's money, withdrawals and name corrections, for every role, with links", TIMEOUT, async () => {
  const detail = await consoleApi(finance, 'GET', `/api/console/users/${me.id}`)
  const { money } = detail
  assert.equal(money.available_fen, EARNED_FEN - 1000 + 1000, 'the refused payout was released')
  for (const username of ['caiwu', 'yunying', 'admin']) {
    const { page, done } = await consoleLogin(browser, username)
    await page.goto(`${BASE}/console/users/${me.id}`)
    const section = page.getByTestId('user-money')
    await section.waitFor()
    assert.equal(squeeze(await section.getByTestId('user-available').innerText()), consoleFen(money.available_fen), username)
    assert.equal(squeeze(await section.getByTestId('user-held').innerText()), consoleFen(money.held_fen), username)
    // Income by kind, as the H5 names them.
    const income = await section.getByTestId('user-income').innerText()
    assert.match(income, /群收益\s+¥0\.10/, username)
    assert.match(income, /广告收益\s+¥30\.00/, username)
    // The withdrawals with their states in Chinese and what happened since.
    const w = section.locator(`[data-testid="user-withdrawal"][data-id="${refused.id}"]`)
    assert.equal(await textOf(w.getByTestId('user-withdrawal-state')), '打款失败', username)
    assert.match(await textOf(w.getByTestId('user-withdrawal-name-fix')), /已于 .* 更正姓名/, username)
    // The recent flows: the refused payout held and released.
    const flows = await section.getByTestId('user-flows').innerText()
    assert.match(flows, /提现冻结[\s\S]*-¥10\.00/, username)
    assert.match(flows, /提现退回[\s\S]*\+¥10\.00/, username)
    // The corrections (whole names for finance and admins, masked for operations).
    const corrections = page.getByTestId('user-corrections')
    const names = await textOf(corrections.getByTestId('user-correction-names'))
    if (username === 'yunying') assert.ok(!names.includes(FIRST_NAME) && names.includes('→'), names)
    else assert.equal(names, `${FIRST_NAME} → ${CORRECTED_NAME}`)
    if (username === 'caiwu') {
      await screenshot(page, 'console-user-money')
      // Its link opens the withdrawals page on that withdrawal.
      await w.getByTestId('user-withdrawal-link').click()
      await page.waitForURL((url) => url.pathname === '/console/withdrawals' && url.searchParams.get('id') === String(refused.id))
      const url = new URL(page.url())
      assert.equal(url.searchParams.get('user_id'), String(me.id))
      await page.locator(`[data-testid="withdrawal-row"][data-id="${refused.id}"][data-marked="true"]`).waitFor()
      await page.goBack()
      await page.getByTestId('user-withdrawals-link').click()
      await page.waitForURL((u) => u.pathname === '/console/withdrawals' && u.searchParams.get('user_id') === String(me.id))
      await page.locator(`[data-testid="withdrawal-row"][data-id="${refused.id}"]`).waitFor()
    }
    await done()
  }
})

test('withdrawals CSV: Chinese headers and states, downloaded from the page', TIMEOUT, async () => {
  const { page, done } = await consoleLogin(browser, 'caiwu')
  await page.goto(`${BASE}/console/withdrawals?user_id=${me.id}&day=${refused.day}`)
  await page.locator(`[data-testid="withdrawal-row"][data-id="${refused.id}"]`).waitFor()
  const downloading = page.waitForEvent('download')
  await page.getByTestId('withdrawals-export').click()
  const download = await downloading
  const csv = await readFile(await download.path(), 'utf8')
  const [header, ...rows] = csv.split('\r\n')
  assert.ok(header.startsWith('\ufeff'), 'a BOM for Excel')
  const columns = header.slice(1).split(',')
  assert.ok(columns.length >= 8, header)
  for (const column of columns) assert.match(column, /[\u4e00-\u9fff]/, `an English header: ${header}`)
  assert.ok(columns.includes('状态'), header)
  const line = rows.find((r) => r.startsWith(`${refused.id},`))
  assert.ok(line, csv)
  assert.ok(line.split(',').includes('打款失败'), line)
  assert.ok(!/,failed,/.test(line), line)
  await notice(page, '已导出')
  await done()
})

test('campaigns: a long name stays on one line, whole on hover', TIMEOUT, async () => {
  const name = `双十二宠物用品全场五折限时特惠活动第${uniqueId()}期超长名称测试`
  const starts = new Date(Date.now() + 2 * 86_400_000).toISOString()
  const campaign = await consoleApi(admin, 'POST', '/api/console/campaigns', {
    name,
    content: { kind: 'text', text: '猫粮狗粮全场五折' },
    min_stars: 5,
    starts_at: starts,
  })
  try {
    const { page, done } = await consoleLogin(browser, 'admin')
    await page.goto(`${BASE}/console/campaigns`)
    const cell = page.getByTestId('campaign-row').getByTestId('campaign-name-cell').and(page.getByTitle(name, { exact: true }))
    await cell.waitFor()
    assert.equal(await cell.getAttribute('title'), name)
    const box = await cell.boundingBox()
    const lineHeight = await cell.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 22)
    assert.ok(box.height < lineHeight * 1.5, `the name takes ${box.height}px, lines of ${lineHeight}px`)
    const letters = await cell.evaluate((el) => {
      const range = document.createRange()
      range.selectNodeContents(el)
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size
    })
    assert.equal(letters, 1, 'one line')
    await screenshot(page, 'console-campaigns-long-name')
    await done()
  } finally {
    await consoleApi(admin, 'DELETE', `/api/console/campaigns/${campaign.id}`)
  }
})

test('dead letters: the page says what they are and when they are collected', TIMEOUT, async () => {
  const { page, done } = await consoleLogin(browser, 'admin')
  await page.goto(`${BASE}/console/dead-letters`)
  const explain = page.getByTestId('dead-letters-explain')
  await explain.waitFor()
  const text = await textOf(explain)
  assert.match(text, /失败 5 次后移入死信队列/)
  assert.match(text, /保留 14 天/)
  assert.match(text, /每次打开或刷新时/)
  await done()
})

test('ledger audit: explained, and 立即核对 runs it now with its progress and result', TIMEOUT, async () => {
  const { page, done } = await consoleLogin(browser, 'caiwu')
  await page.goto(`${BASE}/console/ledger-audit`)
  assert.match(await textOf(page.getByTestId('ledger-explain')), /每天凌晨 3:00（北京时间）自动核对/)
  await page.getByTestId('ledger-audit').waitFor()
  const before = await page.getByTestId('ledger-history-row').count()
  // Held a moment, so that the progress shows.
  await page.route('**/api/console/ledger/audit/run', async (route) => {
    await sleep(1500)
    await route.continue()
  })
  const ran = page.waitForResponse((r) => isApi(r, '/api/console/ledger/audit/run', 'POST'))
  await page.getByRole('button', { name: '立即核对' }).click()
  const progress = page.getByTestId('ledger-run-progress')
  await progress.waitFor()
  assert.match(await textOf(progress), /正在核对账本…已用 \d+ 秒/)
  const answer = await (await ran).json()
  assert.equal(answer.code, 1200, answer.msg)
  const report = answer.data.latest ?? answer.data
  assert.equal(report.ok, true, JSON.stringify(report.checks))
  await progress.waitFor({ state: 'detached' })
  await notice(page, '核对完成：账本正常')
  const status = page.getByTestId('ledger-status')
  assert.equal(await status.getAttribute('data-ok'), 'true')
  assert.ok((await status.innerText()).includes(`分录 ${report.entries}`))
  await eventually(async () => (await page.getByTestId('ledger-history-row').count()) === Math.min(before + 1, 10), 'the run in the history')
  await screenshot(page, 'console-ledger-audit-run')
  await done()

  // Operations may not run it.
  const operator = await consoleToken('yunying')
  await assert.rejects(consoleApi(operator, 'POST', '/api/console/ledger/audit/run', {}), /HTTP 403/)
})

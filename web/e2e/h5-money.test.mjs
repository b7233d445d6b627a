// The owners' money (issue 5) against a running product and sandbox: a new owner earns (their
// group's sessions and ad clicks), the day is settled from the console, the wallet shows the
// balance, the flows and the chart; a withdrawal confirmed through the JS-SDK (the sandbox's
// stand-in of WeChat's page) is paid; the next day a withdrawal WeChat Pay refuses (real name
// mismatch) says why and gives the money back, and one the owner declines comes back too. An
// apprentice's income pays their master and grand-master a share, shown in the wallet and on
// the invite page, which WeChat shares as a card carrying the owner's invite link.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  BASE,
  businessClock,
  consoleApi,
  consoleToken,
  h5Api,
  launch,
  notice,
  ownerWithGroup,
  reloadUntilShown as reloadUntil,
  recordNotices,
  sandboxApi,
  screenshot,
  setClockOffset,
} from './browser.mjs'
import {
  addDays,
  clockEarlyOn,
  consoleFen,
  consoleLogin,
  earn,
  groupOf,
  h5Fen,
  idNumber,
  inviteOwner,
  offerRobots,
  payBill,
  payFaults,
  settle,
  textOf,
  unsettledDay,
} from './money.mjs'

let browser
let admin
before(async () => {
  browser = await launch()
  admin = await consoleToken()
  await offerRobots(admin)
})
after(async () => {
  await browser?.close()
})

/** 4 sessions make 2★: ¥0.10 a day at the default settings. */
const GROUP_FEN = 10
const ADS_FEN = [1234, 566]
const EARNED_FEN = GROUP_FEN + 1234 + 566
const FIRST_FEN = 1234
const LEFT_FEN = EARNED_FEN - FIRST_FEN

const isWithdrawalPost = (r) => new URL(r.url()).pathname === '/api/withdrawals' && r.request().method() === 'POST'

/** The wallet's figures as shown: [available, held, today's estimate, total income, paid]. */
async function walletFigures(page) {
  await page.getByTestId('wallet-balance').waitFor()
  const texts = []
  for (const id of ['available', 'held', 'today-income', 'total-income', 'paid']) {
    texts.push((await page.getByTestId(id).innerText()).trim())
  }
  return texts
}

/** The flows shown, newest first: [kind, amount in fen, source]. */
async function flows(page) {
  await page.getByTestId('flow-list').waitFor()
  return page.getByTestId('flow-row').evaluateAll((rows) =>
    rows.map((row) => [
      row.dataset.kind,
      Number(row.querySelector('[data-testid="flow-amount"]').dataset.fen),
      row.querySelector('[data-testid="flow-source"]')?.textContent.trim() ?? '',
    ]),
  )
}

/** On /withdraw: asks for `amount` (typed, or null for 全部提现) and confirms; answers the withdrawal made. */
/** The share cards the JS-SDK was given on `page` for `link` (both kinds), waiting for them. */
async function sharesOf(page, link) {
  for (let i = 0; i < 50; i++) {
    const { shares } = await sandboxApi('GET', '/sandbox/jssdk/shares')
    const cards = shares.filter((s) => s.link === link && s.url === page)
    if (cards.length >= 2) return cards.slice(-2)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  assert.fail(`no share card for ${link}`)
}

async function withdraw(page, amount, expectedFen) {
  const input = page.getByRole('textbox', { name: '提现金额' })
  await input.waitFor()
  if (amount === null) {
    await page.getByTestId('withdraw-all').click()
  } else {
    await input.fill(amount)
  }
  await page.getByTestId('withdraw-submit').click()
  const dialog = page.getByRole('dialog')
  await dialog.waitFor()
  assert.equal((await dialog.getByTestId('withdraw-confirm-amount').innerText()).trim(), h5Fen(expectedFen))
  const posted = page.waitForResponse(isWithdrawalPost)
  await dialog.getByTestId('confirm-ok').click()
  const answer = await (await posted).json()
  assert.equal(answer.code, 1200, answer.msg)
  const w = answer.data
  assert.equal(w.amount_fen, expectedFen)
  assert.equal(w.out_bill_no, `GW${w.id}A1`)
  assert.equal(w.attempt, 1)
  await page.waitForURL(`${BASE}/withdrawals/${w.id}`)
  return w
}

test(
  'an owner earns, the day is settled, withdraws and confirms in WeChat; next day a refused payout is given back',
  { timeout: 150_000 },
  async () => {
    const { offset_seconds: offset } = await businessClock()
    try {
      // On a day nobody has settled yet (income of a settled day is never credited), a new owner
      // with a phone and a group.
      const earning = await unsettledDay(admin, offset)
      const { page, done, group } = await ownerWithGroup(browser, '/wallet')

      // Real name through the H5 page (withdrawing needs it), back to the empty wallet.
      await page.goto(`${BASE}/identity?redirect=/wallet`)
      await page.getByRole('textbox', { name: '真实姓名' }).fill('李小测')
      await page.getByRole('textbox', { name: '身份证号' }).fill(idNumber())
      await page.getByTestId('identity-submit').click()
      // What will be kept is shown first; only the confirmation saves it.
      await page.getByRole('dialog').getByRole('button', { name: '确认提交' }).click()
      await page.getByTestId('identity-done').waitFor()
      await page.getByTestId('identity-back').click()
      await page.waitForURL(`${BASE}/wallet`)
      assert.deepEqual(await walletFigures(page), ['¥0.00', '¥0.00', '¥0.00', '¥0.00', '¥0.00'])
      await page.getByTestId('flows-empty').waitFor()
      const me = await h5Api(page, 'GET', '/api/account')
      assert.deepEqual(
        [me.withdraw.phone_bound, me.withdraw.identity_bound, me.withdraw.withdrawn_today, me.withdraw.frozen],
        [true, true, false, false],
      )

      // A day of income: sessions and two ad clicks, shown at once as today's estimate, nothing
      // available yet.
      await earn(group, ADS_FEN, page)
      const estimate = page.getByTestId('today-income').filter({ hasText: h5Fen(EARNED_FEN) })
      await reloadUntil(page, estimate, "today's estimate")
      assert.deepEqual(await walletFigures(page), ['¥0.00', '¥0.00', h5Fen(EARNED_FEN), '¥0.00', '¥0.00'])
      await screenshot(page, 'h5-wallet-today')

      // The next day (01:00, before the settlement job), finance runs the settlement of that day
      // in the console.
      await clockEarlyOn(addDays(earning.day, 1))
      const finance = await consoleLogin(browser, 'caiwu')
      const cp = finance.page
      await recordNotices(cp)
      await cp.getByTestId('nav-settlements').click()
      await cp.getByTestId('settlement-form').waitFor()
      await cp.getByTestId('settlement-day').fill(earning.day)
      await cp.getByTestId('settlement-run').click()
      const runDetail = cp.locator(`[data-testid="settlement-detail"][data-day="${earning.day}"][data-state="done"]`)
      await runDetail.waitFor({ timeout: 60_000 })
      await notice(cp, `${earning.day} 结算完成`)
      assert.equal((await runDetail.getByTestId('settlement-state').innerText()).trim(), '已完成')
      assert.equal(await runDetail.getByTestId('settlement-progress').getAttribute('data-pct'), '100')
      const run = await consoleApi(admin, 'GET', `/api/console/settlements/${earning.day}`)
      assert.deepEqual([run.state, run.runs], ['done', 1])
      assert.equal((await runDetail.getByTestId('settlement-runs').innerText()).trim(), '已运行 1 次')
      assert.ok(run.group_income_fen >= GROUP_FEN, `group income ${run.group_income_fen}`)
      assert.ok(run.ad_income_fen >= 1800, `ad income ${run.ad_income_fen}`)
      assert.equal(run.total_fen, run.group_income_fen + run.ad_income_fen + run.commission_fen)
      for (const [id, fen] of [
        ['settlement-group-income', run.group_income_fen],
        ['settlement-ad-income', run.ad_income_fen],
        ['settlement-commission', run.commission_fen],
        ['settlement-total', run.total_fen],
      ]) {
        assert.equal((await runDetail.getByTestId(id).innerText()).trim(), consoleFen(fen), id)
      }
      assert.ok(Number(await runDetail.getByTestId('settlement-users').innerText()) >= 1)
      await cp.locator(`[data-testid="settlement-row"][data-day="${earning.day}"][data-state="done"]`).waitFor()
      await screenshot(cp, 'console-settlement-run')
      await finance.done()

      // The wallet: the day's income is available, in the flows (by group) and the chart.
      await page.reload()
      assert.deepEqual(await walletFigures(page), [h5Fen(EARNED_FEN), '¥0.00', '¥0.00', h5Fen(EARNED_FEN), '¥0.00'])
      assert.equal(await page.getByTestId('available').getAttribute('data-fen'), String(EARNED_FEN))
      assert.deepEqual((await flows(page)).sort(), [
        ['ad_income', 1800, group.name],
        ['group_income', GROUP_FEN, group.name],
      ])
      const bar = page.locator(`[data-testid="income-bar"][data-day="${earning.day}"]`)
      assert.equal(await bar.getAttribute('data-fen'), String(EARNED_FEN))
      const segments = await bar
        .getByTestId('income-segment')
        .evaluateAll((rects) => rects.map((r) => [r.dataset.series, Number(r.dataset.fen)]))
      assert.deepEqual(segments.filter(([, fen]) => fen > 0).sort(), [
        ['ad', 1800],
        ['group', GROUP_FEN],
      ])
      await screenshot(page, 'h5-wallet-settled')

      // Withdraw ¥12.34: the form checks the amount, a confirmation step, then the detail page.
      await page.getByTestId('withdraw-entry').click()
      await page.waitForURL(`${BASE}/withdraw`)
      assert.equal(await page.getByTestId('withdraw-available').getAttribute('data-fen'), String(EARNED_FEN))
      assert.equal(await textOf(page.getByTestId('withdraw-limits')), '单笔 ¥1.00 – ¥500.00，每天 1 次')
      await page.getByRole('textbox', { name: '提现金额' }).fill('20')
      await page.getByTestId('withdraw-submit').click()
      const tooMuch = `可提现余额不足，当前可提现 ${h5Fen(EARNED_FEN)}`
      await page.getByTestId('withdraw-error').filter({ hasText: tooMuch }).waitFor()
      await page.getByRole('textbox', { name: '提现金额' }).fill('12.34')
      await page.getByTestId('withdraw-submit').click()
      await page.getByRole('dialog').waitFor()
      await screenshot(page, 'h5-withdraw-confirm')
      await page.getByTestId('confirm-cancel').click()
      const first = await withdraw(page, '12.34', FIRST_FEN)

      // Sent to WeChat Pay, waiting for the owner to accept it: 待确认收款, the money held.
      const detail = page.getByTestId('withdrawal-detail')
      await page.locator('[data-testid="withdrawal-detail"][data-state="waiting_user"]').waitFor({ timeout: 15_000 })
      assert.equal((await detail.getByTestId('withdrawal-state').innerText()).trim(), '待确认收款')
      assert.equal((await detail.getByTestId('withdrawal-amount').innerText()).trim(), h5Fen(FIRST_FEN))
      assert.equal((await page.getByTestId('withdrawal-bill').innerText()).trim(), first.out_bill_no)
      await page.getByTestId('withdrawal-confirm-hint').waitFor()
      const waiting = await payBill(first.out_bill_no)
      assert.deepEqual([waiting.state, waiting.transfer_amount], ['WAIT_USER_CONFIRM', FIRST_FEN])
      const held = await h5Api(page, 'GET', '/api/account')
      assert.deepEqual([held.available_fen, held.held_fen], [LEFT_FEN, FIRST_FEN])
      await screenshot(page, 'h5-withdrawal-waiting')

      // Outside WeChat, WeChat's own script has no bridge to talk to: the page says where to
      // confirm instead of offering a button that cannot work.
      const outside = await page.context().newPage()
      await outside.route('**/sandbox/jssdk/jweixin.js', (route) =>
        route.fulfill({ contentType: 'application/javascript', body: 'window.wx = { config() {}, ready() {}, error() {} }' }),
      )
      await outside.goto(`${BASE}/withdrawals/${first.id}`)
      await outside.getByTestId('confirm-outside-wechat').waitFor()
      assert.equal(await outside.getByTestId('confirm-receipt').count(), 0)
      await screenshot(outside, 'h5-withdrawal-outside-wechat')
      await outside.close()

      // 确认收款: the JS-SDK's requestMerchantTransfer opens WeChat's confirmation (the sandbox's
      // stand-in, over the page) for this bill; the owner accepts there.
      await page.getByTestId('confirm-receipt').click()
      const sheet = page.getByTestId('sandbox-transfer')
      await sheet.waitFor()
      assert.equal(await textOf(sheet.getByTestId('sandbox-transfer-amount')), h5Fen(FIRST_FEN))
      await screenshot(page, 'h5-withdrawal-wechat-confirm')
      await sheet.getByTestId('sandbox-transfer-confirm').click()
      await page.getByTestId('confirm-done').waitFor()
      const config = (await sandboxApi('GET', '/sandbox/jssdk/configs')).configs.at(-1)
      assert.deepEqual([config.url, config.errMsg], [`${BASE}/withdrawals/${first.id}`, 'config:ok'])

      // The page follows by itself: 已到账, the money paid out of the held balance.
      const paid = page.locator('[data-testid="withdrawal-detail"][data-state="success"]')
      await paid.waitFor({ timeout: 20_000 })
      assert.equal((await detail.getByTestId('withdrawal-state').innerText()).trim(), '已到账')
      assert.equal(await page.getByTestId('withdrawal-confirm').count(), 0)
      await page.getByTestId('withdrawal-finished').waitFor()
      const steps = await page
        .getByTestId('timeline-step')
        .evaluateAll((els) => els.map((e) => [e.dataset.step, e.dataset.status]))
      assert.deepEqual(steps, [
        ['created', 'done'],
        ['submitted', 'done'],
        ['waiting_user', 'done'],
        ['success', 'done'],
      ])
      await screenshot(page, 'h5-withdrawal-paid')
      await page.goto(`${BASE}/wallet`)
      assert.deepEqual(await walletFigures(page), [
        h5Fen(LEFT_FEN),
        '¥0.00',
        '¥0.00',
        h5Fen(EARNED_FEN),
        h5Fen(FIRST_FEN),
      ])
      const [latest] = await flows(page)
      assert.deepEqual(latest, ['withdrawal_hold', -FIRST_FEN, `提现单 #${first.id}`])
      await screenshot(page, 'h5-wallet-paid')

      // Once a day: the form says so until tomorrow.
      await page.goto(`${BASE}/withdraw`)
      await page.locator('[data-testid="withdraw-blocked"][data-reason="withdrawn_today"]').waitFor()

      // The next day WeChat Pay refuses the transfer (the real name does not match): 失败, the
      // reason, and the money back in the available balance.
      await clockEarlyOn(addDays(earning.day, 2))
      await payFaults(['name_mismatch'])
      await page.reload()
      const second = await withdraw(page, null, LEFT_FEN)
      assert.equal(second.day > first.day, true, `${second.day} after ${first.day}`)
      await page.locator('[data-testid="withdrawal-detail"][data-state="failed"]').waitFor({ timeout: 15_000 })
      assert.equal((await detail.getByTestId('withdrawal-state').innerText()).trim(), '失败')
      assert.equal(
        (await page.getByTestId('withdrawal-failure-reason').innerText()).trim(),
        '实名信息与微信实名不一致',
      )
      assert.equal(await textOf(page.getByTestId('withdrawal-refunded')), '提现金额已退回可提现余额')
      const ended = page.locator('[data-testid="timeline-step"][data-step="failed"]')
      assert.equal(await ended.getAttribute('data-status'), 'failed')
      const refused = await payBill(second.out_bill_no)
      assert.deepEqual([refused.state, refused.fail_reason], ['FAIL', 'NAME_NOT_CORRECT'])
      assert.deepEqual((await sandboxApi('GET', '/sandbox/pay/faults')).next, [], 'the fault was used')
      await screenshot(page, 'h5-withdrawal-failed')

      await page.goto(`${BASE}/wallet`)
      assert.deepEqual(await walletFigures(page), [
        h5Fen(LEFT_FEN),
        '¥0.00',
        '¥0.00',
        h5Fen(EARNED_FEN),
        h5Fen(FIRST_FEN),
      ])
      const shown = await flows(page)
      assert.deepEqual(shown.slice(0, 2).sort(), [
        ['withdrawal_hold', -LEFT_FEN, `提现单 #${second.id}`],
        ['withdrawal_release', LEFT_FEN, `提现单 #${second.id}`],
      ])
      assert.equal(shown.length, 5)
      await screenshot(page, 'h5-wallet-restored')

      // A day later the owner withdraws again and declines the transfer on WeChat's page: the
      // bill is cancelled, and the money is back.
      await clockEarlyOn(addDays(earning.day, 3))
      await page.goto(`${BASE}/withdraw`)
      const third = await withdraw(page, null, LEFT_FEN)
      await page.locator('[data-testid="withdrawal-detail"][data-state="waiting_user"]').waitFor({ timeout: 15_000 })
      await page.getByTestId('confirm-receipt').click()
      await sheet.waitFor()
      await sheet.getByTestId('sandbox-transfer-cancel').click()
      await page.getByTestId('confirm-cancelled').waitFor()
      await page.locator('[data-testid="withdrawal-detail"][data-state="failed"]').waitFor({ timeout: 20_000 })
      assert.equal(await textOf(page.getByTestId('withdrawal-refunded')), '提现金额已退回可提现余额')
      assert.equal((await payBill(third.out_bill_no)).state, 'CANCELLED')
      const back = await h5Api(page, 'GET', '/api/account')
      assert.deepEqual([back.available_fen, back.held_fen], [LEFT_FEN, 0])
      await screenshot(page, 'h5-withdrawal-declined')

      // The records: the newest first — declined, refused with its reason, paid.
      await page.goto(`${BASE}/wallet`)
      await page.getByTestId('withdrawals-entry').click()
      await page.waitForURL(`${BASE}/withdrawals`)
      const rows = page.getByTestId('withdrawal-row')
      await rows.first().waitFor()
      assert.deepEqual(
        await rows.evaluateAll((els) => els.map((e) => [Number(e.dataset.id), e.dataset.state])),
        [
          [third.id, 'failed'],
          [second.id, 'failed'],
          [first.id, 'success'],
        ],
      )
      const reason = await textOf(rows.nth(1).getByTestId('withdrawal-reason'))
      assert.equal(reason, '实名信息与微信实名不一致')
      assert.equal((await rows.nth(2).getByTestId('withdrawal-state').innerText()).trim(), '已到账')
      await screenshot(page, 'h5-withdrawals')
      await done()
    } finally {
      await setClockOffset(offset)
      await payFaults([])
    }
  },
)

test("an apprentice's income pays the master 10% and the grand-master 5%", { timeout: 120_000 }, async () => {
  const { offset_seconds: offset } = await businessClock()
  const owners = []
  try {
    // On a day nobody has settled yet: a grand-master, their apprentice the master, whose
    // apprentice owns a group.
    const earning = await unsettledDay(admin, offset)
    const grand = await inviteOwner(browser)
    owners.push(grand)
    const master = await inviteOwner(browser, grand.code)
    owners.push(master)
    const apprentice = await inviteOwner(browser, master.code)
    owners.push(apprentice)
    assert.equal(master.me.master?.id, grand.me.id)
    assert.equal(apprentice.me.master?.id, master.me.id)
    const group = await groupOf(apprentice.page)
    const name = apprentice.me.nickname

    // The apprentice earns ¥0.10 (group) and ¥20.00 (ads); the day is settled the next day.
    await earn(group, [2000], apprentice.page)
    await clockEarlyOn(addDays(earning.day, 1))
    assert.equal((await settle(admin, earning.day)).state, 'done')
    assert.equal((await h5Api(apprentice.page, 'GET', '/api/account')).available_fen, 2010)

    // The master: floor(10 × 10%) + 2000 × 10% = ¥2.01, as 徒弟分成 from the apprentice.
    const { page } = master
    await page.goto(`${BASE}/wallet`)
    assert.deepEqual(await walletFigures(page), ['¥2.01', '¥0.00', '¥0.00', '¥2.01', '¥0.00'])
    assert.deepEqual((await flows(page)).sort(), [
      ['master_ad_commission', 200, name],
      ['master_commission', 1, name],
    ])
    const titles = await page.getByTestId('flow-title').allInnerTexts()
    assert.deepEqual(titles.map((t) => t.trim()).sort(), ['徒弟分成', '徒弟广告分成'].sort())
    const bar = page.locator(`[data-testid="income-bar"][data-day="${earning.day}"]`)
    assert.equal(await bar.getAttribute('data-fen'), '201')
    const commission = bar.locator('[data-testid="income-segment"][data-series="commission"]')
    assert.equal(await commission.getAttribute('data-fen'), '201')
    await screenshot(page, 'h5-wallet-commission')
    await page.goto(`${BASE}/invite`)
    const row = page.locator(`[data-testid="apprentice"][data-id="${apprentice.me.id}"]`)
    await row.waitFor()
    assert.equal(await row.getByTestId('apprentice-contributed').getAttribute('data-fen'), '201')
    assert.equal((await row.getByTestId('apprentice-contributed').innerText()).trim(), '¥2.01')
    assert.equal((await page.getByTestId('total-contributed').innerText()).trim(), '¥2.01')
    assert.equal((await page.getByTestId('grand-contributed').innerText()).trim(), '¥0.00')
    await screenshot(page, 'h5-invite-contributed')
    // Shared in WeChat, the page is a card: the master, their avatar, their invite link.
    const referral = await h5Api(page, 'GET', '/api/referral')
    const me = await h5Api(page, 'GET', '/api/me')
    const cards = await sharesOf(`${BASE}/invite`, referral.invite_url)
    assert.deepEqual(cards.map((c) => c.api).sort(), ['updateAppMessageShareData', 'updateTimelineShareData'])
    for (const card of cards) {
      assert.equal(card.imgUrl, me.avatar_url)
      assert.ok(card.title.includes(me.nickname), card.title)
    }
    assert.ok(referral.invite_url.startsWith(`${BASE}/s/`), referral.invite_url)
    const landed = await fetch(referral.invite_url, { redirect: 'manual' })
    assert.ok(landed.headers.get('location').includes(`invite=${me.invite_code}`), landed.headers.get('location'))

    // The grand-master: 2000 × 5% = ¥1.00 of ads (5% of ¥0.10 rounds down to nothing).
    await grand.page.goto(`${BASE}/wallet`)
    assert.deepEqual(await walletFigures(grand.page), ['¥1.00', '¥0.00', '¥0.00', '¥1.00', '¥0.00'])
    assert.deepEqual(await flows(grand.page), [['grand_master_ad_commission', 100, name]])
    assert.equal((await grand.page.getByTestId('flow-title').innerText()).trim(), '徒孙广告分成')
    await grand.page.goto(`${BASE}/invite`)
    await grand.page.locator(`[data-testid="apprentice"][data-id="${master.me.id}"]`).waitFor()
    assert.equal((await grand.page.getByTestId('total-contributed').innerText()).trim(), '¥0.00')
    assert.equal((await grand.page.getByTestId('grand-contributed').innerText()).trim(), '¥1.00')
    assert.match(await grand.page.getByTestId('apprentice-count').innerText(), /1 人 · 徒孙 1 人/)
  } finally {
    await setClockOffset(offset)
    for (const owner of owners) await owner.done()
  }
})

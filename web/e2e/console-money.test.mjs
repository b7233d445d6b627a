// The console's money pages (issue 5) against a running product and sandbox, as the finance
// operator: withdrawals filtered, exported as CSV, one rejected with a reason and one retried
// under a new order number; the settlement runs with their totals; the reconciliation of today
// with WeChat Pay (its fund-flow bill not made yet, then served as if the day had ended); the
// ledger audit; the dashboard's income chart. The operations role sees none
// of it.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import {
  BASE,
  businessClock,
  button,
  choose,
  consoleApi,
  consoleToken,
  eventually,
  h5Api,
  isApi,
  launch,
  notice,
  noticeRecorder,
  ownerWithGroup,
  recordNotices,
  runJob,
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
  h5Fen,
  idNumber,
  offerRobots,
  payBill,
  payFaults,
  settle,
  textOf,
  unsettledDay,
} from './money.mjs'

let browser
let admin
let finance
/** The owner of the withdrawals: their H5 page, id, nickname; the day settled; two refused payouts. */
let owner
let me
let earning
let run
let refusedA
let refusedB

const EARNED_FEN = 10 + 3000
const REASON = '账户存在异常，请联系客服'

const CSV_HEADER = '\ufeff提现编号,用户编号,昵称,金额（元）,状态,商户单号,业务日,申请时间（北京时间）,失败原因'
const NAME_MISMATCH = '实名信息与微信实名不一致'

before(
  async () => {
    browser = await launch()
    admin = await consoleToken()
    finance = await consoleToken('caiwu')
    await offerRobots(admin)
    // On a day nobody has settled yet, a new owner with a phone, a real name and a group earns
    // ¥30.10; the next day that day is settled, and two withdrawals fail at WeChat Pay.
    const { offset_seconds: offset } = await businessClock()
    try {
      earning = await unsettledDay(admin, offset)
      owner = await ownerWithGroup(browser, '/')
      await h5Api(owner.page, 'POST', '/api/me/identity', { name: '王小财', id_number: idNumber() })
      me = await h5Api(owner.page, 'GET', '/api/me')
      await earn(owner.group, [3000], owner.page)
      await eventually(
        async () => (await h5Api(owner.page, 'GET', '/api/account')).today_income_fen === EARNED_FEN,
        "the owner's income of the day",
      )
      await clockEarlyOn(addDays(earning.day, 1))
      run = await settle(admin, earning.day)
      assert.equal(run.state, 'done')
      assert.equal((await h5Api(owner.page, 'GET', '/api/account')).available_fen, EARNED_FEN)
      await payFaults(['name_mismatch', 'name_mismatch'])
      const refused = async (amount) => {
        const w = await h5Api(owner.page, 'POST', '/api/withdrawals', { amount_fen: amount })
        return eventually(async () => {
          const now = await h5Api(owner.page, 'GET', `/api/withdrawals/${w.id}`)
          return now.state === 'failed' && now
        }, `withdrawal ${w.id} to fail`)
      }
      // A failed one does not count as the day's withdrawal: the owner may ask again.
      refusedA = await refused(1000)
      refusedB = await refused(800)
      assert.equal(refusedA.failure_reason, NAME_MISMATCH)
      assert.equal(refusedB.day, refusedA.day)
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

/** Types `day` (YYYY-MM-DD) into the antd date picker whose input is `input`, and takes it. */
async function typeDay(input, day) {
  await input.click()
  await input.fill(day)
  await input.press('Enter')
  await eventually(async () => (await input.inputValue()) === day, `the picker to take ${day}`)
}

test('withdrawals: filters, CSV export, a failed one rejected with a reason, another retried', TIMEOUT, async () => {
  const { page, done } = await consoleLogin(browser, 'caiwu')
  await recordNotices(page)
  // 资金: the four pages of finance.
  const menu = page.getByTestId('menu')
  assert.match(await menu.innerText(), /资金\s*提现管理\s*结算\s*对账\s*账本校验/)
  await page.getByTestId('nav-withdrawals').click()
  await page.getByTestId('withdrawals-table').waitFor()

  // By state: only failed ones, ours among them.
  const filtered = page.waitForResponse(
    (r) => isApi(r, '/api/console/withdrawals') && new URL(r.url()).searchParams.get('state') === 'failed',
  )
  await choose(page, page.getByRole('combobox', { name: '状态' }), '打款失败')
  const byState = (await (await filtered).json()).data
  assert.ok(byState.total >= 2, `${byState.total} failed`)
  const rows = page.getByTestId('withdrawal-row')
  const shown = await eventually(async () => {
    const now = await rows.evaluateAll((els) => els.map((e) => [Number(e.dataset.id), e.dataset.state]))
    return now.length === Math.min(byState.total, 20) && now.every(([, state]) => state === 'failed') && now
  }, 'only failed withdrawals')
  assert.deepEqual(
    shown.map(([id]) => id),
    byState.items.map((w) => w.id),
  )
  assert.ok(shown.some(([id]) => id === refusedA.id) && shown.some(([id]) => id === refusedB.id), 'ours are listed')

  // By day and user, all states: exactly the owner's two, newest first.
  await choose(page, page.getByRole('combobox', { name: '状态' }), '全部状态')
  await typeDay(page.getByRole('textbox', { name: '申请日期' }), refusedA.day)
  await page.getByTestId('withdrawals-user-id').fill(String(me.id))
  const mine = page.waitForResponse(
    (r) => isApi(r, '/api/console/withdrawals') && new URL(r.url()).searchParams.get('user_id') === String(me.id),
  )
  await page.getByTestId('withdrawals-filter-submit').click()
  const query = new URL((await mine).url()).searchParams
  assert.deepEqual([query.get('day'), query.get('state')], [refusedA.day, null])
  await eventually(
    async () => (await rows.count()) === 2 && (await rows.first().getAttribute('data-id')) === String(refusedB.id),
    "the owner's two rows",
  )
  const rowA = page.locator(`[data-testid="withdrawal-row"][data-id="${refusedA.id}"]`)
  const rowB = page.locator(`[data-testid="withdrawal-row"][data-id="${refusedB.id}"]`)
  const columns = ['amount', 'state', 'out-bill-no', 'attempt', 'failure']
  const cells = (row) => Promise.all(columns.map((c) => textOf(row.getByTestId(`withdrawal-${c}`))))
  assert.deepEqual(await cells(rowA), ['¥10.00', '打款失败', `GW${refusedA.id}A1`, '1', NAME_MISMATCH])
  assert.deepEqual(await cells(rowB), ['¥8.00', '打款失败', `GW${refusedB.id}A1`, '1', NAME_MISMATCH])
  assert.ok((await rowA.getByTestId('withdrawal-user').innerText()).includes(`#${me.id}`))
  await screenshot(page, 'console-withdrawals')

  // 导出 CSV with the same filters: the header and the owner's two rows.
  const downloading = page.waitForEvent('download')
  await page.getByTestId('withdrawals-export').click()
  const download = await downloading
  assert.equal(download.suggestedFilename(), `withdrawals-${refusedA.day}-user${me.id}.csv`)
  const csv = await readFile(await download.path(), 'utf8')
  const lines = csv.split('\r\n')
  assert.equal(lines[0], CSV_HEADER)
  assert.equal(lines.length, 4, csv)
  assert.equal(lines[3], '')
  for (const [line, w, yuan] of [
    [lines[1], refusedA, '10.00'],
    [lines[2], refusedB, '8.00'],
  ]) {
    assert.ok(line.startsWith(`${w.id},${me.id},`), line)
    assert.ok(line.includes(`,${yuan},打款失败,GW${w.id}A1,${w.day},`), line)
    assert.ok(line.endsWith(`,${NAME_MISMATCH}`), line)
  }
  await notice(page, '已导出')

  // 驳回 B: a reason is required; then rejected, the owner reads why.
  await rowB.getByTestId('withdrawal-reject').click()
  const dialog = page.getByTestId('withdrawal-reject-dialog')
  await dialog.waitFor()
  await dialog.getByTestId('withdrawal-reject-confirm').click()
  await dialog.getByRole('alert').filter({ hasText: '请填写驳回原因' }).waitFor()
  await dialog.getByTestId('withdrawal-reject-reason').fill(REASON)
  const rejected = page.waitForResponse((r) => isApi(r, `/api/console/withdrawals/${refusedB.id}/reject`, 'POST'))
  await dialog.getByTestId('withdrawal-reject-confirm').click()
  const answer = await (await rejected).json()
  assert.equal(answer.code, 1200, answer.msg)
  assert.deepEqual([answer.data.state, answer.data.failure_reason], ['rejected', `运营驳回：${REASON}`])
  await dialog.waitFor({ state: 'detached' })
  await notice(page, '已驳回')
  await page.locator(`[data-testid="withdrawal-row"][data-id="${refusedB.id}"][data-state="rejected"]`).waitFor()
  assert.deepEqual(await cells(rowB), ['¥8.00', '已驳回', `GW${refusedB.id}A1`, '1', `运营驳回：${REASON}`])
  assert.equal(await rowB.locator('button').count(), 0, 'a rejected withdrawal has no action')

  // 重试 A: held again and sent under a new number (attempt 2), waiting for the owner.
  await rowA.getByTestId('withdrawal-retry').click()
  const confirm = page.getByRole('dialog').filter({ hasText: '重试打款' })
  await confirm.waitFor()
  assert.match(await confirm.innerText(), /¥10\.00[\s\S]*第 2 次/)
  const retried = page.waitForResponse((r) => isApi(r, `/api/console/withdrawals/${refusedA.id}/retry`, 'POST'))
  await button(confirm, '重试打款').click()
  const again = (await (await retried).json()).data
  assert.deepEqual([again.attempt, again.out_bill_no, again.failure_reason], [2, `GW${refusedA.id}A2`, null])
  await notice(page, '已重新发起打款')
  await eventually(async () => {
    await page.reload()
    await rowA.waitFor()
    return (await rowA.getAttribute('data-state')) === 'waiting_user'
  }, 'the retried payout to wait for the owner')
  assert.deepEqual(await cells(rowA), ['¥10.00', '待用户确认', `GW${refusedA.id}A2`, '2', '—'])
  const bill = await payBill(`GW${refusedA.id}A2`)
  assert.deepEqual([bill.state, bill.transfer_amount], ['WAIT_USER_CONFIRM', 1000])
  const account = await h5Api(owner.page, 'GET', '/api/account')
  assert.deepEqual([account.available_fen, account.held_fen], [EARNED_FEN - 1000, 1000])
  await screenshot(page, 'console-withdrawals-handled')
  await done()

  // The owner sees the rejection and its reason.
  await owner.page.goto(`${BASE}/withdrawals/${refusedB.id}`)
  await owner.page.locator('[data-testid="withdrawal-detail"][data-state="rejected"]').waitFor()
  assert.equal((await owner.page.getByTestId('withdrawal-state').innerText()).trim(), '已驳回')
  assert.equal(await textOf(owner.page.getByTestId('withdrawal-failure-reason')), `运营驳回：${REASON}`)
  assert.equal((await owner.page.getByTestId('withdrawal-amount').innerText()).trim(), h5Fen(800))
  await screenshot(owner.page, 'h5-withdrawal-rejected')
})

test('settlements: the runs with their totals, the day settled among them; today cannot be run', TIMEOUT, async () => {
  const { page, done } = await consoleLogin(browser, 'caiwu')
  await page.getByTestId('nav-settlements').click()
  const list = await consoleApi(finance, 'GET', '/api/console/settlements?page=1&page_size=20')
  assert.ok(list.total >= 1)
  const rows = page.getByTestId('settlement-row')
  await rows.first().waitFor()
  assert.equal(await rows.count(), list.items.length)
  assert.deepEqual(
    await rows.evaluateAll((els) => els.map((e) => e.dataset.day)),
    list.items.map((r) => r.day),
  )
  // The day of our owner: done, its totals as the API has them (ours among them).
  const settled = await consoleApi(finance, 'GET', `/api/console/settlements/${earning.day}`)
  assert.equal(settled.state, 'done')
  assert.ok(settled.ad_income_fen >= 3000 && settled.group_income_fen >= 10, JSON.stringify(settled))
  const row = page.locator(`[data-testid="settlement-row"][data-day="${earning.day}"]`)
  assert.equal(await row.getAttribute('data-state'), 'done')
  const text = await row.innerText()
  for (const fen of [settled.group_income_fen, settled.ad_income_fen, settled.commission_fen, settled.total_fen]) {
    assert.ok(text.includes(consoleFen(fen)), `${consoleFen(fen)} in "${text}"`)
  }
  assert.match(text, /已完成/)
  assert.ok(text.includes(`${settled.users_credited} / ${settled.groups_credited}`))
  await row.click()
  const detail = page.locator(`[data-testid="settlement-detail"][data-day="${earning.day}"]`)
  await detail.waitFor()
  assert.equal((await detail.getByTestId('settlement-total').innerText()).trim(), consoleFen(settled.total_fen))
  assert.equal((await detail.getByTestId('settlement-users').innerText()).trim(), String(settled.users_credited))
  assert.equal((await detail.getByTestId('settlement-state').innerText()).trim(), '已完成')
  await screenshot(page, 'console-settlements')

  // Today has not ended: the picker does not offer it (nor any later day), so it cannot be run.
  const { business_day: today } = await businessClock()
  const picker = page.getByRole('textbox', { name: '结算日期' })
  const held = await picker.inputValue()
  await picker.click()
  await picker.fill(today)
  const cell = page.locator(`.ant-picker-dropdown:not(.ant-picker-dropdown-hidden) td[title="${today}"]`)
  await cell.waitFor()
  assert.match(await cell.getAttribute('class'), /ant-picker-cell-disabled/)
  await cell.click()
  await picker.press('Escape')
  // Typed text is not a choice: leaving the field puts back the day the picker held.
  await picker.blur()
  await eventually(async () => (await picker.inputValue()) === held, 'the picker to keep its day', 5_000)
  await done()
})

/** The reconciliation API's whole envelope (an error is an answer here, not a throw). */
async function reconciliationEnvelope(day) {
  const res = await fetch(`${BASE}/api/console/payouts/reconciliation/${day}`, {
    headers: { authorization: `Bearer ${finance}` },
  })
  return { status: res.status, env: await res.json() }
}

test("reconciliation: today's payout orders against WeChat Pay's fund-flow bill and queries", TIMEOUT, async () => {
  const { business_day: today } = await businessClock()
  const { page, done } = await consoleLogin(browser, 'caiwu')
  await page.getByTestId('nav-reconciliation').click()
  await page.getByTestId('reconciliation-form').waitFor()

  // Today's bill is not made until tomorrow: the page says so, it shows no empty reconciliation.
  await sandboxApi('PUT', '/sandbox/pay/fund-flow', { today_ready: false })
  const early = await reconciliationEnvelope(today)
  assert.deepEqual([early.status, early.env.code, early.env.data?.reason], [502, 1101, 'not_ready'])
  assert.match(early.env.msg, /资金账单尚未生成（次日 10 点后可查）/)
  await typeDay(page.getByRole('textbox', { name: '对账日期' }), today)
  const refused = page.locator(`[data-testid="reconciliation-error"][data-day="${today}"]`)
  await refused.waitFor()
  assert.equal(await textOf(refused.getByTestId('reconciliation-error-message')), early.env.msg)
  assert.equal(await page.getByTestId('reconciliation-result').count(), 0, 'no reconciliation without the bill')
  await screenshot(page, 'console-reconciliation-not-ready')

  // Served as if the day had ended: ours of today — both refused orders and the retry — agree
  // with WeChat Pay (the bill has none of them; the queries say FAIL and WAIT_USER_CONFIRM).
  await sandboxApi('PUT', '/sandbox/pay/fund-flow', { today_ready: true })
  try {
    const recon = await consoleApi(finance, 'GET', `/api/console/payouts/reconciliation/${today}`)
    assert.ok(recon.ours >= 3 && recon.queried >= 3, JSON.stringify(recon))
    const different = new Set(recon.differences.map((d) => d.out_bill_no))
    for (const no of [`GW${refusedA.id}A1`, `GW${refusedB.id}A1`, `GW${refusedA.id}A2`]) {
      assert.ok(!different.has(no), `${no} differs: ${JSON.stringify(recon.differences)}`)
    }

    await button(refused, '重试').click()
    const result = page.locator(`[data-testid="reconciliation-result"][data-day="${today}"]`)
    await result.waitFor()
    const shown = async (id) => (await result.getByTestId(id).innerText()).trim()
    assert.equal(await shown('reconciliation-ours'), `${recon.ours} 单`)
    assert.equal(await shown('reconciliation-ours-paid'), `其中已付 ${recon.ours_paid} 单 ${consoleFen(recon.ours_paid_fen)}`)
    assert.equal(await shown('reconciliation-theirs'), `${recon.theirs} 单`)
    assert.equal(await shown('reconciliation-matched'), `${recon.matched} 单`)
    assert.equal(await shown('reconciliation-ours-total'), consoleFen(recon.ours_total_fen))
    assert.equal(await shown('reconciliation-theirs-total'), consoleFen(recon.theirs_total_fen))
    assert.equal(await shown('reconciliation-difference-count'), `${recon.differences.length} 处`)
    const bill = result.getByTestId('reconciliation-bill')
    assert.equal(await bill.getAttribute('data-kind'), recon.bill.kind)
    const summary = await shown('reconciliation-bill-summary')
    if (recon.bill.kind === 'file') {
      const s = recon.bill.summary
      assert.equal(
        summary,
        `资金流水 ${s.flows} 笔：收入 ${s.income_count} 笔 ${consoleFen(s.income_fen)}，支出 ${s.expense_count} 笔 ${consoleFen(s.expense_fen)}；SHA-1 校验通过`,
      )
    } else {
      assert.equal(summary, '微信支付当日无资金流水（无账单文件）')
    }
    assert.match(await shown('reconciliation-queries'), new RegExp(`^逐单查询微信支付 ${recon.queried} 单`))
    if (recon.differences.length === 0) {
      assert.equal(recon.matched, recon.ours)
      await result.getByTestId('reconciliation-clean').filter({ hasText: '无差异' }).waitFor()
    } else {
      const listed = await result
        .getByTestId('reconciliation-difference')
        .evaluateAll((els) => els.map((e) => [e.querySelector('td').textContent.trim(), e.dataset.kind]))
      assert.deepEqual(
        listed,
        recon.differences.map((d) => [d.out_bill_no, d.kind]),
      )
    }
    await screenshot(page, 'console-reconciliation')
  } finally {
    await sandboxApi('PUT', '/sandbox/pay/fund-flow', { today_ready: false })
  }
  await done()
})

test('ledger audit: the checks pass after the job runs', TIMEOUT, async () => {
  await runJob('ledger-audit')
  const { latest } = await consoleApi(finance, 'GET', '/api/console/ledger/audit')
  assert.equal(latest.ok, true, JSON.stringify(latest.checks))
  assert.ok(latest.checks.length >= 1 && latest.entries > 0)

  const { page, done } = await consoleLogin(browser, 'caiwu')
  await page.getByTestId('nav-ledger-audit').click()
  const status = page.getByTestId('ledger-status')
  await status.waitFor()
  assert.equal(await status.getAttribute('data-ok'), 'true')
  const text = await status.innerText()
  assert.match(text, /校验通过/)
  assert.ok(text.includes(`分录 ${latest.entries}`), text)
  const checks = await page
    .getByTestId('ledger-check')
    .evaluateAll((els) => els.map((e) => [e.dataset.name, e.dataset.ok]))
  assert.deepEqual(
    checks,
    latest.checks.map((c) => [c.name, 'true']),
  )
  assert.ok((await page.getByTestId('ledger-history-row').count()) >= 1)
  await screenshot(page, 'console-ledger-audit')
  await done()
})

test("dashboard: the income and payouts chart, with the day's settled income", TIMEOUT, async () => {
  const dashboard = await consoleApi(finance, 'GET', '/api/console/dashboard')
  const income = dashboard.days.reduce((n, d) => n + d.income_fen, 0)
  const payouts = dashboard.days.reduce((n, d) => n + d.payouts_fen, 0)
  assert.ok(income > 0, 'no income in the range')
  const ours = dashboard.days.find((d) => d.day === earning.day)
  if (ours) assert.equal(ours.income_fen, run.total_fen, `income of ${earning.day}`)

  const { page, done } = await consoleLogin(browser, 'caiwu')
  const card = page.getByTestId('dashboard-money-chart')
  const svg = card.getByTestId('line-chart')
  await svg.waitFor()
  assert.deepEqual(
    (await card.getByTestId('chart-legend-item').allInnerTexts()).map((t) => t.trim()),
    ['入账收入', '提现到账'],
  )
  await svg.locator('canvas').waitFor()
  assert.equal((await card.getByTestId('dashboard-income-total').innerText()).trim(), consoleFen(income))
  assert.equal((await card.getByTestId('dashboard-payouts-total').innerText()).trim(), consoleFen(payouts))
  await screenshot(page, 'console-dashboard-money')
  await svg.hover()
  await card.locator('.chart-tooltip').filter({ hasText: '入账收入' }).waitFor()
  await done()
})

test('the operations role sees no 资金 menu and is refused the finance pages', TIMEOUT, async () => {
  const { page, done } = await consoleLogin(browser, 'yunying')
  assert.equal((await page.getByTestId('operator-role').innerText()).trim(), '运营')
  const menu = await page.getByTestId('menu').innerText()
  assert.ok(!menu.includes('资金'), menu)
  for (const id of ['nav-withdrawals', 'nav-settlements', 'nav-reconciliation', 'nav-ledger-audit']) {
    assert.equal(await page.getByTestId(id).count(), 0, id)
  }
  await screenshot(page, 'console-operator-menu')
  // Typed in the address bar: 无权限, and the API refuses the role.
  await page.goto(`${BASE}/console/withdrawals`)
  await page.getByTestId('forbidden').waitFor()
  const operator = await consoleToken('yunying')
  await assert.rejects(consoleApi(operator, 'GET', '/api/console/withdrawals'), /HTTP 403/)
  await assert.rejects(consoleApi(operator, 'POST', `/api/console/withdrawals/${refusedA.id}/retry`, {}), /HTTP 403/)
  await done()
})

// Issue 15 in the console (points 4, 5, 6 and 10): the audit log in Chinese, today's partial day
// on the dashboard, a safety net on settings and maintenance, and page titles, link styles, the
// finance role's description and the role guard. Against a running product (`make dev`).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ADMIN_PASSWORD, BASE, consoleApi, consoleToken, isApi, launch, screenshot, uniqueId } from './browser.mjs'

let browser
let admin
before(async () => {
  browser = await launch()
  admin = await consoleToken()
})
after(async () => {
  await browser?.close()
})

/** Beijing time of an RFC 3339 time as the console shows it: "2026-11-26 09:30:05". */
const beijing = (iso) => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')

/**
 * A console page logged in through the login form, in a browser set to New York time (so Beijing
 * times must be the page's doing); uncaught page errors fail the test at `done()`.
 */
async function loggedIn(username = 'admin', password = ADMIN_PASSWORD, path = '/console/login') {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'America/New_York',
  })
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (error) => errors.push(error))
  await page.goto(`${BASE}${path}`)
  await page.getByLabel('用户名').fill(username)
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await page.getByTestId('operator-name').waitFor()
  const done = async () => {
    await context.close()
    assert.deepEqual(errors.map(String), [], 'errors in the page')
  }
  return { page, context, done }
}

/** A fresh operator of `role`; answers its username, password and id. */
async function newOperator(role) {
  const username = `e2eui${uniqueId()}`.slice(0, 30).toLowerCase()
  const password = `Ui-${uniqueId()}-pass`
  const created = await consoleApi(admin, 'POST', '/api/console/operators', { username, password, role })
  return { username, password, id: created.id }
}

test('audit log (15.4): actions, changes and times in Chinese; filter by a Chinese action name', { timeout: 90_000 }, async () => {
  const settings = await consoleApi(admin, 'GET', '/api/console/settings')
  const was = settings.money.master_rate_bp
  const now = was === 1500 ? 1200 : 1500
  await consoleApi(admin, 'PUT', '/api/console/settings', { money: { ...settings.money, master_rate_bp: now } })
  try {
    const latest = (await consoleApi(admin, 'GET', '/api/console/audit-log?action=settings.update&page_size=1')).items[0]
    assert.deepEqual(latest.detail, { before: { master_rate_bp: was }, after: { master_rate_bp: now } })

    const { page, done } = await loggedIn()
    await page.getByTestId('nav-audit-log').click()
    // The newest change of settings (the login comes after it).
    const row = page.getByTestId('audit-row').filter({ hasText: beijing(latest.at) }).first()
    await row.waitFor()
    const text = await row.innerText()
    assert.match(text, /修改设置/, text)
    assert.ok(!text.includes('settings.update'), `a code on the page: ${text}`)
    assert.ok(!text.includes('master_rate_bp'), `a field name on the page: ${text}`)
    assert.match(text, new RegExp(`徒弟群收益分成: ${was / 100}% → ${now / 100}%`), text)
    assert.ok(text.includes(beijing(latest.at)), `not in Beijing time (${beijing(latest.at)}): ${text}`)
    assert.ok(text.includes('资金'), `the section by name: ${text}`)
    await screenshot(page, 'console-audit-log-chinese')

    // The action filter offers Chinese names and sends the code.
    const filtered = page.waitForResponse(
      (r) => isApi(r, '/api/console/audit-log') && new URL(r.url()).searchParams.get('action') === 'user.freeze',
    )
    await page.getByTestId('audit-action').click()
    await page.keyboard.type('冻结用户')
    await page.getByRole('option', { name: '冻结用户', exact: true }).waitFor({ state: 'attached' })
    await page.keyboard.press('Enter')
    await filtered
    const byOperator = page.waitForResponse(
      (r) => isApi(r, '/api/console/audit-log') && new URL(r.url()).searchParams.get('operator') === 'admin',
    )
    await page.getByTestId('audit-operator').fill('admin')
    await page.getByTestId('audit-filter-submit').click()
    const answer = (await (await byOperator).json()).data
    assert.equal(new URL(page.url()).searchParams.get('action'), 'user.freeze')
    const rows = page.getByTestId('audit-row')
    if (answer.items.length > 0) {
      await rows.first().waitFor()
      for (const t of await rows.allInnerTexts()) assert.match(t, /冻结用户/)
    } else {
      await page.getByTestId('audit-empty').waitFor()
    }
    await done()
  } finally {
    await consoleApi(admin, 'PUT', '/api/console/settings', { money: { ...settings.money, master_rate_bp: was } })
  }
})

test("dashboard (15.5): today's partial day is marked, with ECharts tooltips", { timeout: 60_000 }, async () => {
  const dashboard = await consoleApi(admin, 'GET', '/api/console/dashboard')
  const { page, done } = await loggedIn()
  const card = page.getByTestId('dashboard-users-chart')
  const chart = card.getByTestId('line-chart')
  await chart.locator('canvas').waitFor()
  assert.deepEqual(
    (await card.getByTestId('chart-legend-item').allInnerTexts()).map((t) => t.trim()),
    ['日活跃用户', '新增用户'],
  )
  // The last day of the default range is the server's today: its tooltip says it is partial.
  const box = await chart.boundingBox()
  const tooltip = card.locator('.chart-tooltip')
  await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2)
  await tooltip.waitFor({ state: 'visible' })
  const tip = await tooltip.innerText()
  assert.match(tip, new RegExp(`${dashboard.to} 今日（截至 \\d{2}:\\d{2}）`), tip)
  const last = dashboard.days[dashboard.days.length - 1]
  assert.match(tip, new RegExp(`日活跃用户：${last.active_users.toLocaleString('en-US')}`), tip)
  assert.equal(tip.split('日活跃用户').length - 1, 1, `one value per line: ${tip}`)
  await screenshot(page, 'console-dashboard-partial-day')

  // An earlier day is a full day.
  await page.mouse.move(box.x + box.width / 3, box.y + box.height / 2)
  await tooltip.filter({ hasNotText: '今日' }).waitFor({ state: 'visible' })
  await done()
})

test('settings (15.6): confirm exactly what changes, ask before leaving with unsaved edits', { timeout: 90_000 }, async () => {
  const settings = await consoleApi(admin, 'GET', '/api/console/settings')
  const { page, done } = await loggedIn()
  let puts = 0
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/console/settings' && r.method() === 'PUT') puts++
  })
  try {
    await page.getByTestId('nav-settings').click()
    const min = page.getByTestId('settings-money-withdraw_min')
    await min.waitFor()
    const before = settings.money.withdraw_min_fen
    const after = before === 200 ? 300 : 200
    const yuan = (fen) => `¥${(fen / 100).toFixed(2)}`
    await min.fill((after / 100).toFixed(2))
    await page.getByTestId('settings-money-save').click()
    const changes = page.getByTestId('settings-change')
    await changes.first().waitFor()
    assert.deepEqual(
      (await changes.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()),
      [`资金 · 单笔提现下限：${yuan(before)} → ${yuan(after)}`],
    )
    await screenshot(page, 'console-settings-confirm')
    await page.getByTestId('settings-confirm-cancel').click()
    await changes.first().waitFor({ state: 'detached' })
    assert.equal(puts, 0, 'sent without confirmation')

    // Leaving by the menu asks first; staying keeps the edit.
    await page.getByTestId('nav-dashboard').click()
    const leave = page.getByTestId('leave-dialog')
    await leave.getByTestId('leave-cancel').click()
    assert.equal(new URL(page.url()).pathname, '/console/settings')
    assert.equal(await min.inputValue(), (after / 100).toFixed(2))

    // Closing the tab asks too (the browser's own dialog).
    const unload = new Promise((resolve) => page.once('dialog', (d) => resolve(d.type()) || d.dismiss()))
    await page.close({ runBeforeUnload: true })
    assert.equal(await Promise.race([unload, new Promise((r) => setTimeout(() => r('none'), 5000))]), 'beforeunload')
    assert.equal(puts, 0)

    // Saved after confirming: the setting changes; leaving then asks nothing.
    const second = await loggedIn()
    const p2 = second.page
    await p2.getByTestId('nav-settings').click()
    await p2.getByTestId('settings-money-withdraw_min').fill((after / 100).toFixed(2))
    await p2.getByTestId('settings-money-save').click()
    const saved = p2.waitForResponse((r) => isApi(r, '/api/console/settings', 'PUT'))
    await p2.getByTestId('settings-confirm-ok').click()
    await saved
    await p2.getByTestId('toast').filter({ hasText: '资金设置已保存' }).waitFor()
    assert.equal((await consoleApi(admin, 'GET', '/api/console/settings')).money.withdraw_min_fen, after)
    await p2.getByTestId('nav-dashboard').click()
    await p2.getByRole('heading', { name: '仪表盘' }).waitFor()
    assert.equal(await p2.getByTestId('leave-dialog').count(), 0)
    await second.done()
  } finally {
    await consoleApi(admin, 'PUT', '/api/console/settings', { money: settings.money })
  }
  await done().catch(() => undefined)
})

test('maintenance (15.6): while on, every console page says so with a link to turn it off', { timeout: 60_000 }, async () => {
  const message = `e2e 维护 ${uniqueId()}`
  await consoleApi(admin, 'PUT', '/api/console/maintenance', { enabled: true, message })
  try {
    const { page, done } = await loggedIn()
    for (const nav of ['nav-dashboard', 'nav-users', 'nav-withdrawals', 'nav-settings']) {
      await page.getByTestId(nav).click()
      const banner = page.getByTestId('maintenance-banner')
      await banner.waitFor()
      assert.match(await banner.innerText(), /维护模式已开启/)
    }
    await screenshot(page, 'console-maintenance-banner')
    await page.getByTestId('maintenance-banner').getByRole('link').click()
    await page.getByTestId('maintenance-form').waitFor()
    assert.equal(new URL(page.url()).pathname, '/console/maintenance')
    // Turned off on the page: the banner goes at once.
    await page.getByTestId('maintenance-switch').click()
    await page.getByTestId('maintenance-save').click()
    await page.getByTestId('toast').filter({ hasText: '维护模式已关闭' }).waitFor()
    await page.getByTestId('maintenance-banner').waitFor({ state: 'detached' })
    await done()
  } finally {
    await consoleApi(admin, 'PUT', '/api/console/maintenance', { enabled: false, message: '' })
  }
})

test('pages (15.10): each page has its own title', { timeout: 60_000 }, async () => {
  const { page, done } = await loggedIn()
  await page.waitForFunction(() => document.title === '仪表盘 · 群宠运营后台', null, { timeout: 5000 })
  for (const [nav, title] of [
    ['nav-withdrawals', '提现管理'],
    ['nav-users', '用户'],
    ['nav-audit-log', '操作日志'],
    ['nav-operators', '操作员'],
  ]) {
    await page.getByTestId(nav).click()
    await page.waitForFunction((t) => document.title === t, `${title} · 群宠运营后台`, { timeout: 5000 })
  }
  await done()
})

test("pages (15.10): the finance role's description says what finance does", { timeout: 60_000 }, async () => {
  const { page, done } = await loggedIn()
  await page.getByTestId('nav-operators').click()
  await page.getByTestId('operators-table').waitFor()
  const head = await page.locator('.page-head').innerText()
  assert.ok(!head.includes('财务只读'), head)
  const hints = await page.getByTestId('role-hints').innerText()
  assert.match(hints, /财务[^\n]*重试[^\n]*驳回/, hints)
  assert.match(hints, /财务[^\n]*结算/, hints)
  await done()
})

test("pages (15.10): no link keeps the browser's default look", { timeout: 60_000 }, async () => {
  const { page, done } = await loggedIn()
  // A demo owner with groups, and one of their groups: pages that link to each other.
  for (const path of ['/console/users/1', '/console/groups/1']) {
    await page.goto(`${BASE}${path}`)
    await page.locator('main a[href]').first().waitFor()
    await page.waitForLoadState('networkidle')
    const links = await page.locator('main a[href], .ant-layout-content a[href]').evaluateAll((all) =>
      all.filter((a) => a.isConnected).map((a) => {
        const s = getComputedStyle(a)
        return { text: a.textContent.trim(), color: s.color, line: s.getPropertyValue('text-decoration-line') }
      }),
    )
    assert.ok(links.length > 0, `no links on ${path}`)
    for (const l of links) {
      // Chromium's default: blue #0000ee, underlined.
      assert.notEqual(l.color, 'rgb(0, 0, 238)', `default link colour on ${path}: ${l.text}`)
      assert.equal(l.line, 'none', `underlined link on ${path}: ${l.text}`)
    }
  }
  await done()
})

test('pages (15.10): a page the role may not see shows 无权限 before any of its controls', { timeout: 60_000 }, async () => {
  // An operations operator typing a finance page's address: the page never renders (no
  // request, no control flashes first).
  const op = await newOperator('operator')
  try {
    const { page: p, done } = await loggedIn(op.username, op.password)
    const asked = []
    p.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/console/withdrawals')) asked.push(r.url())
    })
    // Records any of the page's controls that ever appear.
    await p.addInitScript(() => {
      window.__flashed = []
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('button, input, select, [data-testid^="withdrawal"]')) {
          const inMain = el.closest('.ant-layout-content, main')
          if (inMain && !el.closest('[data-testid="forbidden"]')) window.__flashed.push(el.outerHTML.slice(0, 80))
        }
      }).observe(document, { childList: true, subtree: true })
    })
    await p.goto(`${BASE}/console/withdrawals`)
    await p.getByTestId('forbidden').waitFor()
    await p.getByText('无权限').first().waitFor()
    await p.waitForTimeout(500)
    assert.deepEqual(asked, [], 'the page asked for withdrawals')
    assert.deepEqual(await p.evaluate(() => window.__flashed), [], 'controls flashed before 无权限')
    await screenshot(p, 'console-operator-forbidden')
    await done()
  } finally {
    await consoleApi(admin, 'PUT', `/api/console/operators/${op.id}`, { disabled: true })
  }
})

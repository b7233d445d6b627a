// The console's operations pages (issue 3) against a running product (`make dev`): a searched
// list, forms, the dashboard chart, a read-only role, and short links end to end.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ADMIN_PASSWORD, BASE, desktopContext, isApi, launch, screenshot } from './browser.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

const random = () => Math.random().toString(36).slice(2, 8)

/** Calls the console API from node; answers `data` of a 1200 envelope, else fails the test. */
async function call(token, method, path, body) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const env = await res.json()
  assert.equal(env.code, 1200, `${method} ${path}: HTTP ${res.status} ${env.code} ${env.msg}`)
  return env.data
}

const apiLogin = async (username, password) =>
  (await call(null, 'POST', '/api/console/auth/login', { username, password })).token

/** A console page logged in through the login form; uncaught page errors fail the test. */
async function loggedIn(username, password) {
  const context = await desktopContext(browser)
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (error) => errors.push(error))
  await page.goto(`${BASE}/console/login`)
  await page.getByLabel('用户名').fill(username)
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await page.getByTestId('operator-name').waitFor()
  assert.equal((await page.getByTestId('operator-name').innerText()).trim(), username)
  const done = async () => {
    await context.close()
    assert.deepEqual(errors.map(String), [], 'errors in the page')
  }
  return { page, done }
}

/** Confirms the open confirmation dialog. */
async function confirmDialog(page) {
  const dialog = page.getByTestId('confirm-dialog')
  await dialog.waitFor()
  await dialog.getByTestId('confirm-ok').click()
  await dialog.waitFor({ state: 'detached' })
}

test('users: search a demo owner by nickname and open their detail', { timeout: 60_000 }, async () => {
  const { page, done } = await loggedIn('admin', ADMIN_PASSWORD)
  await page.getByTestId('nav-users').click()
  await page.getByRole('heading', { name: '用户', exact: true }).waitFor()
  await page.getByTestId('users-list').waitFor()

  const searched = page.waitForResponse(
    (r) => isApi(r, '/api/console/users') && new URL(r.url()).searchParams.get('q') === '张伟',
  )
  await page.getByTestId('users-search').fill('张伟')
  await page.getByTestId('users-search-submit').click()
  const answer = (await (await searched).json()).data
  assert.ok(answer.total >= 1, 'the demo owner 张伟 is found')
  await page.locator('[data-testid="users-list"]:not(.is-reloading)').waitFor()
  assert.ok(new URL(page.url()).searchParams.get('q') === '张伟', 'the search is kept in the address')

  const rows = page.getByTestId('user-row')
  await rows.filter({ hasText: '张伟' }).first().waitFor()
  assert.equal(await rows.count(), answer.items.length)
  for (const text of await rows.allInnerTexts()) assert.ok(text.includes('张伟'), `a row without 张伟: ${text}`)
  await screenshot(page, 'console-users')

  await rows.filter({ hasText: '张伟' }).first().getByTestId('user-link').click()
  await page.waitForURL((url) => /^\/console\/users\/[^/]+$/.test(url.pathname))
  await page.getByTestId('user-nickname').filter({ hasText: '张伟' }).waitFor()
  const profile = page.getByTestId('user-profile')
  await profile.waitFor()
  const phone = (await profile.getByTestId('user-phone').innerText()).trim()
  assert.ok(phone === '未绑定' || /\*{4}/.test(phone), `the phone is masked: ${phone}`)
  const tree = page.getByTestId('referral-tree')
  await tree.getByTestId('referral-master').waitFor()
  await tree.getByTestId('referral-grand-apprentices').waitFor()
  // An admin may freeze (not done here: the H5 tests log in as the demo owners meanwhile).
  assert.equal(
    (await page.getByTestId('freeze-button').count()) + (await page.getByTestId('unfreeze-button').count()),
    1,
  )
  await screenshot(page, 'console-user-detail')
  await done()
})

test('marquees: create one, see it live, delete it', { timeout: 60_000 }, async () => {
  const { page, done } = await loggedIn('admin', ADMIN_PASSWORD)
  const text = `e2e 走马灯 ${random()}`
  await page.getByTestId('nav-marquees').click()
  await page.getByTestId('marquees-list').waitFor()

  await page.getByTestId('marquee-new').click()
  const form = page.getByTestId('marquee-form')
  await form.getByTestId('marquee-text').fill(text)
  // The form starts now and ends in a day (China time), in antd's Chinese date-time pickers.
  assert.match(await form.locator('#marquee-starts').inputValue(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/)
  assert.match(await form.locator('#marquee-ends').inputValue(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/)
  const posted = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/console/marquees' && r.method() === 'POST')
  await form.getByTestId('marquee-submit').click()
  const body = JSON.parse((await posted).postData())
  assert.equal(body.text, text)
  assert.match(body.starts_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/)
  assert.match(body.ends_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/)
  assert.equal(Date.parse(body.ends_at) - Date.parse(body.starts_at), 24 * 3600_000)
  await form.waitFor({ state: 'detached' })
  await page.getByTestId('toast').filter({ hasText: '已创建' }).waitFor()

  const row = page.getByTestId('marquee-row').filter({ hasText: text })
  await row.getByTestId('marquee-live').waitFor()
  await screenshot(page, 'console-marquees')

  await row.getByTestId('marquee-delete').click()
  const deleted = page.waitForResponse((r) => r.url().includes('/api/console/marquees/') && r.request().method() === 'DELETE')
  await confirmDialog(page)
  assert.equal((await (await deleted).json()).code, 1200)
  await row.waitFor({ state: 'detached' })
  await done()
})

test('sensitive words: add one and see 试一试 highlight it', { timeout: 60_000 }, async () => {
  const { page, done } = await loggedIn('admin', ADMIN_PASSWORD)
  const word = `测敏${random()}`
  await page.getByTestId('nav-sensitive-words').click()
  await page.getByTestId('words-list').waitFor()

  const added = page.waitForResponse((r) => isApi(r, '/api/console/sensitive-words', 'POST'))
  await page.getByTestId('words-add-input').fill(`${word}\n\n${word}\n`)
  await page.getByTestId('words-add-submit').click()
  const posted = JSON.parse((await added).request().postData())
  assert.deepEqual(posted, { words: [word] })
  await page.getByTestId('toast').filter({ hasText: '已添加 1 个' }).waitFor()

  await page.getByTestId('words-check-input').fill(`这句话里有${word}，请检查`)
  await page.getByTestId('words-check-submit').click()
  const result = page.getByTestId('words-check-result')
  await result.getByTestId('check-hit').filter({ hasText: word }).waitFor()
  await screenshot(page, 'console-sensitive-words')

  // Clean up: find it and delete it.
  await page.getByTestId('words-search').fill(word)
  await page.getByTestId('words-search-submit').click()
  const row = page.getByTestId('word-row').filter({ hasText: word })
  await row.waitFor()
  await row.getByTestId('word-delete').click()
  await confirmDialog(page)
  await row.waitFor({ state: 'detached' })
  await done()
})

test('dashboard: a line chart of active and new users with its legend', { timeout: 60_000 }, async () => {
  const { page, done } = await loggedIn('admin', ADMIN_PASSWORD)
  const card = page.getByTestId('dashboard-users-chart')
  // ECharts draws on a canvas; the legend is the page's own, the tooltip ECharts' HTML one.
  const chart = card.getByTestId('line-chart')
  await chart.locator('canvas').waitFor()
  const legend = (await card.getByTestId('chart-legend-item').allInnerTexts()).map((t) => t.trim())
  assert.deepEqual(legend, ['日活跃用户', '新增用户'])

  // Both lines are drawn: the tooltip of a day gives each its value.
  const box = await chart.boundingBox()
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
  const tooltip = card.locator('.chart-tooltip')
  await tooltip.waitFor({ state: 'visible' })
  const tip = await tooltip.innerText()
  assert.match(tip, /日活跃用户：\d/, tip)
  assert.match(tip, /新增用户：\d/, tip)
  await screenshot(page, 'console-dashboard-chart')

  const answered = page.waitForResponse(
    (r) => isApi(r, '/api/console/dashboard') && new URL(r.url()).searchParams.has('from'),
  )
  await page.getByTestId('range-7').click()
  const week = (await (await answered).json()).data
  assert.equal(week.days.length, 7)
  assert.equal(await page.getByTestId('range-7').getAttribute('aria-pressed'), 'true')
  assert.equal(await page.locator('#range-from').inputValue(), week.from)
  assert.equal(await page.locator('#range-to').inputValue(), week.to)
  await chart.locator('canvas').waitFor()
  await done()
})

test('roles: a finance operator only reads content and has no operators menu', { timeout: 60_000 }, async () => {
  const admin = await apiLogin('admin', ADMIN_PASSWORD)
  const username = `e2efin${random()}`
  const password = `Fin-${random()}-pass`
  const created = await call(admin, 'POST', '/api/console/operators', { username, password, role: 'finance' })
  assert.equal(created.role, 'finance')
  const text = `e2e 财务可见 ${random()}`
  const now = Date.now()
  const marquee = await call(admin, 'POST', '/api/console/marquees', {
    text,
    starts_at: new Date(now - 60_000).toISOString(),
    ends_at: new Date(now + 3600_000).toISOString(),
  })
  try {
    const { page, done } = await loggedIn(username, password)
    assert.equal((await page.getByTestId('operator-role').innerText()).trim(), '财务')
    await page.getByTestId('nav-marquees').waitFor()
    assert.equal(await page.getByTestId('nav-operators').count(), 0, 'the operators menu is hidden')

    await page.getByTestId('nav-marquees').click()
    await page.getByTestId('marquee-row').filter({ hasText: text }).waitFor()
    await page.getByTestId('readonly-note').waitFor()
    for (const testId of ['marquee-new', 'marquee-edit', 'marquee-delete']) {
      const buttons = page.getByTestId(testId)
      for (let i = 0; i < (await buttons.count()); i++) assert.ok(await buttons.nth(i).isDisabled(), `${testId} is usable`)
    }
    await screenshot(page, 'console-finance-marquees')

    // The API refuses the role too (HTTP 403), and that does not end the session.
    const refused = await page.evaluate(async (id) => {
      const res = await fetch(`/api/console/marquees/${id}`, { method: 'DELETE' })
      return { status: res.status, env: await res.json() }
    }, marquee.id)
    assert.equal(refused.status, 403)

    await page.goto(`${BASE}/console/operators`)
    await page.getByTestId('forbidden').waitFor()
    assert.equal((await page.getByTestId('operator-name').innerText()).trim(), username)
    await screenshot(page, 'console-finance-forbidden')
    await done()
  } finally {
    await call(admin, 'DELETE', `/api/console/marquees/${marquee.id}`)
    await call(admin, 'PUT', `/api/console/operators/${created.id}`, { disabled: true })
  }
})

test('short links: create one, follow it, reuse it, disable it', { timeout: 60_000 }, async () => {
  const { page, done } = await loggedIn('admin', ADMIN_PASSWORD)
  const target = `https://example.com/x-${random()}`
  await page.getByTestId('nav-short-links').click()
  await page.getByTestId('shortlinks-list').waitFor()

  await page.getByTestId('shortlink-url').fill(target)
  await page.getByTestId('shortlink-create').click()
  const result = page.getByTestId('shortlink-result')
  const link = result.getByTestId('shortlink-result-url')
  await link.waitFor()
  const shortUrl = (await link.innerText()).trim()
  assert.match(shortUrl, /^https?:\/\/[^/]+\/s\/[0-9A-Za-z]+$/)
  assert.equal(await result.getByTestId('shortlink-reused').count(), 0)

  const followed = await fetch(shortUrl, { redirect: 'manual' })
  assert.equal(followed.status, 302)
  assert.equal(followed.headers.get('location'), target)

  // The same URL again within the window answers the same code.
  await page.getByTestId('shortlink-create').click()
  await result.getByTestId('shortlink-reused').waitFor()
  assert.equal((await link.innerText()).trim(), shortUrl)
  await screenshot(page, 'console-short-links')

  await page.getByTestId('shortlinks-search').fill(target)
  await page.getByTestId('shortlinks-search-submit').click()
  const row = page.getByTestId('shortlink-row').filter({ hasText: target })
  await row.waitFor()
  await row.getByTestId('shortlink-disable').click()
  await confirmDialog(page)
  await row.getByText('已停用').waitFor()
  const gone = await fetch(shortUrl, { redirect: 'manual' })
  assert.equal(gone.status, 404)
  await done()
})

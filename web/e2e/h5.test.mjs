// The owners' H5 app against a running product and sandbox (`make dev`).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { BASE, launch, onSandbox, phoneContext, pickFirstDemoUser, screenshot } from './browser.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

const TIMEOUT = { timeout: 60_000 }

test('an owner logs in with WeChat, sees their name, stays logged in, logs out', TIMEOUT, async () => {
  const context = await phoneContext(browser)
  const page = await context.newPage()

  await page.goto(`${BASE}/`)
  const shown = await pickFirstDemoUser(page)
  await page.waitForURL(`${BASE}/`)

  const nickname = page.getByTestId('nickname')
  await nickname.waitFor()
  const name = (await nickname.innerText()).trim()
  assert.ok(name, 'the nickname is empty')
  assert.ok(shown.includes(name), `the sandbox showed "${shown}", the app shows "${name}"`)
  const avatar = page.locator('img.avatar')
  await avatar.waitFor()
  assert.ok(await avatar.getAttribute('src'), 'the avatar has no src')

  await page.reload()
  await nickname.waitFor()
  assert.equal((await nickname.innerText()).trim(), name)
  assert.equal(page.url(), `${BASE}/`)

  await page.getByRole('button', { name: '退出登录' }).click()
  await page.getByText('已退出登录').waitFor()
  assert.equal(new URL(page.url()).pathname, '/login')
  const me = await (await page.request.get(`${BASE}/api/me`)).json()
  assert.notEqual(me.code, 1200, 'the session still works after logout')

  await screenshot(page, 'h5-login-logout')
  await context.close()
})

test('a deep link survives the WeChat login', TIMEOUT, async () => {
  const context = await phoneContext(browser)
  const page = await context.newPage()
  const target = `${BASE}/?from=e2e&n=1`

  await page.goto(target)
  await pickFirstDemoUser(page)
  await page.waitForURL(target)
  await page.getByTestId('nickname').waitFor()

  await screenshot(page, 'h5-deep-link')
  await context.close()
})

test('a reused OAuth code lands on an error or logged in, never on a blank page', TIMEOUT, async () => {
  const context = await phoneContext(browser)
  const page = await context.newPage()
  let callback
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/auth/wechat/callback') callback ??= request.url()
  })

  await page.goto(`${BASE}/api/auth/wechat/authorize?redirect=/`)
  await pickFirstDemoUser(page)
  await page.getByTestId('nickname').waitFor()
  assert.ok(callback, 'no OAuth callback was seen')

  // The same code again, from a browser without the session.
  const other = await phoneContext(browser)
  const again = await other.newPage()
  await again.goto(callback)
  const landing = again.locator('[data-testid="nickname"], .state-title:text-is("登录失败")')
  await landing.first().waitFor()
  if (await again.getByText('登录失败').isVisible()) {
    assert.equal(new URL(again.url()).pathname, '/login')
    await again.getByRole('button', { name: '重新登录' }).waitFor()
  }
  assert.ok(!onSandbox(new URL(again.url())))

  await screenshot(again, 'h5-reused-code')
  await other.close()
  await context.close()
})

test('page views are tracked', TIMEOUT, async () => {
  const context = await phoneContext(browser)
  const page = await context.newPage()
  const pageViews = []
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.origin !== BASE || url.pathname !== '/api/track' || request.method() !== 'POST') return
    const body = request.postData()
    if (body?.includes('page_view')) pageViews.push(...JSON.parse(body).events.filter((e) => e.name === 'page_view'))
  })

  await page.goto(`${BASE}/`)
  await pickFirstDemoUser(page)
  await page.getByTestId('nickname').waitFor()
  // Events go out in a batch at most 2 s after they are queued.
  const deadline = Date.now() + 10_000
  while (!pageViews.some((e) => e.page === '/') && Date.now() < deadline) await page.waitForTimeout(200)
  assert.ok(pageViews.some((e) => e.page === '/'), 'no page_view of / was sent to POST /api/track')

  await screenshot(page, 'h5-tracking')
  await context.close()
})

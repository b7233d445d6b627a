// The operators' console against a running product (`make dev`).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ADMIN_PASSWORD, BASE, desktopContext, launch, screenshot } from './browser.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

const onLogin = (url) => url.href.startsWith(`${BASE}/console/login`)

test('an operator logs in to the console and out again', { timeout: 60_000 }, async () => {
  const context = await desktopContext(browser)
  const page = await context.newPage()
  let loginPosts = 0
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/console/auth/login') loginPosts++
  })

  await page.goto(`${BASE}/console/`)
  await page.waitForURL(onLogin)
  const username = page.getByLabel('用户名')
  const password = page.getByLabel('密码')
  const submit = page.getByRole('button', { name: '登录' })
  const alert = page.getByRole('alert')

  // Empty fields are caught before anything is sent.
  await submit.click()
  await alert.waitFor()
  assert.equal(loginPosts, 0)

  await username.fill('admin')
  await password.fill(`${ADMIN_PASSWORD}-wrong`)
  const answered = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/console/auth/login')
  await submit.click()
  await answered
  await alert.filter({ hasText: '密码' }).waitFor()
  assert.ok(onLogin(new URL(page.url())), `left the login page for ${page.url()}`)

  await password.fill(ADMIN_PASSWORD)
  await submit.click()
  await page.getByRole('heading', { name: '仪表盘' }).waitFor()
  assert.equal(new URL(page.url()).pathname.replace(/\/$/, ''), '/console')
  assert.equal((await page.getByTestId('operator-name').innerText()).trim(), 'admin')
  await page.getByText('管理员').waitFor()
  await screenshot(page, 'console-dashboard')

  await page.getByRole('button', { name: '退出' }).click()
  await page.waitForURL(onLogin)
  await page.goto(`${BASE}/console/`)
  await page.waitForURL(onLogin)
  await username.waitFor()

  await screenshot(page, 'console-logged-out')
  await context.close()
})

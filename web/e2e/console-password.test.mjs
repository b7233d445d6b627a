// An operator whose password an admin reset must choose a new one before anything else, against
// a running product (`make dev`). The operator is made for the test on the Operators page, so the
// demo operators the other tests log in as keep their passwords whatever the order.
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

const random = () => Math.random().toString(36).slice(2, 8)

const consolePath = (page) => new URL(page.url()).pathname.replace(/\/$/, '')
const onPasswordPage = (url) => url.pathname === '/console/password'

/** A fresh console context on the login page; uncaught page errors fail the test at `done()`. */
async function loginPage() {
  const context = await desktopContext(browser)
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (error) => errors.push(error))
  await page.goto(`${BASE}/console/login`)
  const done = async () => {
    await context.close()
    assert.deepEqual(errors.map(String), [], 'errors in the page')
  }
  return { page, done }
}

/** Fills and sends the login form. */
async function submitLogin(page, username, password) {
  await page.getByLabel('用户名').fill(username)
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
}

/** Fills the 修改密码 form and sends it. */
async function submitPassword(page, current, next, again = next) {
  await page.getByTestId('password-current').fill(current)
  await page.getByTestId('password-next').fill(next)
  await page.getByTestId('password-again').fill(again)
  await page.getByTestId('password-submit').click()
}

test('an operator whose password an admin reset chooses a new one first', { timeout: 120_000 }, async () => {
  const username = `e2epw${random()}`
  const initial = `Init-${random()}-pass`
  const temporary = `Temp-${random()}-pass`
  const chosen = `Mine-${random()}-pass`

  // --- The admin adds the operator and resets their password on the Operators page. ---
  const admin = await loginPage()
  await submitLogin(admin.page, 'admin', ADMIN_PASSWORD)
  await admin.page.getByTestId('nav-operators').click()
  await admin.page.getByTestId('operators-table').waitFor()
  await admin.page.getByTestId('operator-new').click()
  const form = admin.page.getByTestId('operator-form')
  await form.getByTestId('operator-username').fill(username)
  await form.getByTestId('operator-password').fill(initial)
  await form.getByRole('radio', { name: /^运营/ }).check()
  await form.getByTestId('operator-submit').click()
  await form.waitFor({ state: 'detached' })
  const row = admin.page.locator(`[data-testid="operator-row"][data-username="${username}"]`)
  await row.waitFor()

  await row.getByTestId('operator-reset-password').click()
  const dialog = admin.page.getByTestId('reset-password-dialog')
  await dialog.waitFor()
  const note = (await dialog.getByTestId('reset-password-note').innerText()).trim()
  assert.match(note, /下次登录时须先设置新密码/, `the dialog says what the reset means: ${note}`)
  await dialog.getByTestId('reset-password-input').fill(temporary)
  await dialog.getByTestId('reset-password-again').fill(temporary)
  const reset = admin.page.waitForResponse(
    (r) => /^\/api\/console\/operators\/[^/]+$/.test(new URL(r.url()).pathname) && r.request().method() === 'PUT',
  )
  await dialog.getByTestId('reset-password-submit').click()
  assert.equal((await (await reset).json()).code, 1200)
  await dialog.waitFor({ state: 'detached' })
  await admin.page.getByTestId('toast').filter({ hasText: `已重置「${username}」的密码` }).waitFor()
  await screenshot(admin.page, 'console-operator-reset')

  // The admin's own 修改密码 opens the same page, voluntary: nothing locked, 取消 goes back.
  await admin.page.getByTestId('change-password').click()
  await admin.page.waitForURL(onPasswordPage)
  assert.equal(new URL(admin.page.url()).searchParams.get('next'), '/operators')
  await admin.page.getByRole('heading', { name: '修改密码' }).waitFor()
  assert.equal(await admin.page.getByTestId('password-required').count(), 0)
  assert.equal(await admin.page.locator('a[data-testid="nav-users"]').count(), 1, 'the menu stays open')
  await admin.page.getByRole('button', { name: '取消' }).click()
  await admin.page.getByTestId('operators-table').waitFor()
  assert.equal(consolePath(admin.page), '/console/operators')
  await admin.done()

  // --- The operator logs in with the reset password: only 修改密码 (and 退出) is open. ---
  const { page, done } = await loginPage()
  let passwordPosts = 0
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/console/me/password') passwordPosts++
  })
  await submitLogin(page, username, temporary)
  await page.waitForURL(onPasswordPage)
  await page.getByTestId('password-required').filter({ hasText: '首次登录或密码被管理员重置后，请先设置新密码' }).waitFor()
  assert.equal((await page.getByTestId('operator-name').innerText()).trim(), username)
  const users = page.getByTestId('nav-users')
  assert.equal(await users.getAttribute('aria-disabled'), 'true', 'the menu is locked')
  assert.equal(await page.locator('.sidebar a').count(), 0, 'no link in the sidebar')
  await screenshot(page, 'console-password-required')

  // Another page leads back here, remembering where the operator was going.
  await page.goto(`${BASE}/console/users`)
  await page.waitForURL(onPasswordPage)
  assert.equal(new URL(page.url()).searchParams.get('next'), '/users')
  await page.getByTestId('password-form').waitFor()
  // So does the API: every other route refuses the session (which stays alive).
  const refused = await page.evaluate(async () => {
    const res = await fetch('/api/console/users')
    return { status: res.status, env: await res.json() }
  })
  assert.equal(refused.status, 403)
  assert.equal(refused.env.code, 1401)
  assert.equal(refused.env.msg, '请先修改初始密码')

  // The client catches mismatched and short passwords, sending nothing.
  await submitPassword(page, temporary, chosen, `${chosen}x`)
  await page.getByTestId('password-again-error').filter({ hasText: '两次输入的新密码不一致' }).waitFor()
  await submitPassword(page, temporary, 'short', 'short')
  await page.getByTestId('password-next-error').filter({ hasText: '密码长度须为 8–128 位' }).waitFor()
  assert.equal(passwordPosts, 0, 'an invalid form was sent')
  await screenshot(page, 'console-password-invalid')

  // A wrong current password is the server's refusal.
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/console/me/password')
  await submitPassword(page, `${temporary}-wrong`, chosen)
  const wrong = await answered
  assert.equal(wrong.status(), 400)
  assert.equal((await wrong.json()).code, 1403)
  await page.getByTestId('password-error').filter({ hasText: '当前密码不正确' }).waitFor()
  assert.ok(onPasswordPage(new URL(page.url())), `left the password page for ${page.url()}`)
  assert.equal(passwordPosts, 1)

  // 退出 works meanwhile; a new login with the reset password is still kept on the page.
  await page.getByRole('button', { name: '退出' }).click()
  await page.waitForURL((url) => url.pathname === '/console/login')
  await submitLogin(page, username, temporary)
  await page.waitForURL(onPasswordPage)
  await page.getByTestId('password-required').waitFor()
  await page.goto(`${BASE}/console/users`)
  await page.waitForURL(onPasswordPage)

  // The right one: on to where the operator was going, the menu open, the session alive.
  await submitPassword(page, temporary, chosen)
  await page.getByTestId('toast').filter({ hasText: '密码已修改' }).waitFor()
  await page.waitForURL((url) => url.pathname === '/console/users')
  await page.getByRole('heading', { name: '用户', exact: true }).waitFor()
  await page.getByTestId('users-list').waitFor()
  assert.equal(await page.locator('a[data-testid="nav-users"]').count(), 1, 'the menu is open again')
  await screenshot(page, 'console-password-changed')

  // The new password logs in straight to the dashboard; the reset one no longer does. (Logging
  // out is not a lost session: the login page does not lead back to the page left.)
  await page.getByRole('button', { name: '退出' }).click()
  await page.waitForURL((url) => url.pathname === '/console/login')
  assert.equal(new URL(page.url()).search, '')
  await submitLogin(page, username, temporary)
  await page.getByRole('alert').filter({ hasText: '用户名或密码错误' }).waitFor()
  await submitLogin(page, username, chosen)
  await page.getByRole('heading', { name: '仪表盘' }).waitFor()
  assert.equal(consolePath(page), '/console')
  assert.equal(await page.getByTestId('password-required').count(), 0)
  await done()
})

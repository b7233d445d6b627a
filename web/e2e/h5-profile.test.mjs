// The owners' profile pages against a running product and sandbox (`make dev`): binding a phone
// with an SMS code, the invite link making a master and an apprentice, maintenance mode, the API
// being down.
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { after, before, test } from 'node:test'
import { ADMIN_PASSWORD, BASE, SANDBOX, launch, onSandbox, phoneContext, screenshot } from './browser.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

const TIMEOUT = { timeout: 90_000 }

/** Unique enough for openids across runs against the same database. */
const unique = () => `${Date.now().toString(36)}${randomInt(36 ** 4).toString(36)}`
/** A phone number nobody has bound yet, most likely (139 + 8 random digits). */
const randomPhone = () => `139${String(randomInt(100_000_000)).padStart(8, '0')}`
const masked = (phone) => `${phone.slice(0, 3)}****${phone.slice(7)}`

/**
 * On the sandbox's WeChat authorize page: logs in as `openid` (the sandbox makes an unseen
 * openid a new demo user), which lands back in the app.
 */
async function loginAs(page, openid) {
  await page.waitForURL(onSandbox)
  const url = new URL(page.url())
  url.searchParams.set('sandbox_openid', openid)
  await page.goto(url.href)
}

/** The answer of an H5 API in the page's session. */
async function apiData(page, path) {
  const body = await (await page.request.get(`${BASE}${path}`)).json()
  assert.equal(body.code, 1200, `${path}: ${body.code} ${body.msg}`)
  return body.data
}

/** The SMS messages the sandbox delivered to `phone`, oldest first. */
async function smsTo(phone) {
  const res = await fetch(`${SANDBOX}/sandbox/sms?phone=${phone}`)
  assert.equal(res.status, 200, `GET /sandbox/sms: HTTP ${res.status}`)
  return (await res.json()).messages
}

/** The code of the first message to `phone` after the first `seen` ones. */
async function waitForCode(phone, seen) {
  const deadline = Date.now() + 15_000
  for (;;) {
    const messages = await smsTo(phone)
    if (messages.length > seen) {
      const { code } = messages.at(-1)
      assert.match(code, /^\d{6}$/)
      return code
    }
    assert.ok(Date.now() < deadline, `no SMS reached ${phone}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/**
 * On /bind-phone: binds a fresh phone number. With `wrongFirst`, a wrong code is tried first
 * and its error (tries left) checked. Answers the phone; the page then leaves for its redirect.
 */
async function bindPhone(page, { wrongFirst = false } = {}) {
  const phone = randomPhone()
  await page.getByRole('textbox', { name: '手机号' }).fill(phone)
  const seen = (await smsTo(phone)).length
  await page.getByTestId('send-code').click()
  const error = page.getByTestId('form-error')
  await page.locator('[data-testid="code-sent"], [data-testid="form-error"]').first().waitFor()
  if (await error.count()) assert.fail(`sending the code failed: ${await error.innerText()}`)
  // The resend waits out its countdown.
  const send = page.getByTestId('send-code')
  assert.ok(await send.isDisabled(), 'the send button is not disabled after sending')
  assert.match(await send.innerText(), /\d+ 秒后重发/)

  const code = await waitForCode(phone, seen)
  const submit = page.getByTestId('bind-submit')
  if (wrongFirst) {
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0')
    await page.getByRole('textbox', { name: '验证码' }).fill(wrong)
    await submit.click()
    await error.filter({ hasText: '验证码错误' }).waitFor()
    assert.match(await error.innerText(), /还可尝试 \d+ 次/)
    assert.equal(new URL(page.url()).pathname, '/bind-phone')
  }
  await page.getByRole('textbox', { name: '验证码' }).fill(code)
  await submit.click()
  return phone
}

test('an owner binds a phone with an SMS code and sees it masked at home', TIMEOUT, async () => {
  const context = await phoneContext(browser)
  const page = await context.newPage()

  await page.goto(`${BASE}/`)
  await loginAs(page, `o_e2e_phone_${unique()}`)
  await page.getByTestId('nickname').waitFor()
  assert.equal((await page.getByTestId('me-phone').innerText()).trim(), '未绑定')
  assert.equal((await page.getByTestId('me-identity').innerText()).trim(), '未认证')

  await page.getByTestId('bind-phone-banner').click()
  await page.waitForURL((url) => url.pathname === '/bind-phone')

  // A malformed number is caught before anything is sent.
  await page.getByRole('textbox', { name: '手机号' }).fill('12345678901')
  await page.getByTestId('send-code').click()
  await page.getByTestId('form-error').filter({ hasText: '手机号格式不正确' }).waitFor()

  const phone = await bindPhone(page, { wrongFirst: true })
  await page.waitForURL(`${BASE}/`)
  await page.getByTestId('me-phone').filter({ hasText: masked(phone) }).waitFor()
  assert.equal(await page.getByTestId('bind-phone-banner').count(), 0, 'the bind-phone banner is still shown')
  assert.equal((await apiData(page, '/api/me')).phone, masked(phone))

  // Bound: the page says so instead of offering the form again.
  await page.goto(`${BASE}/bind-phone?redirect=/invite`)
  await page.getByTestId('bound-phone').filter({ hasText: masked(phone) }).waitFor()
  assert.equal(await page.getByTestId('back-link').getAttribute('href'), '/invite')

  await page.goto(`${BASE}/`)
  await page.getByTestId('me-phone').filter({ hasText: masked(phone) }).waitFor()
  await screenshot(page, 'h5-phone-bound')
  await context.close()
})

test('an invite link makes a master and an apprentice, and both see it', TIMEOUT, async () => {
  // The master: without a phone the invite page leads to binding one, then comes back.
  const masterContext = await phoneContext(browser)
  const master = await masterContext.newPage()
  await master.goto(`${BASE}/invite`)
  await loginAs(master, `o_e2e_master_${unique()}`)
  await master.waitForURL(
    (url) => url.pathname === '/bind-phone' && url.searchParams.get('redirect') === '/invite',
  )
  await bindPhone(master)
  await master.waitForURL(`${BASE}/invite`)

  const inviteUrl = (await master.getByTestId('invite-url').innerText()).trim()
  const inviteCode = (await master.getByTestId('invite-code').innerText()).trim()
  assert.match(inviteUrl, /^https?:\/\/[^/]+\/s\/[0-9A-Za-z]+$/, `invite link ${inviteUrl}`)
  assert.ok(inviteCode, 'no invite code shown')
  assert.ok(await master.getByTestId('invite-qr').locator('path').getAttribute('d'), 'the QR code is empty')
  await master.getByTestId('apprentices-empty').waitFor()
  assert.equal((await master.getByTestId('master').innerText()).trim(), '暂无师傅')
  const masterMe = await apiData(master, '/api/me')

  // The friend, in a browser of their own: the short link, then /?invite=CODE, then WeChat login.
  const friendContext = await phoneContext(browser)
  const friend = await friendContext.newPage()
  await friend.goto(inviteUrl)
  await loginAs(friend, `o_e2e_friend_${unique()}`)
  await friend.waitForURL((url) => url.pathname === '/' && url.searchParams.get('invite') === inviteCode)
  await friend.getByTestId('nickname').waitFor()
  await friend.getByTestId('me-master-name').filter({ hasText: masterMe.nickname }).waitFor()
  const friendMe = await apiData(friend, '/api/me')
  assert.equal(friendMe.master?.id, masterMe.id, 'the friend was not bound to the master')
  await screenshot(friend, 'h5-invited-friend')

  // The master's invite page lists the new apprentice.
  await master.reload()
  const apprentice = master.locator(`[data-testid="apprentice"][data-id="${friendMe.id}"]`)
  await apprentice.waitFor()
  const row = await apprentice.innerText()
  assert.ok(row.includes(friendMe.nickname), `the apprentice row says "${row}"`)
  assert.match(row, /¥\d+\.\d{2}/)
  assert.ok((await apiData(master, '/api/referral')).apprentices.some((a) => a.id === friendMe.id))

  await master.getByTestId('copy-invite').click()
  await master.getByTestId('copy-status').waitFor()
  await screenshot(master, 'h5-invite-apprentice')
  await friendContext.close()
  await masterContext.close()
})

test('an invite link with an unknown code still logs in, and says why nobody was bound', TIMEOUT, async () => {
  const context = await phoneContext(browser)
  const page = await context.newPage()
  await page.goto(`${BASE}/?invite=ZZZZZZ`)
  await loginAs(page, `o_e2e_stray_${unique()}`)
  await page.getByTestId('invite-error').filter({ hasText: '邀请码不存在' }).waitFor()
  await page.getByTestId('nickname').waitFor()
  assert.equal(new URL(page.url()).searchParams.get('invite_error'), null, 'the notice is not repeated on reload')
  assert.equal((await apiData(page, '/api/me')).master, null)
  await screenshot(page, 'h5-invite-unknown-code')
  await page.getByRole('button', { name: '关闭' }).click()
  assert.equal(await page.getByTestId('invite-error').count(), 0)
  await context.close()
})

/** Logs in to the console API as admin; answers the bearer token. */
async function consoleToken() {
  const res = await fetch(`${BASE}/api/console/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  })
  const body = await res.json()
  assert.equal(body.code, 1200, `console login: ${body.code} ${body.msg}`)
  return body.data.token
}

async function setMaintenance(token, enabled, message = '') {
  const res = await fetch(`${BASE}/api/console/maintenance`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ enabled, message }),
  })
  const body = await res.json()
  assert.equal(body.code, 1200, `PUT /api/console/maintenance: ${body.code} ${body.msg}`)
  assert.equal(body.data.enabled, enabled)
}

/** Reloads the page until `locator` shows (a state change may take an instant to reach the API). */
async function reloadUntil(page, locator, ms = 15_000) {
  const deadline = Date.now() + ms
  for (;;) {
    await page.reload()
    try {
      await locator.waitFor({ timeout: 3_000 })
      return
    } catch (e) {
      if (Date.now() > deadline) throw e
    }
  }
}

test("maintenance mode shows the operator's message, and the app is back after", TIMEOUT, async () => {
  const context = await phoneContext(browser)
  const page = await context.newPage()
  await page.goto(`${BASE}/`)
  await page.waitForURL(onSandbox)
  await page.locator('[data-openid="o_demo_lina"]').click()
  await page.waitForURL(`${BASE}/`)
  await page.getByTestId('nickname').waitFor()

  const token = await consoleToken()
  const message = '系统升级中，预计 10 分钟'
  try {
    await setMaintenance(token, true, message)
    await reloadUntil(page, page.getByTestId('maintenance'))
    assert.equal((await page.getByTestId('maintenance-msg').innerText()).trim(), message)
    const res = await page.request.get(`${BASE}/api/me`)
    assert.equal(res.status(), 503)
    const body = await res.json()
    assert.equal(body.code, 1503)
    assert.equal(body.data?.message, message)
    await screenshot(page, 'h5-maintenance')
  } finally {
    await setMaintenance(token, false)
  }

  await reloadUntil(page, page.getByTestId('nickname'))
  assert.equal(await page.getByTestId('maintenance').count(), 0)
  await screenshot(page, 'h5-maintenance-over')
  await context.close()
})

test('the API being down shows the maintenance page; a network failure the network error', TIMEOUT, async () => {
  const context = await phoneContext(browser)
  const page = await context.newPage()
  await page.goto(`${BASE}/`)
  await loginAs(page, `o_e2e_down_${unique()}`)
  await page.waitForURL((url) => url.href.startsWith(BASE) && url.pathname === '/')
  await page.getByTestId('nickname').waitFor()
  const api = `${BASE}/api/**`

  // API Gateway's own answer when no function answers: 503 without our envelope.
  await page.route(api, (route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: '{"message":"Service Unavailable"}' }),
  )
  await page.reload()
  await page.getByTestId('maintenance').waitFor()
  assert.equal((await page.getByTestId('maintenance-msg').innerText()).trim(), '系统维护中，请稍后再试')
  await screenshot(page, 'h5-api-down')
  await page.unroute(api)

  // No answer at all is not maintenance.
  await page.route(api, (route) => route.abort('internetdisconnected'))
  await page.reload()
  await page.getByTestId('load-error').waitFor()
  assert.match(await page.getByTestId('load-error-msg').innerText(), /网络异常/)
  assert.equal(await page.getByTestId('maintenance').count(), 0)
  await page.unroute(api)

  await page.reload()
  await page.getByTestId('nickname').waitFor()
  await context.close()
})

// The owners' app as issue 15 found it (points 2, 9 and 10): a long group name, a 1★ group
// that earns nothing, internal codes, the wallet chart (a tap says a bar's value, an empty chart
// has a sensible scale), each page's title, stars read out to screen readers, links styled.
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { after, before, test } from 'node:test'
import {
  BASE,
  bindFreshPhone,
  businessClock,
  consoleToken,
  h5Api,
  launch,
  runJob,
  sandboxApi,
  screenshot,
  setClockOffset,
} from './browser.mjs'
import { GROUP_NAME_MAX, cjk, namedGroup, ownerNamed } from './layout.mjs'
import { h5Fen, offerRobots } from './money.mjs'

let browser
let owner
let group
const TIMEOUT = { timeout: 90_000 }

before(async () => {
  browser = await launch()
  await offerRobots(await consoleToken())
  owner = await ownerNamed(browser, '界面测试群主')
  const { page } = owner
  await page.goto(`${BASE}/bind-phone?redirect=/`)
  await bindFreshPhone(page)
  await page.waitForURL(`${BASE}/`)
  group = await namedGroup(page, cjk(GROUP_NAME_MAX, '我们的萌宠交流群名字非常非常长'))

  // The next day's rating gives a group without sessions 1★ (which pays nothing by default).
  const { offset_seconds: offset } = await businessClock()
  try {
    await setClockOffset(offset + 86_400)
    await runJob('group-rating')
  } finally {
    await setClockOffset(offset)
  }
})

after(async () => {
  await owner?.done()
  await browser?.close()
})

/** The box and the line metrics of an element. */
const metrics = (locator) =>
  locator.evaluate((el) => {
    const r = el.getBoundingClientRect()
    const s = getComputedStyle(el)
    const font = parseFloat(s.fontSize)
    return {
      width: r.width,
      height: r.height,
      font,
      line: s.lineHeight === 'normal' ? font * 1.4 : parseFloat(s.lineHeight),
      clippedX: el.scrollWidth > el.clientWidth + 1,
      clippedY: el.scrollHeight > el.clientHeight + 1,
      text: el.textContent.trim(),
    }
  })

test('a long group name: its state stays on one line, the list clamps the name, the detail shows it whole', TIMEOUT, async () => {
  const { page } = owner
  for (const width of [320, 375]) {
    await page.setViewportSize({ width, height: 812 })
    await page.goto(`${BASE}/groups`)
    const row = page.locator(`[data-testid="group-row"][data-id="${group.id}"]`)
    await row.waitFor()
    const tag = await metrics(row.getByTestId('group-state'))
    assert.equal(tag.text, '运营中')
    assert.ok(tag.height < 2 * tag.line, `the state tag is ${tag.height} px high at ${width} px (stacked)`)
    assert.ok(tag.width >= 3 * tag.font, `the state tag is ${tag.width} px wide at ${width} px`)
    const listed = await metrics(row.getByTestId('group-name'))
    assert.equal(listed.text, group.name)
    assert.ok(listed.height <= 2 * listed.line + 1, `the listed name takes ${listed.height} px (more than 2 lines)`)

    await page.goto(`${BASE}/groups/${group.id}`)
    const detail = page.getByTestId('group-detail')
    await detail.waitFor()
    const name = await metrics(detail.getByTestId('group-name'))
    assert.equal(name.text, group.name)
    assert.ok(!name.clippedX && !name.clippedY, `the detail page cuts the name at ${width} px`)
    const detailTag = await metrics(detail.getByTestId('group-state'))
    assert.ok(detailTag.height < 2 * detailTag.line, `the detail's state tag is ${detailTag.height} px high`)
    assert.equal(await page.title(), `${group.name} · 群宠`)
    await screenshot(page, `h5-ui-long-name-${width}`)
  }
})

test('a 1★ group says why it earns nothing and what the next star needs', TIMEOUT, async () => {
  const { page } = owner
  await page.setViewportSize({ width: 375, height: 812 })
  const g = await h5Api(page, 'GET', `/api/groups/${group.id}`)
  assert.equal(g.stars, 1)
  assert.equal(g.star_income_fen, 0)
  const next = g.next_star
  const expected = next
    ? `1★ 群暂无日收益：昨日有效会话 ${g.sessions_yesterday} 次，每天达到 ${next.sessions} 次可升为 ${next.stars}★，日收益 ${h5Fen(next.income_fen)}`
    : `1★ 群暂无日收益：昨日有效会话 ${g.sessions_yesterday} 次，群里聊得越多，星级和日收益越高`
  for (const path of ['/groups', `/groups/${group.id}`]) {
    await page.goto(`${BASE}${path}`)
    const scope = path === '/groups' ? page.locator(`[data-testid="group-row"][data-id="${group.id}"]`) : page.getByTestId('group-detail')
    await scope.waitFor()
    assert.equal((await scope.getByTestId('earning-note').innerText()).trim(), expected, path)
  }
  // The stars are read out as words.
  await page.goto(`${BASE}/groups`)
  await page.getByRole('img', { name: '1 星（满分 5 星）' }).first().waitFor({ timeout: 5_000 })
  await screenshot(page, 'h5-ui-one-star')
})

test('no internal code reaches a page: a failed login, an error answer', TIMEOUT, async () => {
  const context = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'zh-CN' })
  const page = await context.newPage()
  await page.goto(`${BASE}/login?error=2501&msg=${encodeURIComponent('授权码已使用')}`)
  await page.getByRole('button', { name: '重新登录' }).waitFor()
  const login = await page.locator('body').innerText()
  assert.ok(!/2501|错误码/.test(login), `the login page shows a code: ${login}`)
  assert.match(login, /授权码已使用/)
  assert.match(login, /重新登录/)
  await context.close()

  // An answer whose message carries a code: the page says the words, not the code.
  const { page: owned } = owner
  await owned.route('**/api/groups', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ code: 1602, msg: '机器人发送失败（1602），请稍后再试', data: null }),
    }),
  )
  try {
    await owned.goto(`${BASE}/groups`)
    await owned.getByTestId('load-error').waitFor()
    const msg = (await owned.getByTestId('load-error-msg').innerText()).trim()
    assert.equal(msg, '机器人发送失败，请稍后再试')
  } finally {
    await owned.unroute('**/api/groups')
  }
})

/** The text drawn in a chart (its scale, its words), once drawn. */
async function chartTexts(page, testId) {
  const chart = page.getByTestId(testId)
  await chart.locator('text').first().waitFor()
  return chart.locator('text').allTextContents()
}

test('an empty wallet chart has a sensible scale and says it is empty', TIMEOUT, async () => {
  const { page } = owner
  await page.setViewportSize({ width: 375, height: 812 })
  await page.goto(`${BASE}/wallet`)
  const empty = await chartTexts(page, 'income-chart')
  assert.ok(!empty.includes('0.01'), `an empty chart's scale: ${empty.join(' ')}`)
  assert.ok(empty.includes('1'), `an empty chart's scale ends at ¥1: ${empty.join(' ')}`)
  assert.ok(empty.some((t) => t.includes('暂无收益')), 'the empty chart says there is no income')
  await screenshot(page, 'h5-ui-wallet-empty')
})

test('a tap on a wallet bar says its value', TIMEOUT, async () => {
  const { page } = owner
  await page.setViewportSize({ width: 375, height: 812 })
  // Today's estimate: ¥12.34 from an ad click, on today's bar.
  const click = await sandboxApi('POST', '/sandbox/ads/click', { group_wxid: group.wxid, amount_fen: 1234 })
  assert.equal(click.results[0].status, 200)
  await page.reload()
  await page.getByTestId('today-income').filter({ hasText: '¥12.34' }).waitFor()
  const chart = page.getByTestId('income-chart')
  await chartTexts(page, 'income-chart')
  const box = await ((await chart.locator('svg').count()) ? chart.locator('svg').first() : chart).boundingBox()
  const today = page.getByTestId('income-today')
  const at = (await today.count())
    ? await today.evaluate((el) => ({ x: Number(el.dataset.x), y: (Number(el.dataset.top) + Number(el.dataset.base)) / 2 }))
    : { x: box.width - 12, y: box.height / 2 }
  await page.touchscreen.tap(box.x + at.x, box.y + at.y)
  const tip = page.getByText('今日预估：¥12.34')
  await tip.waitFor({ timeout: 5_000 })
  assert.ok(await tip.isVisible())
  await screenshot(page, 'h5-ui-wallet-tap')
})

test('each page has its own title; links are styled as the app', TIMEOUT, async () => {
  const { page } = owner
  const titles = [
    ['/', '首页 · 群宠'],
    ['/groups', '我的群 · 群宠'],
    ['/wallet', '我的钱包 · 群宠'],
    ['/withdrawals', '提现记录 · 群宠'],
    ['/invite', '邀请好友 · 群宠'],
    ['/robots', '领取机器人 · 群宠'],
    ['/keywords', '关键词回复 · 群宠'],
    ['/broadcasts', '群发消息 · 群宠'],
    ['/no-such-page', '页面不存在 · 群宠'],
  ]
  const unstyled = []
  for (const [path, title] of titles) {
    await page.goto(`${BASE}${path}`)
    await page.waitForLoadState('networkidle')
    assert.equal(await page.title(), title, path)
    unstyled.push(
      ...(await page.evaluate(() =>
        [...document.querySelectorAll('a')]
          .filter((a) => a.getBoundingClientRect().width > 0)
          .filter((a) => {
            const s = getComputedStyle(a)
            return s.textDecorationLine.includes('underline') || ['rgb(0, 0, 238)', 'rgb(85, 26, 139)'].includes(s.color)
          })
          .map((a) => `${location.pathname}: ${a.textContent.trim().slice(0, 20)}`),
      )),
    )
  }
  assert.deepEqual(unstyled, [], 'links in the browser default style')
})

/** The JavaScript files `page` loads from the app while `load` runs: [name, bytes, gzip -9 bytes]. */
async function scriptsLoaded(page, load) {
  const files = []
  const onResponse = async (response) => {
    const url = new URL(response.url())
    if (url.origin !== BASE || !url.pathname.endsWith('.js')) return
    files.push(response.body().then((body) => [url.pathname, body.length, gzipSync(body, { level: 9 }).length]))
  }
  page.on('response', onResponse)
  try {
    await load()
  } finally {
    page.off('response', onResponse)
  }
  return Promise.all(files)
}

test('the first page loads at most 150 KB of gzipped JavaScript; chart code only where a chart is', TIMEOUT, async () => {
  const context = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'zh-CN' })
  await context.addCookies(await owner.context.cookies())
  const page = await context.newPage()
  const home = await scriptsLoaded(page, async () => {
    await page.goto(`${BASE}/`)
    await page.getByTestId('nickname').waitFor()
    await page.waitForTimeout(500)
  })
  const total = home.reduce((n, [, , gz]) => n + gz, 0)
  console.log(`first page: ${home.map(([f, raw, gz]) => `${f} ${raw} B (gzip ${gz} B)`).join(', ')}; total gzip ${total} B`)
  assert.ok(total <= 150_000, `the first page loads ${total} B of gzipped JavaScript`)
  assert.ok(!home.some(([f]) => /echarts/i.test(f)), 'the first page loads the chart code')

  // The chart's code comes with the first chart.
  const wallet = await scriptsLoaded(page, async () => {
    await page.getByTestId('wallet-entry').click()
    await page.locator('[data-testid="income-chart"][data-ready="true"]').waitFor()
  })
  console.log(`wallet: ${wallet.map(([f, raw, gz]) => `${f} ${raw} B (gzip ${gz} B)`).join(', ')}`)
  assert.ok(wallet.some(([f]) => /echarts/i.test(f)), 'the wallet drew its chart without the chart code')
  await context.close()
})

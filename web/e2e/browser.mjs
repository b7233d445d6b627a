// Shared set-up of the browser tests: Debian's chromium driven by playwright-core.
import { mkdir } from 'node:fs/promises'
import { chromium } from 'playwright-core'

export const BASE = (process.env.GPET_BASE_URL || 'http://127.0.0.1:3000').replace(/\/$/, '')
export const SANDBOX = (process.env.GPET_SANDBOX_URL || 'http://127.0.0.1:3900').replace(/\/$/, '')
export const ADMIN_PASSWORD = process.env.GPET_DEMO_ADMIN_PASSWORD || 'gpet-admin'

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}

/** A fresh context (no cookies) the size of a phone, for the H5 app. */
export const phoneContext = (browser) =>
  browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, locale: 'zh-CN' })

/** A fresh context (no cookies) the size of a laptop, for the console. */
export const desktopContext = (browser) => browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })

const screenshots = new URL('./screenshots/', import.meta.url)

export async function screenshot(page, name) {
  await mkdir(screenshots, { recursive: true })
  await page.screenshot({ path: new URL(`${name}.png`, screenshots).pathname, fullPage: true })
}

/** True for a URL on the sandbox's side (its WeChat authorize page). */
export const onSandbox = (url) => url.href.startsWith(`${SANDBOX}/`)

/**
 * On the sandbox's WeChat authorize page: picks the first demo user and answers the text the
 * sandbox shows for them (their nickname, maybe with more around it).
 */
export async function pickFirstDemoUser(page) {
  await page.waitForURL(onSandbox)
  const user = page.locator('[data-openid]').first()
  const text = (await user.innerText()).trim()
  await user.click()
  return text
}

// Debian's Chromium, driven headless by playwright-core with a throwaway
// profile: what the browser tests share. A missing binary fails the caller's
// suite with the way to install it.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']

/** Launches Chromium; resolves to { context, page, version, close() }. `options` go to launchPersistentContext. */
export async function launchChromium (options = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`)
  const profile = await mkdtemp(join(tmpdir(), 'wasm-tally-chromium-'))
  let context
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, ...options })
  } catch (error) {
    await rm(profile, { recursive: true, force: true })
    throw error
  }
  const page = context.pages()[0] ?? await context.newPage()
  return {
    context,
    page,
    version: context.browser()?.version(),
    async close () {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    }
  }
}

// The page for test/runtime-check.test.mjs: runs the check (bundled by the
// test as check.js) and publishes what happened as window.result.
import { assertSharedMemory } from './check.js'

window.result = (() => {
  try {
    assertSharedMemory()
    return { crossOriginIsolated, threw: null }
  } catch (error) {
    return { crossOriginIsolated, threw: error.message }
  }
})()

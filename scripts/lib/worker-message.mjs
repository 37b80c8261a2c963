// Waiting for a worker thread's answer.

/** The first message `pick` accepts; rejects if the worker fails or exits first. */
export function once (worker, pick = () => true) {
  return new Promise((resolve, reject) => {
    const onMessage = msg => { if (pick(msg)) { worker.off('message', onMessage); resolve(msg) } }
    worker.on('message', onMessage)
    worker.once('error', reject)
    worker.once('exit', code => reject(new Error(`worker exited with ${code} before answering`)))
  })
}

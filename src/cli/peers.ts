// The command's optional peers (prom-client, hot-shots, kafkajs): a missing one
// is named with the command that installs it, not a module resolution stack.

/** Rethrows `error` as "<what> needs <pkg>: npm install <pkg>" when it is <pkg> (or a module of it) that is missing. */
export function needPeer (pkg: string, what: string): (error: NodeJS.ErrnoException) => never {
  return error => {
    const missing = error?.code === 'ERR_MODULE_NOT_FOUND' && (error.message.includes(`'${pkg}'`) || error.message.includes(`'${pkg}/`))
    if (missing) throw new Error(`${what} needs ${pkg}, an optional peer dependency that is not installed: npm install ${pkg}`)
    throw error
  }
}

// @platformatic/kafka's errors in the form kafkajs's take, so all read as
// the same kind of error: its classes set no `name` ("Error",
// "AggregateError"), so the class name stands for it; a send that fails on
// the broker is MultipleErrors > ResponseError > ProtocolError, whose `apiId`
// is the Kafka protocol name ("MESSAGE_TOO_LARGE") and `canRetry` whether the
// condition is transient. The kind reads "Top/Root:TYPE", e.g.
// "MultipleErrors/ProtocolError:MESSAGE_TOO_LARGE"; a client-side refusal
// reads "UserError" (a topic it cannot find with autocreateTopics off).

const MAX_CHAIN = 8

/** What error kinds are read from (see src/messaging/error-kind.ts). */
export interface KindFields { name: string, type?: string, retriable?: boolean, cause?: { name: string } }

function field (error: object, key: string): unknown {
  try { return (error as Record<string, unknown>)[key] } catch { return undefined }
}

/** The class name (its classes leave `name` as Error's), else the name. */
function nameOf (error: object): string {
  const own = field(error, 'constructor')
  const name = typeof own === 'function' ? own.name : ''
  if (name !== '' && name !== 'Error' && name !== 'Object') return name
  const given = field(error, 'name')
  return typeof given === 'string' ? given : 'Error'
}

/** The next error down: an aggregate's first, else the cause. */
function next (error: object): unknown {
  const errors = field(error, 'errors')
  if (Array.isArray(errors) && errors.length > 0) return errors[0]
  return field(error, 'cause')
}

/** A rejection of @platformatic/kafka as kafkajs would show it; anything that is not one of its errors stays as it is. */
export function platformaticError (error: unknown): unknown {
  if (error === null || typeof error !== 'object') return error
  const code = field(error, 'code')
  if (typeof code !== 'string' || !code.startsWith('PLT_KFK_')) return error
  const out: KindFields = { name: nameOf(error) }
  let current: unknown = error
  let root: object = error
  for (let depth = 0; depth < MAX_CHAIN && current !== null && typeof current === 'object'; depth++) {
    root = current
    const api = field(current, 'apiId')
    if (out.type === undefined && typeof api === 'string') out.type = api
    const retry = field(current, 'canRetry')
    if (typeof retry === 'boolean') out.retriable = retry
    current = next(current)
  }
  if (root !== error) out.cause = { name: nameOf(root) }
  return out
}

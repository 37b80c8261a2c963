// OpenTelemetry names in Prometheus form, as OpenTelemetry's Prometheus
// compatibility rules spell them: characters outside [a-zA-Z0-9_:] become "_",
// the unit is appended ("s" -> _seconds, "By" -> _bytes; "{message}" adds
// nothing), and a counter ends in _total.
import type { Attributes, MetricInfo } from './metric-names.js'
import { own } from './own.js'

const UNITS: Readonly<Record<string, string>> = {
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  min: 'minutes',
  h: 'hours',
  d: 'days',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  '%': 'percent'
}

function clean (text: string, allowed: RegExp): string {
  const name = text.replace(allowed, '_').replace(/_{2,}/g, '_')
  return /^[0-9]/.test(name) ? `_${name}` : name
}

/** The unit's word in a Prometheus name ('' for none, annotations in braces and "1"). */
export function prometheusUnit (unit: string): string {
  if (unit === '' || unit === '1' || /^\{.*\}$/.test(unit)) return ''
  return own(UNITS, unit) ?? clean(unit.replace(/\{[^}]*\}/g, ''), /[^a-zA-Z0-9_]/g).replace(/^_|_$/g, '')
}

/** messaging.client.sent.messages (counter) -> messaging_client_sent_messages_total. */
export function prometheusName (metric: MetricInfo): string {
  let name = clean(metric.name, /[^a-zA-Z0-9_:]/g)
  const unit = prometheusUnit(metric.unit)
  if (unit !== '' && !name.endsWith(`_${unit}`)) name += `_${unit}`
  if (metric.kind === 'counter' && !name.endsWith('_total')) name += '_total'
  return name
}

/** messaging.destination.name -> messaging_destination_name. */
export function prometheusLabel (key: string): string {
  return clean(key, /[^a-zA-Z0-9_]/g)
}

/** Attributes as Prometheus labels (booleans as "true" / "false"). */
export function prometheusLabels (attributes: Attributes): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const [key, value] of Object.entries(attributes)) labels[prometheusLabel(key)] = String(value)
  return labels
}

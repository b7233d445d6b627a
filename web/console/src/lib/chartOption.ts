// Plain ECharts options the console's charts share: whether an option has anything to draw,
// and value axes that stay sensible without data (0–1 with whole ticks, never 0–0.01).

type Option = Record<string, unknown>

const asArray = <T>(v: T | T[] | undefined | null): T[] => (v == null ? [] : Array.isArray(v) ? v : [v])

/** The number a series data item holds (a number, [x, y], or {value}), or null. */
export function itemValue(item: unknown): number | null {
  if (typeof item === 'number') return Number.isFinite(item) ? item : null
  if (Array.isArray(item)) return itemValue(item[item.length - 1])
  if (item && typeof item === 'object' && 'value' in item) return itemValue((item as { value: unknown }).value)
  return null
}

/** Every value of every series of `option`. */
export function seriesValues(option: Option): number[] {
  return asArray(option.series as Option | Option[]).flatMap((s) =>
    asArray(s?.data as unknown[]).map(itemValue).filter((v): v is number => v !== null),
  )
}

/** Whether any series of `option` has a value to draw. */
export const hasData = (option: Option): boolean => seriesValues(option).length > 0

/**
 * `option` with its value axes from 0 to 1 in whole steps when all its values are 0 (ECharts
 * would otherwise pick a fractional scale); unchanged otherwise.
 */
export function sensibleAxes<O extends Option>(option: O): O {
  const values = seriesValues(option)
  if (values.some((v) => v !== 0)) return option
  const fix = (axis: Option) =>
    axis && axis.type === 'value' ? { ...axis, min: 0, max: 1, interval: 1, minInterval: 1 } : axis
  const y = option.yAxis
  return { ...option, yAxis: Array.isArray(y) ? y.map(fix) : y ? fix(y as Option) : y }
}

/** A tick or tooltip value: "1,234", and "1.2万" from ten thousand. */
export function formatCount(value: number): string {
  if (Math.abs(value) >= 10_000) return `${Number((value / 10_000).toFixed(1))}万`
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 })
}

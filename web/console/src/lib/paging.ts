// The arithmetic of paged lists (`page` is 1-based everywhere).

export const DEFAULT_PAGE_SIZE = 20

/** How many pages `total` items make (at least one, so an empty list still has page 1). */
export function pageCount(total: number, pageSize: number): number {
  if (!(pageSize > 0) || !(total > 0)) return 1
  return Math.ceil(total / pageSize)
}

/** `page` kept within 1…pageCount. */
export function clampPage(page: number, total: number, pageSize: number): number {
  const last = pageCount(total, pageSize)
  if (!Number.isFinite(page)) return 1
  return Math.min(last, Math.max(1, Math.floor(page)))
}

/** The 1-based numbers of the first and last items on `page` ({0, 0} when there are none). */
export function pageRange(page: number, total: number, pageSize: number): { first: number; last: number } {
  if (!(total > 0) || !(pageSize > 0)) return { first: 0, last: 0 }
  const first = (clampPage(page, total, pageSize) - 1) * pageSize + 1
  return { first, last: Math.min(total, first + pageSize - 1) }
}

/** A page number from the address bar: a positive whole number, else 1. */
export function parsePage(value: string | null | undefined): number {
  const n = Number(value)
  return Number.isInteger(n) && n >= 1 ? n : 1
}

/**
 * The page buttons to show: the first, the last, and `span` pages either side of the current
 * one; 'gap' where pages are left out.
 */
export function pageItems(page: number, count: number, span = 2): Array<number | 'gap'> {
  const items: Array<number | 'gap'> = []
  const from = Math.max(2, page - span)
  const to = Math.min(count - 1, page + span)
  items.push(1)
  if (from > 2) items.push('gap')
  for (let p = from; p <= to; p++) items.push(p)
  if (to < count - 1) items.push('gap')
  if (count > 1) items.push(count)
  return items
}

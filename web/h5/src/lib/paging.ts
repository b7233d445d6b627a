// Lists loaded a page at a time ("加载更多").
import type { Page } from '../api'

/**
 * The list after page `page` came: the first page replaces it, a later one is added to it
 * without the rows already shown (a row that came meanwhile shifts the pages by one). `more`
 * while the server has rows not shown yet, and the last page brought some.
 */
export function mergePage<T extends { id: number }>(
  shown: T[],
  answer: Pick<Page<T>, 'items' | 'total'>,
  page: number,
): { items: T[]; more: boolean } {
  const seen = new Set(page === 1 ? [] : shown.map((row) => row.id))
  const items = page === 1 ? answer.items : [...shown, ...answer.items.filter((row) => !seen.has(row.id))]
  return { items, more: answer.items.length > 0 && items.length < answer.total }
}

import { describe, expect, it } from 'vitest'
import { mergePage } from './paging'

const rows = (...ids: number[]) => ids.map((id) => ({ id }))

describe('mergePage', () => {
  it('replaces the list with the first page', () => {
    expect(mergePage(rows(9, 8), { items: rows(3, 2), total: 5 }, 1)).toEqual({ items: rows(3, 2), more: true })
  })

  it('adds a later page, without rows already shown', () => {
    // A new row came first meanwhile: page 2 starts with the last row of page 1.
    expect(mergePage(rows(5, 4), { items: rows(4, 3), total: 5 }, 2)).toEqual({ items: rows(5, 4, 3), more: true })
    expect(mergePage(rows(5, 4, 3), { items: rows(2, 1), total: 5 }, 3)).toEqual({
      items: rows(5, 4, 3, 2, 1),
      more: false,
    })
  })

  it('stops asking when a page comes back empty, whatever the total says', () => {
    expect(mergePage(rows(2, 1), { items: [], total: 9 }, 2)).toEqual({ items: rows(2, 1), more: false })
    expect(mergePage([], { items: [], total: 0 }, 1)).toEqual({ items: [], more: false })
  })
})

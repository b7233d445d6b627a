import { describe, expect, it } from 'vitest'
import { clampPage, pageCount, pageItems, pageRange, parsePage } from './paging'

describe('paging', () => {
  it('counts pages, at least one', () => {
    expect(pageCount(0, 20)).toBe(1)
    expect(pageCount(1, 20)).toBe(1)
    expect(pageCount(20, 20)).toBe(1)
    expect(pageCount(21, 20)).toBe(2)
    expect(pageCount(1000, 100)).toBe(10)
    expect(pageCount(5, 0)).toBe(1)
  })

  it('keeps a page within the list', () => {
    expect(clampPage(0, 45, 20)).toBe(1)
    expect(clampPage(3, 45, 20)).toBe(3)
    expect(clampPage(9, 45, 20)).toBe(3)
    expect(clampPage(2.7, 45, 20)).toBe(2)
    expect(clampPage(NaN, 45, 20)).toBe(1)
  })

  it('numbers the items of a page', () => {
    expect(pageRange(1, 45, 20)).toEqual({ first: 1, last: 20 })
    expect(pageRange(3, 45, 20)).toEqual({ first: 41, last: 45 })
    expect(pageRange(1, 0, 20)).toEqual({ first: 0, last: 0 })
  })

  it('reads the page from the address bar', () => {
    expect(parsePage('3')).toBe(3)
    expect(parsePage(null)).toBe(1)
    expect(parsePage('0')).toBe(1)
    expect(parsePage('-2')).toBe(1)
    expect(parsePage('1.5')).toBe(1)
    expect(parsePage('abc')).toBe(1)
  })

  it('shows the ends and the pages around the current one', () => {
    expect(pageItems(1, 1)).toEqual([1])
    expect(pageItems(1, 3)).toEqual([1, 2, 3])
    expect(pageItems(1, 10)).toEqual([1, 2, 3, 'gap', 10])
    expect(pageItems(5, 10)).toEqual([1, 'gap', 3, 4, 5, 6, 7, 'gap', 10])
    expect(pageItems(10, 10)).toEqual([1, 'gap', 8, 9, 10])
    expect(pageItems(4, 7)).toEqual([1, 2, 3, 4, 5, 6, 7])
  })
})

import { describe, expect, it } from 'vitest'
import { buildContent, charCount, emptyContentFields, type ContentFields } from './content'

const fields = (patch: Partial<ContentFields>): ContentFields => ({ ...emptyContentFields(), ...patch })

describe('charCount', () => {
  it('counts characters, an emoji as one', () => {
    expect(charCount('')).toBe(0)
    expect(charCount('价格')).toBe(2)
    expect(charCount('😀a')).toBe(2)
    expect(charCount('😀😀')).toBe(2)
  })
})

describe('emptyContentFields', () => {
  it('starts every field blank, a text unless told', () => {
    const { kind, ...rest } = emptyContentFields()
    expect(kind).toBe('text')
    expect(Object.keys(rest).sort()).toEqual(['appid', 'desc', 'image_url', 'pagepath', 'text', 'thumb_url', 'title', 'url'])
    expect(Object.values(rest).every((value) => value === '')).toBe(true)
    expect(emptyContentFields('link').kind).toBe('link')
  })
})

describe('buildContent', () => {
  it('keeps a text exactly as given, spaces and newlines included', () => {
    const text = '  今晚 8 点开团\r\n\n第二行  \n'
    expect(buildContent(fields({ text, title: 'ignored' }))).toEqual({ kind: 'text', text })
  })

  it('builds a link card from its fields, trimmed, an empty image left out', () => {
    const link = fields({ kind: 'link', title: ' 标题 ', desc: ' 描述 ', url: ' https://a.example/x ', text: 'x' })
    expect(buildContent(link)).toEqual({ kind: 'link', title: '标题', desc: '描述', url: 'https://a.example/x' })
    const image = ' https://a.example/i.png '
    expect(buildContent({ ...link, image_url: image })).toEqual({
      kind: 'link',
      title: '标题',
      desc: '描述',
      url: 'https://a.example/x',
      image_url: 'https://a.example/i.png',
    })
  })

  it('builds a mini-program card from its fields, trimmed, an empty thumb left out', () => {
    const card = fields({ kind: 'miniprogram', title: '商城', appid: ' wx1234 ', pagepath: 'pages/index?id=1 ' })
    expect(buildContent({ ...card, thumb_url: '  ' })).toEqual({
      kind: 'miniprogram',
      title: '商城',
      appid: 'wx1234',
      pagepath: 'pages/index?id=1',
    })
    expect(buildContent({ ...card, thumb_url: 'https://a.example/t.png' })).toEqual({
      kind: 'miniprogram',
      title: '商城',
      appid: 'wx1234',
      pagepath: 'pages/index?id=1',
      thumb_url: 'https://a.example/t.png',
    })
  })
})

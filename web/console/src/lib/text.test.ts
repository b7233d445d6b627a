import { describe, expect, it } from 'vitest'
import { compactJson, highlight, messageBody, parseWords, prettyJson, validateReason, validateWords } from './text'

describe('validateReason', () => {
  it('asks for a reason, trimmed, of at most `max` characters', () => {
    expect(validateReason(' \n ', '冻结原因', 200)).toBe('请填写冻结原因')
    expect(validateReason(' 违规推广 ', '冻结原因', 4)).toBe('')
    expect(validateReason('违规推广了', '冻结原因', 4)).toBe('冻结原因不能超过 4 个字')
  })
})

describe('sensitive-word lists', () => {
  it('takes one word a line, trimmed, blank lines and repeats dropped', () => {
    expect(parseWords(' 赌博 \n\n代开发票\r\n赌博\n  ')).toEqual(['赌博', '代开发票'])
    expect(parseWords('')).toEqual([])
  })

  it('checks counts and lengths before sending', () => {
    expect(validateWords([])).toBe('请输入敏感词，每行一个')
    expect(validateWords(['赌博'])).toBe('')
    expect(validateWords(Array.from({ length: 1001 }, (_, i) => `w${i}`))).toBe('一次最多添加 1000 个敏感词')
    expect(validateWords(['字'.repeat(50)])).toBe('')
    expect(validateWords(['字'.repeat(51)])).toMatch(/不能超过 50 个字/)
  })
})

describe('highlight', () => {
  const hits = (text: string, words: string[]) =>
    highlight(text, words)
      .filter((s) => s.hit)
      .map((s) => s.text)

  it('marks every occurrence and keeps the text whole', () => {
    const segments = highlight('他在赌博，还赌博', ['赌博'])
    expect(segments).toEqual([
      { text: '他在', hit: false },
      { text: '赌博', hit: true },
      { text: '，还', hit: false },
      { text: '赌博', hit: true },
    ])
    expect(segments.map((s) => s.text).join('')).toBe('他在赌博，还赌博')
  })

  it('prefers the longest word and never overlaps', () => {
    expect(hits('网络赌博平台', ['赌博', '网络赌博'])).toEqual(['网络赌博'])
    expect(hits('abab', ['aba', 'bab'])).toEqual(['aba'])
  })

  it('ignores letter case but shows the text as written', () => {
    expect(hits('Buy VIAGRA now', ['viagra'])).toEqual(['VIAGRA'])
  })

  it('leaves text without words alone', () => {
    expect(highlight('你好', [])).toEqual([{ text: '你好', hit: false }])
    expect(highlight('', ['x'])).toEqual([])
    expect(highlight('你好', [''])).toEqual([{ text: '你好', hit: false }])
  })
})

describe('json', () => {
  it('is compact and cut to length', () => {
    expect(compactJson({ a: 1, b: 'x' })).toBe('{"a":1,"b":"x"}')
    expect(compactJson({ text: 'x'.repeat(200) }, 20)).toHaveLength(20)
    expect(compactJson({ text: 'x'.repeat(200) }, 20).endsWith('…')).toBe(true)
    expect(compactJson(undefined)).toBe('undefined')
    expect(compactJson(null)).toBe('null')
  })

  it('is indented when expanded', () => {
    expect(prettyJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}')
  })
})

describe('message bodies', () => {
  it('pretty-prints JSON text and sums it up in a line', () => {
    const body = messageBody('{"type":"joined_group","group_wxid":"g1"}', 30)
    expect(body.json).toBe(true)
    expect(body.pretty).toBe('{\n  "type": "joined_group",\n  "group_wxid": "g1"\n}')
    expect(body.line).toBe('{"type":"joined_group","group…')
  })

  it('shows other text as given, one line when collapsed', () => {
    const body = messageBody('not json\n  at all')
    expect(body).toEqual({ json: false, pretty: 'not json\n  at all', line: 'not json at all' })
  })

  it('takes an object body as JSON', () => {
    expect(messageBody({ a: 1 })).toEqual({ json: true, pretty: '{\n  "a": 1\n}', line: '{"a":1}' })
  })
})

import { describe, expect, it } from 'vitest'
import type { Robot } from '../api'
import { EMPTY_ROBOT_FORM, formToRobotCreate, formToRobotUpdate, isHttpUrl, robotToForm, usageParts } from './robots'

const robot: Robot = {
  id: 7,
  platform_id: 'p-7',
  wxid: 'wxid_robot7',
  nickname: '小宠 7 号',
  qr_code_url: 'https://cdn.example.com/qr/7.png',
  capacity: 100,
  enabled: true,
  groups: 40,
  free: 60,
  today: { snapshot_free: 60, distributed: 30, displayed: 70, activated: 12 },
  created_at: '2026-11-20T10:00:00+08:00',
}

const filled = { ...EMPTY_ROBOT_FORM, platform_id: ' p-8 ', wxid: 'wxid_8', nickname: ' 小宠 ', qr_code_url: 'https://x.cn/q.png' }

describe('robot forms', () => {
  it('registers a robot with trimmed fields', () => {
    expect(formToRobotCreate({ ...filled, capacity: ' 200 ', enabled: false })).toEqual({
      body: {
        platform_id: 'p-8',
        wxid: 'wxid_8',
        nickname: '小宠',
        qr_code_url: 'https://x.cn/q.png',
        capacity: 200,
        enabled: false,
      },
    })
  })

  it('asks for every field in order', () => {
    expect(formToRobotCreate({ ...filled, platform_id: ' ' })).toEqual({ error: '请填写平台 ID' })
    expect(formToRobotCreate({ ...filled, wxid: '' })).toEqual({ error: '请填写微信 ID' })
    expect(formToRobotCreate({ ...filled, wxid: 'wx id' })).toEqual({ error: '微信 ID 须为不含空格的 1–64 个字符' })
    expect(formToRobotCreate({ ...filled, nickname: '' })).toEqual({ error: '请填写昵称' })
    expect(formToRobotCreate({ ...filled, qr_code_url: '' })).toEqual({ error: '请填写二维码地址' })
    expect(formToRobotCreate({ ...filled, qr_code_url: 'ftp://x/q.png' })).toEqual({
      error: '二维码地址须为 http:// 或 https:// 开头的链接',
    })
  })

  it('keeps the capacity a whole number within 1–500', () => {
    const error = { error: '容量须为 1–500 的整数' }
    expect(formToRobotCreate({ ...filled, capacity: '0' })).toEqual(error)
    expect(formToRobotCreate({ ...filled, capacity: '501' })).toEqual(error)
    expect(formToRobotCreate({ ...filled, capacity: '10.5' })).toEqual(error)
    expect(formToRobotCreate({ ...filled, capacity: '' })).toEqual(error)
    expect('body' in formToRobotCreate({ ...filled, capacity: '1' })).toBe(true)
    expect('body' in formToRobotCreate({ ...filled, capacity: '500' })).toBe(true)
  })

  it('sends only what an edit changed', () => {
    const form = robotToForm(robot)
    expect(formToRobotUpdate(form, robot)).toEqual({ body: {} })
    expect(formToRobotUpdate({ ...form, capacity: '120', enabled: false }, robot)).toEqual({
      body: { capacity: 120, enabled: false },
    })
    expect(formToRobotUpdate({ ...form, nickname: ' 新名字 ' }, robot)).toEqual({ body: { nickname: '新名字' } })
    expect(formToRobotUpdate({ ...form, capacity: '600' }, robot)).toEqual({ error: '容量须为 1–500 的整数' })
  })

  it('knows web addresses', () => {
    expect(isHttpUrl('https://a.cn/x.png')).toBe(true)
    expect(isHttpUrl('http://127.0.0.1:3000/q')).toBe(true)
    expect(isHttpUrl('https://')).toBe(false)
    expect(isHttpUrl('javascript:alert(1)')).toBe(false)
  })
})

describe("today's use bar", () => {
  it('splits the snapshot into activated, waiting and unreleased', () => {
    expect(usageParts(robot.today)).toEqual([
      { key: 'activated', label: '已激活', value: 12, pct: 20 },
      { key: 'waiting', label: '已分配未激活', value: 18, pct: 30 },
      { key: 'unreleased', label: '未释放', value: 30, pct: 50 },
    ])
  })

  it('is empty without a snapshot and never overflows', () => {
    expect(usageParts(null).map((p) => p.pct)).toEqual([0, 0, 0])
    const over = usageParts({ snapshot_free: 10, distributed: 10, displayed: 40, activated: 15 })
    expect(over.map((p) => p.value)).toEqual([15, 0, 0])
    expect(over.reduce((s, p) => s + p.pct, 0)).toBe(100)
  })
})

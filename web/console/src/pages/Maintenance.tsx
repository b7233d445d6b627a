// 维护模式: while on, every H5 API answers 1503 with the message here; the console keeps working
// (and says so on every page, see MaintenanceBanner).
import { useEffect, useState } from 'react'
import { App, Button, Card, Form, Input, Space, Switch, Tag, Typography } from 'antd'
import { charCount } from '@gpet/common/content'
import { canWrite, getMaintenance, putMaintenance } from '../api'
import { useAuth } from '../auth'
import { ReadOnly } from '../components/form'
import { useLoad, useSubmit } from '../components/hooks'
import LeaveGuard from '../components/LeaveGuard'
import { LoadState } from '../components/LoadState'
import { announceMaintenance } from '../components/MaintenanceBanner'
import { formatDateTime } from '../lib/dates'

const MAX_MESSAGE = 200

export default function Maintenance() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const { modal } = App.useApp()
  const { data, error, loading, reload, setData } = useLoad(getMaintenance, [])
  const [enabled, setEnabled] = useState(false)
  const [message, setMessage] = useState('')
  const { problem, setProblem, busy, submit } = useSubmit()

  useEffect(() => {
    if (!data) return
    setEnabled(data.enabled)
    setMessage(data.message)
  }, [data])

  const dirty = !!data && (enabled !== data.enabled || message !== data.message)

  const send = () =>
    submit(() => putMaintenance(enabled, message), {
      done: (saved) => (saved.enabled ? '维护模式已开启' : data?.enabled ? '维护模式已关闭' : '已保存'),
      then: (saved) => {
        setData(saved)
        announceMaintenance(saved)
      },
    })

  const save = () => {
    if (!data) return
    if (charCount(message) > MAX_MESSAGE) return setProblem(`提示语不能超过 ${MAX_MESSAGE} 个字`)
    setProblem('')
    if (enabled && !data.enabled) {
      modal.confirm({
        title: '开启维护模式',
        content: '开启后 H5 端所有接口将返回“系统维护中”，群主无法使用，直到关闭维护模式。确定开启？',
        okText: '开启维护',
        cancelText: '取消',
        okButtonProps: { danger: true, 'data-testid': 'confirm-ok' },
        onOk: send,
      })
      return
    }
    void send()
  }

  return (
    <>
      <div className="page-head">
        <div>
          <h1>维护模式</h1>
          <p className="muted">开启后 H5 端显示维护页面，运营后台不受影响</p>
        </div>
      </div>
      <LeaveGuard dirty={dirty} />
      {!data && <LoadState error={loading ? undefined : error} onRetry={reload} />}
      {data && (
        <Card data-testid="maintenance-form" style={{ maxWidth: 720 }}>
          {!writable && <ReadOnly text="你的角色只能查看维护模式，不能修改" />}
          <Form layout="vertical" onFinish={save}>
            <Form.Item label="当前状态">
              <Space>
                {data.enabled ? (
                  <Tag color="error" data-testid="maintenance-status">
                    维护中
                  </Tag>
                ) : (
                  <Tag color="success" data-testid="maintenance-status">
                    正常运行
                  </Tag>
                )}
                <Typography.Text type="secondary">最近修改：{formatDateTime(data.updated_at)}</Typography.Text>
              </Space>
            </Form.Item>
            <Form.Item label="维护模式">
              <Switch
                checked={enabled}
                disabled={!writable || busy}
                checkedChildren="开启"
                unCheckedChildren="关闭"
                aria-label="维护模式"
                data-testid="maintenance-switch"
                onChange={setEnabled}
              />
            </Form.Item>
            <Form.Item label="提示语（显示在 H5 维护页面）" extra={`${charCount(message)} / ${MAX_MESSAGE}`}>
              <Input.TextArea
                rows={3}
                value={message}
                disabled={!writable || busy}
                data-testid="maintenance-message"
                placeholder="例如：系统升级中，预计 02:00 恢复"
                onChange={(e) => setMessage(e.target.value)}
              />
            </Form.Item>
            {problem && <Typography.Paragraph type="danger" role="alert">{problem}</Typography.Paragraph>}
            {writable && (
              <Space>
                <Button
                  type="primary"
                  danger={enabled && !data.enabled}
                  htmlType="submit"
                  disabled={!dirty}
                  loading={busy}
                  data-testid="maintenance-save"
                >
                  {busy ? '保存中…' : '保存'}
                </Button>
                <Button
                  disabled={!dirty || busy}
                  onClick={() => {
                    setEnabled(data.enabled)
                    setMessage(data.message)
                    setProblem('')
                  }}
                >
                  重置
                </Button>
              </Space>
            )}
          </Form>
        </Card>
      )}
    </>
  )
}

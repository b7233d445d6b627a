import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App as AntApp, ConfigProvider } from 'antd'
import zhCN from 'antd/locale/zh_CN'
import dayjs from 'dayjs'
import 'dayjs/locale/zh-cn'
import timezone from 'dayjs/plugin/timezone'
import utc from 'dayjs/plugin/utc'
import App from './App'
import { CHINA_ZONE } from './lib/beijing'
import './styles.css'

// Chinese everywhere (pickers: 一…日, 年月日, 24-hour clock), and Beijing time whatever the
// browser's own zone: pickers get and give China wall-clock values through lib/beijing.
dayjs.extend(utc)
dayjs.extend(timezone)
dayjs.locale('zh-cn')
dayjs.tz.setDefault(CHINA_ZONE)

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ConfigProvider
      locale={zhCN}
      theme={{ token: { colorPrimary: '#1677ff', borderRadius: 6 } }}
      // "保存", not "保 存": two-character labels read (and are found) as written.
      button={{ autoInsertSpace: false }}
    >
      <AntApp>
        <App />
      </AntApp>
    </ConfigProvider>
  </StrictMode>,
)

import { ConfigProvider, unstableSetRender } from 'antd-mobile'
import zhCN from 'antd-mobile/es/locales/zh-CN'
import { StrictMode } from 'react'
import { type Root, createRoot } from 'react-dom/client'
import { BrowserRouter } from 'react-router-dom'
import App from './App'
import { installTracking } from './track'
import './styles.css'

installTracking()

// antd-mobile's imperative pieces (Toast.show, Dialog.confirm…) render through ReactDOM.render,
// which React 19 no longer has: they render through a root of their own instead.
const imperativeRoots = new WeakMap<Element | DocumentFragment, Root>()
unstableSetRender((node, container) => {
  let root = imperativeRoots.get(container)
  if (!root) {
    root = createRoot(container)
    imperativeRoots.set(container, root)
  }
  root.render(node)
  return async () => {
    await new Promise((resolve) => setTimeout(resolve, 0))
    root.unmount()
    imperativeRoots.delete(container)
  }
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ConfigProvider locale={zhCN}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </ConfigProvider>
  </StrictMode>,
)

import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The product serves the console at `/console/` and the API at `/api` on the same origin;
// `npm run dev` proxies the API to a local backend (`make dev`).
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  // An operators' desktop app: antd's shared chunk is ~730 KB (230 KB gzipped), loaded once and
  // cached; ECharts is its own chunk, loaded by the chart pages only.
  build: { chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
})

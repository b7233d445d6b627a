import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The product serves the H5 app at `/` and the API at `/api` on the same origin;
// `npm run dev` proxies the API to a local backend (`make dev`).
export default defineConfig({
  base: '/',
  plugins: [react()],
  // WeChat's in-app browsers lag behind: older iOS WebKit and Android XWeb.
  // ECharts (about 170 KB gzipped) is its own chunk, loaded only by the pages that draw a chart.
  build: { target: ['chrome87', 'safari14'], chunkSizeWarningLimit: 600 },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
})

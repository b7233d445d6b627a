import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The product serves the console at `/console/` and the API at `/api` on the same origin;
// `npm run dev` proxies the API to a local backend (`make dev`).
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
})

import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Built into web/dist and served by Django (WhiteNoise + an index.html fallback); `npm run dev`
// proxies the API to a running `make run` for hot reloading.
export default defineConfig({
  plugins: [vue()],
  server: {
    proxy: { '/api': 'http://127.0.0.1:8000', '/media': 'http://127.0.0.1:8000' },
  },
  build: {
    rollupOptions: {
      output: {
        // Element Plus changes rarely: its own chunk stays cached across app releases.
        manualChunks: { 'element-plus': ['element-plus'], vue: ['vue', 'vue-router', 'pinia'] },
      },
    },
    chunkSizeWarningLimit: 1200,
  },
  test: { environment: 'jsdom' },
})

import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// Vue and its router and store change together and rarely: one long-cached chunk. Everything
// else (Element Plus included) is split by Rollup along the routes' dynamic imports, so a page
// loads only the components it uses.
function manualChunks(id) {
  if (/[\\/]node_modules[\\/](@vue|vue|vue-router|pinia)[\\/]/.test(id)) return 'vue'
}

// Built into web/dist and served by Django (WhiteNoise + an index.html fallback); `npm run dev`
// proxies the API to a running `make run` for hot reloading. luffy/webbuild.py writes the .br and
// .gz copies WhiteNoise serves after the build.
export default defineConfig({
  plugins: [
    vue(),
    // <el-...> tags in templates import their component and its CSS on demand. Script-side
    // services (ElMessage, ElMessageBox) are imported by name, their CSS in src/main.js.
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
  ],
  server: {
    proxy: { '/api': 'http://127.0.0.1:8000', '/media': 'http://127.0.0.1:8000' },
  },
  build: {
    rollupOptions: { output: { manualChunks } },
  },
  test: { environment: 'jsdom' },
})

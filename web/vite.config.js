import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
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

// WhiteNoise serves a file's .br or .gz sibling to browsers that accept it, but it compresses
// only STATIC_ROOT (at collectstatic), never WHITENOISE_ROOT (web/dist): the build writes them,
// with Node's own zlib, for text files that shrink by at least 5 %.
function precompress() {
  let outDir
  const walk = (dir) => readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path) : [path]
  })
  return {
    name: 'luffy-precompress',
    apply: 'build',
    configResolved(config) { outDir = config.build.outDir },
    closeBundle() {
      for (const path of walk(outDir).filter((p) => /\.(js|mjs|css|html|svg|json|txt|map)$/.test(p))) {
        const data = readFileSync(path)
        const br = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })
        if (br.length > data.length * 0.95) continue
        writeFileSync(`${path}.br`, br)
        const gz = gzipSync(data, { level: 9 })
        if (gz.length <= data.length * 0.95) writeFileSync(`${path}.gz`, gz)
      }
    },
  }
}

// Built into web/dist and served by Django (WhiteNoise + an index.html fallback); `npm run dev`
// proxies the API to a running `make run` for hot reloading.
export default defineConfig({
  plugins: [
    vue(),
    // <el-...> tags in templates import their component and its CSS on demand. Script-side
    // services (ElMessage, ElMessageBox) are imported by name, their CSS in src/main.js.
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
    precompress(),
  ],
  server: {
    proxy: { '/api': 'http://127.0.0.1:8000', '/media': 'http://127.0.0.1:8000' },
  },
  build: {
    rollupOptions: { output: { manualChunks } },
  },
  test: { environment: 'jsdom' },
})

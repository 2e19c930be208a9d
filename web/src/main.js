import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { ElMessage, provideGlobalConfig } from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
// Components used in templates bring their own CSS (vite.config.js); these are called from code.
import 'element-plus/es/components/base/style/css'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import './style.css'

import App from './App.vue'
import { router, sendToLogin } from './router'
import { setAuthExpiredHandler, setErrorNotifier } from './api/http'
import { useUserStore } from './stores/user'
import { useCartStore } from './stores/cart'

const app = createApp(App)
app.use(createPinia())
app.use(router)
// Chinese texts for Element Plus, in components and in ElMessageBox called from code.
provideGlobalConfig({ locale: zhCn }, app, true)

setErrorNotifier((message) => ElMessage({ type: 'error', message, grouping: true }))
setAuthExpiredHandler(() => {
  useUserStore().logout()
  useCartStore().reset()
  sendToLogin()
})

app.mount('#app')

import { createApp } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus, { ElMessage } from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import 'element-plus/dist/index.css'
import './style.css'

import App from './App.vue'
import { router } from './router'
import { setAuthExpiredHandler, setErrorNotifier } from './api/http'
import { useUserStore } from './stores/user'
import { useCartStore } from './stores/cart'

const app = createApp(App)
app.use(createPinia())
app.use(router)
app.use(ElementPlus, { locale: zhCn })

setErrorNotifier((message) => ElMessage({ type: 'error', message, grouping: true }))
setAuthExpiredHandler(() => {
  useUserStore().logout()
  useCartStore().reset()
  const here = router.currentRoute.value
  if (here.name !== 'login') router.push({ name: 'login', query: { redirect: here.fullPath } })
})

app.mount('#app')

import { createRouter, createWebHistory } from 'vue-router'
import { useUserStore } from '../stores/user'

const routes = [
  { path: '/', name: 'home', component: () => import('../pages/HomePage.vue') },
  { path: '/courses', name: 'courses', component: () => import('../pages/CourseListPage.vue'), meta: { title: '实战课程' } },
  { path: '/free', redirect: { name: 'courses', query: { free: '1' } } },
  { path: '/about', name: 'about', component: () => import('../pages/AboutPage.vue'), meta: { title: '关于我们' } },
  { path: '/contact', name: 'contact', component: () => import('../pages/ContactPage.vue'), meta: { title: '联系我们' } },
  { path: '/courses/:id(\\d+)', name: 'course', component: () => import('../pages/CourseDetailPage.vue'), meta: { title: '课程详情' } },
  { path: '/player/:id(\\d+)', name: 'player', component: () => import('../pages/StudyPage.vue'), meta: { title: '学习中心' } },
  { path: '/cart', name: 'cart', component: () => import('../pages/CartPage.vue'), meta: { title: '购物车', requiresAuth: true } },
  { path: '/checkout', name: 'checkout', component: () => import('../pages/CheckoutPage.vue'), meta: { title: '确认订单', requiresAuth: true } },
  { path: '/payments/wechat/:orderNumber', name: 'wechat-pay', component: () => import('../pages/WechatPayPage.vue'), meta: { title: '微信支付', requiresAuth: true } },
  { path: '/payments/result', name: 'payment-result', component: () => import('../pages/PaymentResultPage.vue'), meta: { title: '支付结果', requiresAuth: true } },
  { path: '/my/orders', name: 'my-orders', component: () => import('../pages/MyOrdersPage.vue'), meta: { title: '我的订单', requiresAuth: true } },
  { path: '/my/courses', name: 'my-courses', component: () => import('../pages/MyCoursesPage.vue'), meta: { title: '我的课程', requiresAuth: true } },
  { path: '/my/coupons', name: 'my-coupons', component: () => import('../pages/MyCouponsPage.vue'), meta: { title: '我的优惠券', requiresAuth: true } },
  { path: '/my/credits', name: 'my-credits', component: () => import('../pages/MyCreditsPage.vue'), meta: { title: '我的积分', requiresAuth: true } },
  { path: '/my/profile', name: 'my-profile', component: () => import('../pages/ProfilePage.vue'), meta: { title: '个人资料', requiresAuth: true } },
  { path: '/login/sms', name: 'login-sms', component: () => import('../pages/SmsLoginPage.vue'), meta: { title: '验证码登录', guestOnly: true } },
  { path: '/password/forgot', name: 'forgot-password', component: () => import('../pages/ForgotPasswordPage.vue'), meta: { title: '找回密码', guestOnly: true } },
  { path: '/login', name: 'login', component: () => import('../pages/LoginPage.vue'), meta: { title: '登录', guestOnly: true } },
  { path: '/register', name: 'register', component: () => import('../pages/RegisterPage.vue'), meta: { title: '注册', guestOnly: true } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('../pages/NotFoundPage.vue'), meta: { title: '页面不存在' } },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (to, from, saved) => saved || (to.path !== from.path ? { top: 0 } : undefined),
})

// Only same-site paths: a crafted ?redirect= must not send users elsewhere.
export const safeRedirect = (target) =>
  typeof target === 'string' && target.startsWith('/') && !target.startsWith('//') ? target : '/'

router.beforeEach((to) => {
  const user = useUserStore()
  if (to.meta.requiresAuth && !user.isLoggedIn) {
    return { name: 'login', query: { redirect: to.fullPath } }
  }
  if (to.meta.guestOnly && user.isLoggedIn) return safeRedirect(to.query.redirect)
})

// Where a user whose session ended goes: the login page, and back here after it. A 401 can come
// back while the first navigation is still loading its page, when currentRoute is still the
// start ("/"): wait for it to land, or the login page would send the user home instead.
export async function sendToLogin() {
  await router.isReady()
  const here = router.currentRoute.value
  if (here.name !== 'login') await router.push({ name: 'login', query: { redirect: here.fullPath } })
}

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} - 路飞学城` : '路飞学城 - 在线课程'
})

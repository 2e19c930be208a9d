import { ref } from 'vue'
import { course as fetchCourse, courseAccess } from '../api/catalog'
import { useUserStore } from '../stores/user'

// A course and, for a logged-in user, their access to it: what the detail and study pages load.
export function useCourseAccess() {
  const user = useUserStore()
  const course = ref(null)
  const access = ref(null)
  const loading = ref(true)
  const error = ref('')

  async function load(id) {
    loading.value = true
    error.value = ''
    try {
      const [detail, owned] = await Promise.all([
        fetchCourse(id),
        user.isLoggedIn ? courseAccess(id).catch(() => null) : null,
      ])
      course.value = detail
      access.value = owned
      return detail
    } catch (e) {
      error.value = e.api?.status === 404 ? '课程不存在或已下架' : e.api?.detail || '加载失败'
      return null
    } finally {
      loading.value = false
    }
  }

  return { course, access, loading, error, load }
}

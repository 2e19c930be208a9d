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
  const missing = ref(false) // 404: no such course (or not on sale); retrying cannot help

  async function load(id) {
    loading.value = true
    error.value = ''
    missing.value = false
    try {
      const [detail, owned] = await Promise.all([
        fetchCourse(id),
        user.isLoggedIn ? courseAccess(id).catch(() => null) : null,
      ])
      course.value = detail
      access.value = owned
      return detail
    } catch (e) {
      if (e.api?.status === 404) missing.value = true
      else error.value = e.api?.detail || '加载失败'
      return null
    } finally {
      loading.value = false
    }
  }

  return { course, access, loading, error, missing, load }
}

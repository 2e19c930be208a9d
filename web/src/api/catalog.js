import { http } from './http'
import { tokens } from '../utils/tokens'

export const banners = () => http.get('/home/banners/').then((r) => r.data)
export const navs = (position) => http.get('/home/navs/', { params: { position } }).then((r) => r.data)
export const categories = () => http.get('/courses/categories/').then((r) => r.data)
// params: {category, ordering: (-)id | (-)price | (-)students, page, size, free, q (search words)}
export const courses = (params) => http.get('/courses/', { params }).then((r) => r.data)
export const course = (id) => http.get(`/courses/${id}/`).then((r) => r.data)
// Login required: {active, expires_at, expired}
export const courseAccess = (id) => http.get(`/courses/${id}/access/`).then((r) => r.data)
// A lesson and how to play it (a signed link that expires): free trials for anyone, the rest
// with access (401/403 otherwise).
export const studyLesson = (courseId, lessonId) =>
  http.get(`/courses/${courseId}/lessons/${lessonId}/`, { silent: true }).then((r) => r.data)
// Where I am in a lesson: {position?, done?}; one cheap upsert, safe to repeat (204).
export const saveProgress = (courseId, lessonId, body) =>
  http.put(`/courses/${courseId}/lessons/${lessonId}/progress/`, body, { silent: true })
// The same, while the tab is being closed or hidden: a keepalive fetch outlives the page.
export function saveProgressOnLeave(courseId, lessonId, body) {
  const access = tokens.access()
  if (!access) return
  fetch(`/api/courses/${courseId}/lessons/${lessonId}/progress/`, {
    method: 'PUT',
    keepalive: true,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${access}` },
    body: JSON.stringify(body),
  }).catch(() => {})
}
// {lessons_total, lessons_done, last_lesson_id, lessons: [{lesson_id, position, done}]}
export const courseProgress = (courseId) =>
  http.get(`/courses/${courseId}/progress/`, { silent: true }).then((r) => r.data)

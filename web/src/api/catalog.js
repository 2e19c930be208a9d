import { http } from './http'

export const banners = () => http.get('/home/banners/').then((r) => r.data)
export const navs = (position) => http.get('/home/navs/', { params: { position } }).then((r) => r.data)
export const categories = () => http.get('/courses/categories/').then((r) => r.data)
// params: {category, ordering: (-)id | (-)price | (-)students, page, size, free, q (search words)}
export const courses = (params) => http.get('/courses/', { params }).then((r) => r.data)
export const course = (id) => http.get(`/courses/${id}/`).then((r) => r.data)
// Login required: {active, expires_at, expired}
export const courseAccess = (id) => http.get(`/courses/${id}/access/`).then((r) => r.data)
// A lesson's link: free trials for anyone, the rest with access (401/403 otherwise).
export const studyLesson = (courseId, lessonId) =>
  http.get(`/courses/${courseId}/lessons/${lessonId}/`, { silent: true }).then((r) => r.data)

from csp.decorators import csp_replace
from django.urls import path
from django.views.decorators.clickjacking import xframe_options_sameorigin

from luffy.access import api

# The study page shows PDF lessons in an <iframe> of the same site.
lesson_media = xframe_options_sameorigin(
    csp_replace({"frame-ancestors": ["'self'"]})(api.LessonMediaApi.as_view())
)

app_name = "access"
urlpatterns = [
    path("users/me/courses/", api.MyCoursesApi.as_view(), name="my-courses"),
    path("courses/<id:course_id>/access/", api.CourseAccessApi.as_view(), name="course-access"),
    path(
        "courses/<id:course_id>/lessons/<id:lesson_id>/",
        api.StudyLessonApi.as_view(),
        name="study-lesson",
    ),
    path(
        "courses/<id:course_id>/lessons/<id:lesson_id>/progress/",
        api.LessonProgressApi.as_view(),
        name="lesson-progress",
    ),
    path(
        "courses/<id:course_id>/progress/", api.CourseProgressApi.as_view(), name="course-progress"
    ),
    path("lessons/<id:lesson_id>/media/<str:token>/", lesson_media, name="lesson-media"),
]

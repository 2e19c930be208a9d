from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from luffy.access import selectors
from luffy.access.serializers import (
    CourseAccessSerializer,
    PurchaseSerializer,
    StudyLessonSerializer,
)
from luffy.common.schema import errors
from luffy.users.authentication import ActiveTokenUserAuthentication


class MyCoursesApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Courses I bought, with how long access lasts",
        responses={200: PurchaseSerializer(many=True), **errors(401)},
    )
    def get(self, request):
        purchases = selectors.purchase_list(user_id=request.user.id)
        context = {"now": timezone.now()}
        return Response(PurchaseSerializer(purchases, many=True, context=context).data)


class CourseAccessApi(APIView):
    authentication_classes = [ActiveTokenUserAuthentication]  # only the user id is needed
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The logged-in user's access to a course",
        responses={200: CourseAccessSerializer, **errors(401, 404)},
    )
    def get(self, request, course_id: int):
        access = selectors.course_access(user_id=request.user.id, course_id=course_id)
        return Response(CourseAccessSerializer(access).data)


class StudyLessonApi(APIView):
    authentication_classes = [ActiveTokenUserAuthentication]
    permission_classes = [AllowAny]  # free trial lessons are public; the selector decides

    @extend_schema(
        summary="A lesson with its link: free trials for anyone, the rest with active access",
        responses={200: StudyLessonSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, course_id: int, lesson_id: int):
        user_id = request.user.id if request.user.is_authenticated else None
        lesson = selectors.lesson_for_study(
            user_id=user_id, course_id=course_id, lesson_id=lesson_id
        )
        return Response(StudyLessonSerializer(lesson).data)

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from luffy.access import playback, selectors, serializers, services
from luffy.access.serializers import (
    CourseAccessSerializer,
    CourseProgressSerializer,
    ProgressInSerializer,
    PurchaseSerializer,
    StudyLessonSerializer,
)
from luffy.common.schema import errors
from luffy.users.authentication import ActiveTokenUserAuthentication


class MyCoursesApi(APIView):
    authentication_classes = [ActiveTokenUserAuthentication]  # only the user id is needed
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Courses I bought, with how long access lasts",
        responses={200: PurchaseSerializer(many=True), **errors(401)},
    )
    def get(self, request):
        purchases = selectors.purchase_list(user_id=int(request.user.id))
        # Rows written directly (purchases_data): PurchaseSerializer documents the same shape.
        return Response(serializers.purchases_data(purchases, now=timezone.now()))


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
        # TokenUser.id is the token's claim, a string in recent simplejwt versions.
        user_id = int(request.user.id) if request.user.is_authenticated else None
        lesson = playback.lesson_study_open(
            user_id=user_id,
            course_id=course_id,
            lesson_id=lesson_id,
            client_ip=BaseThrottle().get_ident(request),
        )
        # Written directly (study_lesson_data): StudyLessonSerializer documents the same shape.
        return Response(serializers.study_lesson_data(lesson))


class LessonProgressApi(APIView):
    authentication_classes = [ActiveTokenUserAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "progress_user"

    @extend_schema(
        summary="Save where I am in a lesson and/or mark it done (idempotent)",
        request=ProgressInSerializer,
        responses={204: None, **errors(400, 401, 403, 404, 429)},
    )
    def put(self, request, course_id: int, lesson_id: int):
        data = ProgressInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.lesson_progress_save(
            user_id=int(request.user.id),
            course_id=course_id,
            lesson_id=lesson_id,
            position=data.validated_data.get("position"),
            done=data.validated_data.get("done"),
            at=timezone.now(),
        )
        return Response(status=204)


class CourseProgressApi(APIView):
    authentication_classes = [ActiveTokenUserAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="My progress in a course: lessons done of all, and where to continue",
        responses={200: CourseProgressSerializer, **errors(401, 404)},
    )
    def get(self, request, course_id: int):
        progress = selectors.course_progress(user_id=int(request.user.id), course_id=course_id)
        return Response(CourseProgressSerializer(progress).data)


class JsonErrorsOnly(BaseContentNegotiation):
    """A media request accepts video/* or */*: its errors are JSON whatever it asked for."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _bearer_user_id(request) -> int | None:
    """The account of a valid login token sent along, if any (API clients); browsers' <video>
    requests send none, and a stale token is no reason to refuse."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    try:
        return int(AccessToken(header.removeprefix("Bearer ").strip())["user_id"])
    except (TokenError, KeyError, ValueError):
        return None


class LessonMediaApi(APIView):
    """The bytes of a lesson file behind a signed link: the token in the path is the proof."""

    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonErrorsOnly

    @extend_schema(
        summary="A lesson's file through a signed, expiring link (supports Range)",
        responses={
            (200, "video/mp4"): OpenApiResponse(OpenApiTypes.BINARY),
            (206, "video/mp4"): OpenApiResponse(OpenApiTypes.BINARY),
            **errors(403, 404, 416),
        },
    )
    def get(self, request, lesson_id: int, token: str):
        claims = playback.lesson_link_claims(token=token, lesson_id=lesson_id)
        lesson = playback.lesson_for_link(claims=claims, requester_id=_bearer_user_id(request))
        return playback.lesson_file_response(
            lesson=lesson, range_header=request.headers.get("Range")
        )

"""Catalog reads. Each runs a fixed number of queries, whatever the number of rows.

Course pages are cached (see luffy.catalog.cache) until the catalog changes or the next activity
starts or ends, whichever comes first; the countdown is computed per request from the cached end.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import nh3
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, F, Min, OuterRef, Prefetch, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from luffy.catalog import cache
from luffy.catalog.models import (
    Activity,
    Banner,
    Course,
    CourseCategory,
    CourseChapter,
    CourseExpire,
    CourseLesson,
    CoursePriceDiscount,
    Navigation,
    Teacher,
)
from luffy.catalog.pricing import Offer, RuleError, parse_rule, sale_price
from luffy.common.choices import choice_code
from luffy.common.errors import NotFound
from luffy.common.money import ZERO

logger = logging.getLogger(__name__)

PERMANENT_ID = 0  # the virtual validity option "permanent access", priced by Course.price
PERMANENT_TEXT = "永久有效"
LIST_LESSONS = 4
ORDERINGS = {
    "id": "id",
    "-id": "-id",
    "price": "list_price",
    "-price": "-list_price",
    "students": "students",
    "-students": "-students",
}


@dataclass(frozen=True)
class OptionPrice:
    course_id: int
    expire_id: int  # PERMANENT_ID for permanent access
    text: str
    days: int  # 0 = permanent
    price: Decimal  # base price of the option
    real_price: Decimal  # after the best running discount
    discount_name: str | None
    discount_ends: datetime | None


# --- building blocks --------------------------------------------------------------------------


def _lesson_count(*conditions: Q) -> Coalesce:
    """A subquery counting the course's lessons (matching `conditions`): part of the main query."""
    lessons = (
        CourseLesson.objects.filter(*conditions, course=OuterRef("pk"))
        .order_by()
        .values("course")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(lessons), 0)


def with_lesson_counts(courses):
    """Annotate lessons_count and pub_lessons_count: derived, never typed by hand."""
    return courses.annotate(
        lessons_count=_lesson_count(), pub_lessons_count=_lesson_count(CourseLesson.PUBLISHED)
    )


def _image_url(field) -> str | None:
    return field.url if field else None


def _active_discounts(at: datetime) -> Prefetch:
    return Prefetch(
        "price_discounts",
        queryset=CoursePriceDiscount.objects.filter(activity__start__lte=at, activity__end__gt=at)
        .select_related("activity", "discount__type")
        .order_by("activity__start", "id"),
        to_attr="active_discounts",
    )


def _offer(link_id: int, type_name: str, condition, sale: str, start, end) -> Offer | None:
    try:
        rule = parse_rule(sale)
    except RuleError as exc:  # only possible if a row bypassed validation
        logger.error("Ignoring discount link %s with an invalid rule: %s", link_id, exc)
        return None
    return Offer(type_name, condition, rule, start, end)


def _offers(course: Course) -> list[Offer]:
    offers = (
        _offer(
            link.id,
            link.discount.type.name,
            link.discount.condition,
            link.discount.sale,
            link.activity.start,
            link.activity.end,
        )
        for link in course.active_discounts
    )
    return [offer for offer in offers if offer is not None]


def _price_options(
    course_id: int, base_price: Decimal, options: Iterable[tuple], offers: list[Offer], at
) -> list[OptionPrice]:
    """Every option (id, text, days, price), then permanent access if offered, priced at `at`."""
    options = list(options)
    if base_price > 0:
        options.append((PERMANENT_ID, PERMANENT_TEXT, 0, base_price))
    prices = []
    for expire_id, text, days, price in options:
        q = sale_price(price, offers, at)
        prices.append(
            OptionPrice(
                course_id,
                expire_id,
                text,
                days,
                q.price,
                q.real_price,
                q.offer.name if q.offer else None,
                q.offer.end if q.offer else None,
            )
        )
    return prices


def _option_prices(course: Course, at: datetime) -> list[OptionPrice]:
    """Every validity option of a prefetched course, priced at `at`; permanent last."""
    options = [(e.id, e.text, e.days, e.price) for e in course.expire_options.all()]
    return _price_options(course.id, course.price, options, _offers(course), at)


def _headline(prices: list[OptionPrice]) -> dict:
    """The price a list shows: permanent access if offered, else the cheapest option."""
    best = next((p for p in prices if p.expire_id == PERMANENT_ID), None)
    best = best or min(prices, key=lambda p: (p.price, p.days), default=None)
    if best is None:
        return {"price": ZERO, "real_price": ZERO, "discount_name": None, "discount_ends": None}
    return {
        "price": best.price,
        "real_price": best.real_price,
        "discount_name": best.discount_name,
        "discount_ends": best.discount_ends,
    }


def _next_price_change(at: datetime) -> datetime | None:
    bounds = Activity.objects.aggregate(
        start=Min("start", filter=Q(start__gt=at)), end=Min("end", filter=Q(end__gt=at))
    )
    return min((b for b in bounds.values() if b is not None), default=None)


def _with_countdown(item: dict) -> dict:
    """Replace the cached end of the running discount with the seconds left until it."""
    ends = item.pop("discount_ends")
    seconds = math.ceil((ends - timezone.now()).total_seconds()) if ends else 0
    item["discount_seconds_left"] = seconds if seconds > 0 else None
    return item


def _lesson(lesson: CourseLesson) -> dict:
    return {
        "id": lesson.id,
        "name": lesson.name,
        "section_type": choice_code(CourseLesson.Section, lesson.section_type),
        "duration": lesson.duration,
        "free_trial": lesson.free_trial,
        # Paid material is linked only to buyers (a later module); free trials are public.
        "link": lesson.link if lesson.free_trial else None,
        "order": lesson.order,
        # Nothing to watch yet (no file, no video id): the pages say 未更新.
        "published": bool(lesson.media or lesson.link),
    }


def _course_summary(course: Course, prices: list[OptionPrice], lessons: list) -> dict:
    teacher = course.teacher
    return {
        "id": course.id,
        "name": course.name,
        "cover": _image_url(course.cover),
        "students": course.students,
        "lessons_count": course.lessons_count,  # counted by the caller (annotation or prefetch)
        "pub_lessons_count": course.pub_lessons_count,
        "teacher": (
            {"name": teacher.name, "title": teacher.title, "signature": teacher.signature}
            if teacher
            else None
        ),
        "list_lessons": [_lesson(lesson) for lesson in lessons[:LIST_LESSONS]],
        **_headline(prices),
    }


# --- home -------------------------------------------------------------------------------------


def banner_list() -> list[dict]:
    def build():
        banners = Banner.objects.filter(is_show=True)[: settings.HOME_BANNER_LIMIT]
        return [
            {"id": b.id, "title": b.title, "image": _image_url(b.image), "link": b.link}
            for b in banners
        ], None

    return cache.cached("banners", build)


def nav_list(*, position: str) -> list[dict]:
    def build():
        navs = Navigation.objects.filter(position=position, is_show=True)
        return [
            {"id": n.id, "title": n.title, "link": n.link, "is_external": n.is_external}
            for n in navs[: settings.HOME_NAV_LIMIT]
        ], None

    return cache.cached(f"navs:{position}", build)


# --- courses ----------------------------------------------------------------------------------


def category_list() -> list[dict]:
    return cache.cached(
        "categories", lambda: (list(CourseCategory.objects.values("id", "name")), None)
    )


def normalized_search(q: str | None) -> str:
    """The search words as the cache and the query use them: trimmed, spaces collapsed,
    lower-cased, at most CATALOG_SEARCH_MAX_LENGTH characters."""
    return " ".join((q or "").split()).lower()[: settings.CATALOG_SEARCH_MAX_LENGTH]


def course_list(
    *,
    category_id: int | None = None,
    ordering: str = "id",
    page: int = 1,
    size: int = 12,
    free: bool = False,
    q: str | None = None,
) -> dict:
    """One page of online courses: {"count", "num_pages", "results"}. 7 queries on a miss.
    `free`: only courses with a validity option priced 0. `q`: every word must appear in the
    course name, the teacher's name or the category's name."""
    q = normalized_search(q)

    def build():
        at = timezone.now()
        courses = Course.objects.filter(status=Course.Status.ONLINE)
        if category_id is not None:
            if not CourseCategory.objects.filter(id=category_id).exists():
                raise NotFound(_("No such course category."), code="category_not_found")
            courses = courses.filter(category_id=category_id)
        for word in q.split():
            courses = courses.filter(
                Q(name__icontains=word)
                | Q(teacher__name__icontains=word)
                | Q(category__name__icontains=word)
            )
        cheapest = CourseExpire.objects.filter(course=OuterRef("pk")).order_by("price")
        courses = with_lesson_counts(courses).annotate(
            list_price=Case(
                When(price__gt=0, then=F("price")),
                default=Coalesce(Subquery(cheapest.values("price")[:1]), ZERO),
            )
        )
        if free:  # a price of 0 for one option (no option at all is "no price yet", not free)
            courses = courses.filter(
                Exists(CourseExpire.objects.filter(course=OuterRef("pk"), price=0))
            )
        courses = (
            courses.order_by(ORDERINGS[ordering], "id")
            .select_related("teacher")
            .prefetch_related(
                Prefetch(
                    "lessons",
                    queryset=CourseLesson.objects.filter(show_on_list=True).order_by(
                        "chapter__number", "order", "id"
                    )[:LIST_LESSONS],
                    to_attr="list_lessons",
                ),
                "expire_options",
                _active_discounts(at),
            )
        )
        paginator = Paginator(courses, size)
        if page > max(paginator.num_pages, 1):
            raise NotFound(
                _("Page %(page)d does not exist; there are %(pages)d pages.")
                % {"page": page, "pages": paginator.num_pages},
                code="page_not_found",
            )
        results = [
            _course_summary(c, _option_prices(c, at), c.list_lessons) for c in paginator.page(page)
        ]
        page_data = {"count": paginator.count, "num_pages": paginator.num_pages}
        return {**page_data, "results": results}, _next_price_change(at)

    search = hashlib.sha256(q.encode()).hexdigest()[:16] if q else ""  # any text, a safe key
    data = cache.cached(f"list:{category_id}:{ordering}:{page}:{size}:{int(free)}:{search}", build)
    return {**data, "results": [_with_countdown(dict(item)) for item in data["results"]]}


def course_detail(*, course_id: int) -> dict:
    """One online course with teacher, options, chapters and lessons. 6 queries on a miss."""

    def build():
        at = timezone.now()
        course = (
            Course.objects.filter(id=course_id, status=Course.Status.ONLINE)
            .select_related("teacher")
            .prefetch_related(
                Prefetch(
                    "chapters",
                    queryset=CourseChapter.objects.order_by("number").prefetch_related(
                        Prefetch("lessons", queryset=CourseLesson.objects.order_by("order", "id"))
                    ),
                ),
                "expire_options",
                _active_discounts(at),
            )
            .first()
        )
        if course is None:
            raise NotFound(_("No such course, or it is not on sale."), code="course_not_found")
        prices = _option_prices(course, at)
        chapters = course.chapters.all()
        every_lesson = [lesson for ch in chapters for lesson in ch.lessons.all()]
        course.lessons_count = len(every_lesson)
        course.pub_lessons_count = sum(lesson.is_published for lesson in every_lesson)
        lessons = [lesson for ch in chapters for lesson in ch.lessons.all() if lesson.show_on_list]
        teacher = course.teacher
        detail = _course_summary(course, prices, lessons)
        if teacher:
            detail["teacher"].update(
                brief=teacher.brief,
                image=_image_url(teacher.image),
                role=choice_code(Teacher.Role, teacher.role),
            )
        detail.update(
            video_url=course.video_url,
            level=choice_code(Course.Level, course.level),
            period=course.period,
            pub_date=course.pub_date,
            brief_html=nh3.clean(course.brief),
            expire_options=[
                {
                    "id": q.expire_id,
                    "text": q.text,
                    "days": q.days,
                    "price": q.price,
                    "real_price": q.real_price,
                    # A sale may cover only some options (its condition is a minimum price).
                    "discount_name": q.discount_name,
                }
                for q in prices
            ],
            chapters=[
                {
                    "id": ch.id,
                    "number": ch.number,
                    "name": ch.name,
                    "summary": ch.summary,
                    "lessons": [_lesson(lesson) for lesson in ch.lessons.all()],
                }
                for ch in chapters
            ],
        )
        return detail, _next_price_change(at)

    return _with_countdown(dict(cache.cached(f"detail:{course_id}", build)))


# --- for the cart and orders ------------------------------------------------------------------


@dataclass(frozen=True)
class CourseOffer:
    """What the cart shows of a course: its name, cover and every option priced at one time."""

    course_id: int
    name: str
    cover: str | None
    on_sale: bool  # online; offline and pre-launch courses cannot be bought
    options: tuple[OptionPrice, ...]  # by days, permanent last

    def option(self, expire_id: int) -> OptionPrice | None:
        return next((o for o in self.options if o.expire_id == expire_id), None)

    @property
    def default_expire_id(self) -> int | None:
        """Permanent access if offered, else the shortest option."""
        if self.option(PERMANENT_ID):
            return PERMANENT_ID
        return self.options[0].expire_id if self.options else None


@dataclass(frozen=True)
class CourseFacts:
    """A course's time-independent sale facts: cacheable until the catalog changes."""

    course_id: int
    name: str
    cover: str | None
    on_sale: bool
    base_price: Decimal
    options: tuple[tuple[int, str, int, Decimal], ...]  # (id, text, days, price) by days
    offers: tuple[Offer, ...]  # running and future activities; sale_price() checks the time

    def priced_at(self, at: datetime) -> CourseOffer:
        prices = _price_options(self.course_id, self.base_price, self.options, self.offers, at)
        return CourseOffer(self.course_id, self.name, self.cover, self.on_sale, tuple(prices))


def _course_facts_from_db(
    course_ids: set[int], now: datetime, *, exclude_activity_id: int | None = None
) -> dict[int, CourseFacts]:
    """Three plain queries (no model instances: this is the cart's hot path)."""
    if not course_ids:
        return {}
    options: dict[int, list] = {course_id: [] for course_id in course_ids}
    for row in (
        CourseExpire.objects.filter(course_id__in=course_ids)
        .order_by("days")
        .values_list("course_id", "id", "text", "days", "price")
    ):
        options[row[0]].append(row[1:])
    offers: dict[int, list] = {course_id: [] for course_id in course_ids}
    links = CoursePriceDiscount.objects.filter(course_id__in=course_ids, activity__end__gt=now)
    if exclude_activity_id is not None:
        links = links.exclude(activity_id=exclude_activity_id)
    for link_id, course_id, *fields in links.order_by("activity__start", "id").values_list(
        "id",
        "course_id",
        "discount__type__name",
        "discount__condition",
        "discount__sale",
        "activity__start",
        "activity__end",
    ):
        if (offer := _offer(link_id, *fields)) is not None:
            offers[course_id].append(offer)
    return {
        course_id: CourseFacts(
            course_id,
            name,
            default_storage.url(cover) if cover else None,
            status == Course.Status.ONLINE,
            price,
            tuple(options[course_id]),
            tuple(offers[course_id]),
        )
        for course_id, name, cover, status, price in Course.objects.filter(
            id__in=course_ids
        ).values_list("id", "name", "cover", "status", "price")
    }


def course_offers(
    *, course_ids: Iterable[int], at: datetime | None = None
) -> dict[int, CourseOffer]:
    """Courses (any status) with every option priced at `at`, read from the database in 3
    queries. Checkout and cart writes use this: it is the truth."""
    at = at or timezone.now()
    facts = _course_facts_from_db(set(course_ids), at)
    return {course_id: fact.priced_at(at) for course_id, fact in facts.items()}


def course_offers_cached(
    *, course_ids: Iterable[int], at: datetime | None = None
) -> dict[int, CourseOffer]:
    """As course_offers, but from the catalog cache (2 Redis round trips; 3 queries for the
    courses missing from it). For displaying the cart, never for charging."""
    at = at or timezone.now()
    wanted = set(course_ids)
    if not wanted:
        return {}
    prefix = cache.versioned_key("facts")
    keys = {course_id: f"{prefix}:{course_id}" for course_id in wanted}
    found = cache.get_many(keys.values())
    facts = {course_id: found[key] for course_id, key in keys.items() if key in found}
    missing = wanted - facts.keys()
    if missing:
        loaded = _course_facts_from_db(missing, at)
        cache.set_many({keys[course_id]: fact for course_id, fact in loaded.items()})
        facts.update(loaded)
    return {course_id: fact.priced_at(at) for course_id, fact in facts.items()}


# --- for the sale form in the admin -------------------------------------------------------------


@dataclass(frozen=True)
class SalePreviewRow:
    course_id: int
    course_name: str
    on_sale: bool  # online: only then do students see the price
    option: str
    price: Decimal  # base price of the option
    sale_price: Decimal  # what students pay while the sale runs (the lowest offer wins)
    winner: str | None  # the offer giving sale_price, None when no discount applies
    by_this_sale: bool  # sale_price comes from the sale being previewed


def sale_preview(
    *, course_ids: Iterable[int], offer: Offer, exclude_activity_id: int | None = None
) -> list[SalePreviewRow]:
    """Each option of each course priced while `offer` runs, beside the other sales then
    running (the one being edited, `exclude_activity_id`, left out). 3 queries."""
    at = max(offer.start, timezone.now())
    facts = _course_facts_from_db(set(course_ids), at, exclude_activity_id=exclude_activity_id)
    rows = []
    for fact in sorted(facts.values(), key=lambda f: f.course_id):
        offers = (*fact.offers, offer)
        for q in _price_options(fact.course_id, fact.base_price, fact.options, list(offers), at):
            won = sale_price(q.price, offers, at).offer
            rows.append(
                SalePreviewRow(
                    fact.course_id,
                    fact.name,
                    fact.on_sale,
                    q.text,
                    q.price,
                    q.real_price,
                    q.discount_name,
                    won is offer,
                )
            )
    return rows

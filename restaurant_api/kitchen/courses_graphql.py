"""GraphQL types of courses: an order's courses, held or fired (`Order.courses`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry

from restaurant_api.api.graphql import described_enum
from restaurant_api.kitchen.courses import CourseStatus, CourseSummary, summarize_courses
from restaurant_api.kitchen.models import KitchenTicket

CourseStatusType = described_enum(
    CourseStatus, description="Where a course of an order is: held -> fired -> ready -> served."
)


@strawberry.type(
    name="OrderCourse", description="One course of an order (its kitchen tickets together)."
)
class OrderCourseType:
    number: int = strawberry.field(description="1 starters, 2 mains, 3 desserts, ...")
    name: str = strawberry.field(description='"Starters", "Mains", "Desserts", else "Course N".')
    status: CourseStatusType = strawberry.field(description="Held, fired, ready or served.")
    is_held: bool = strawberry.field(description="True while the course waits to be fired.")
    fired_at: datetime | None = strawberry.field(
        description="When its first ticket was fired (UTC); null while held."
    )
    ticket_count: int = strawberry.field(description="How many kitchen tickets it has.")

    @classmethod
    def from_summary(cls, course: CourseSummary) -> OrderCourseType:
        return cls(
            number=course.number,
            name=course.name,
            status=course.status,
            is_held=course.status == CourseStatus.HELD,
            fired_at=course.fired_at,
            ticket_count=course.ticket_count,
        )

    @classmethod
    def for_tickets(cls, tickets: Iterable[KitchenTicket]) -> list[OrderCourseType]:
        """An order's courses from its tickets, in course order."""
        return [cls.from_summary(course) for course in summarize_courses(tickets)]

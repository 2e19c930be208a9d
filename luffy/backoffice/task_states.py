"""Celery task results as an operator reads them: states in Chinese, a record's title."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext, pgettext_lazy

if TYPE_CHECKING:
    from django_celery_results.models import TaskResult

# Celery stores a task's state as its English name (PENDING, SUCCESS, ...), the field's choices
# too; the admin shows and filters them in Chinese (the third-party model stays as it is, so
# its migrations don't change).
TASK_STATES = {
    "PENDING": pgettext_lazy("task state", "pending"),
    "RECEIVED": pgettext_lazy("task state", "received"),
    "STARTED": pgettext_lazy("task state", "running"),
    "RETRY": pgettext_lazy("task state", "retrying"),
    "SUCCESS": pgettext_lazy("task state", "succeeded"),
    "FAILURE": pgettext_lazy("task state", "failed"),
    "REVOKED": pgettext_lazy("task state", "revoked"),
    "REJECTED": pgettext_lazy("task state", "rejected"),
    "IGNORED": pgettext_lazy("task state", "ignored"),
}


def task_state_label(state: str) -> str:
    return str(TASK_STATES.get(state, state))


def task_result_title(task: TaskResult) -> str:
    """A task result as an operator reads it: 任务 expire_unpaid_orders（失败）."""
    name = (task.task_name or task.task_id).rpartition(".")[2]
    state = task_state_label(task.status)
    return gettext("task %(name)s (%(state)s)") % {"name": name, "state": state}

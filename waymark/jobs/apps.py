"""Background jobs: the progress of long-running tasks, shown in the page."""

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "waymark.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

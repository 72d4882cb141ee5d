from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "waymark.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

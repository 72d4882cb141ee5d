from django.apps import AppConfig


class CrimeConfig(AppConfig):
    name = "waymark.crime"
    label = "crime"
    verbose_name = "Crime records, VAWG and RASSO"

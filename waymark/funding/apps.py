from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "waymark.funding"
    label = "funding"
    verbose_name = "Funding and commissioning"

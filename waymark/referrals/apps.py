from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "waymark.referrals"
    label = "referrals"
    verbose_name = "Referrals"

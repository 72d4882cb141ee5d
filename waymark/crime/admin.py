"""Django admin for platform operators: the crime reference tables and the classification rules.

Reference rows are corrected here (a row marked unverified is checked against its source, fixed
and marked verified). Their keys are fixed once a row exists, because crimes and police.uk rows
refer to them by key, and rows are never deleted. Correcting an offence code's group, which the
rules read, reclassifies that code's crimes in the same save (`offence_code_correct`), and the
admin is told how many. Rule sets are read only: the rules change by publishing a new version
(`waymark classification publish FILE`), which reclassifies every crime.
"""

from typing import Any

from django.contrib import admin, messages
from django.forms import ModelForm
from django.http import HttpRequest

from waymark.accounts.models import User

from .classification import rule_set_current
from .models import (
    ClassificationRule,
    ClassificationRuleSet,
    OffenceCode,
    OutcomeType,
    PoliceUkCrimeType,
    PoliceUkOutcomeCategory,
)
from .services import offence_code_correct


class ReferenceRowAdmin(admin.ModelAdmin[Any]):
    """A reference table: editable, its key fixed once saved, never deleted."""

    key_field = ""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """The key is typed when a row is added, then fixed: other tables refer to it."""
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, self.key_field) if obj is not None else readonly

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A wrong row is corrected, not deleted: crimes, files and rules refer to it."""
        return False


@admin.register(OffenceCode)
class OffenceCodeAdmin(ReferenceRowAdmin):
    key_field = "code"
    list_display = ("code", "title", "group", "subgroup", "verified")
    list_filter = ("verified", "group", "subgroup")
    search_fields = ("code", "title")

    def save_model(
        self, request: HttpRequest, obj: OffenceCode, form: ModelForm[OffenceCode], change: bool
    ) -> None:
        """A correction goes through `offence_code_correct`, which reclassifies the code's crimes."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        assert isinstance(request.user, User)  # admin is for signed-in staff only
        reclassified = offence_code_correct(offence_code=obj, by=request.user)
        if reclassified:
            self.message_user(
                request,
                f"{reclassified} crime{'s' if reclassified != 1 else ''} with offence code {obj.code}"
                f" {'were' if reclassified != 1 else 'was'} reclassified under rule set"
                f" v{rule_set_current().version}.",
                messages.INFO,
            )


@admin.register(OutcomeType)
class OutcomeTypeAdmin(ReferenceRowAdmin):
    key_field = "number"
    list_display = ("number", "label", "group", "is_outcome", "held_to_account", "verified")
    list_filter = ("verified", "group", "held_to_account")
    search_fields = ("label",)


@admin.register(PoliceUkCrimeType)
class PoliceUkCrimeTypeAdmin(ReferenceRowAdmin):
    key_field = "name"
    list_display = ("name", "slug", "vawg_scope", "verified")
    list_filter = ("verified", "vawg_scope")


@admin.register(PoliceUkOutcomeCategory)
class PoliceUkOutcomeCategoryAdmin(ReferenceRowAdmin):
    key_field = "name"
    list_display = ("name", "code", "stage", "verified")
    list_filter = ("verified", "stage")
    search_fields = ("name", "code")


class ClassificationRuleInline(admin.TabularInline[ClassificationRule, ClassificationRuleSet]):
    model = ClassificationRule
    fields = ("target", "basis", "offence_code", "offence_group", "crime_flag", "source")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ClassificationRuleSet)
class ClassificationRuleSetAdmin(admin.ModelAdmin[ClassificationRuleSet]):
    """Published versions of the rules, read only: publish a new version to change them."""

    list_display = ("version", "name", "is_current", "created_by", "created_at")
    list_filter = ("is_current",)
    fields = ("version", "name", "notes", "is_current", "created_by", "created_at")
    readonly_fields = fields
    inlines = (ClassificationRuleInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Publishing goes through `rule_set_publish`, which also reclassifies every crime."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A published version never changes: crimes record which version classified them."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

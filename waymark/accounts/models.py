"""Organisations, the services they run, their teams, and the people who sign in."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.urls import reverse
from encrypted_fields.fields import EncryptedCharField
from simple_history.models import HistoricalRecords

from waymark.core.models import TimeStampedModel

from .roles import OrganisationType, Role
from .visibility import (
    MembershipQuerySet,
    OrganisationQuerySet,
    ServiceQuerySet,
    TeamQuerySet,
    UserQuerySet,
)


class Organisation(TimeStampedModel):
    """A body whose staff use Waymark: the OPCC, a police force, a provider or a partner agency.

    Organisations are the unit of tenancy: personal data belongs to exactly one of them.
    """

    Type = OrganisationType

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=50, blank=True)
    type = models.CharField(max_length=20, choices=OrganisationType.choices)
    is_active = models.BooleanField(default=True)
    police_force_area = models.ForeignKey(
        "core.PoliceForceArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="For the OPCC and a police force: the force area whose Victims' Code compliance "
        "its staff see. Empty: they see none.",
    )
    org_id = models.CharField(
        "organisation identifier",
        max_length=60,
        blank=True,
        help_text="Its org-id.guide identifier, e.g. GB-CHC-1234567 for a registered charity "
        "(used in 360Giving exports).",
    )

    history = HistoricalRecords()
    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        """The organisation's name."""
        return self.name

    @property
    def owning_organisation(self) -> Organisation:
        """For the access log: an organisation's record belongs to itself."""
        return self

    def get_absolute_url(self) -> str:
        """The organisation's page in the admin area."""
        return reverse("accounts:organisation_detail", kwargs={"public_id": self.public_id})


class Service(TimeStampedModel):
    """A service a provider runs, such as the regional hate crime service or an IDVA service."""

    class Type(models.TextChoices):
        HATE_CRIME = "hate_crime", "Hate crime support"
        IDVA = "idva", "Independent domestic violence advisers (IDVA)"
        ISVA = "isva", "Independent sexual violence advisers (ISVA)"
        PERPETRATOR = "perpetrator", "Perpetrator programme"
        GENERAL = "general", "General victim support"
        OTHER = "other", "Other"

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="services",
        help_text="The provider that runs the service; must be a commissioned provider.",
    )
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=Type.choices)
    description = models.TextField(blank=True)
    first_contact_working_days = models.PositiveSmallIntegerField(
        default=2,
        help_text="Working days from receipt of a referral by which first contact is due.",
    )
    requires_closure_approval = models.BooleanField(
        default=True,
        help_text="If set, a case closes only when a manager other than the requester approves.",
    )
    pseudonymous_lists = models.BooleanField(
        default=False,
        help_text="If set, case lists show the case code instead of the person's name.",
    )
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()
    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="service_unique_name_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        """The service's name."""
        return self.name


class Team(TimeStampedModel):
    """A group of staff inside one organisation, optionally working for one of its services."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="teams",
        null=True,
        blank=True,
        help_text="If set, the service must belong to the same organisation.",
    )
    name = models.CharField(max_length=200)

    history = HistoricalRecords()
    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="team_unique_name_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        """The team's name."""
        return self.name


class UserManager(BaseUserManager["User"]):
    """Creates users identified by e-mail address."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        """A person who signs in; no admin rights."""
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        """A platform operator with Django admin rights (not an OPCC role)."""
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_queryset(self) -> UserQuerySet:
        """Users, with the visibility door."""
        return UserQuerySet(self.model, using=self._db)

    def visible_to(self, user: Any) -> UserQuerySet:
        """Users `user` may see."""
        return self.get_queryset().visible_to(user)


class User(AbstractUser):
    """A person who signs in to Waymark; what they may do comes from their memberships."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Encrypted fields store an empty value as NULL, so they must be nullable.
    phone = EncryptedCharField(
        max_length=200,
        blank=True,
        null=True,
        help_text="Work phone number; encrypted at rest, so it cannot be searched.",
    )

    history = HistoricalRecords(excluded_fields=["password", "last_login"])
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        """The person's name."""
        return self.full_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep e-mail addresses lower-case, so sign-in and uniqueness ignore case."""
        self.email = self.email.lower()
        super().save(*args, **kwargs)

    @property
    def owning_organisation(self) -> Organisation | None:
        """For the access log: the organisation of the person's first active role."""
        membership = self.memberships.filter(is_active=True).select_related("organisation").first()
        return membership.organisation if membership else None

    def get_absolute_url(self) -> str:
        """The person's page in the admin area."""
        return reverse("accounts:user_detail", kwargs={"public_id": self.public_id})


class Membership(TimeStampedModel):
    """A person's role in one organisation; the source of everything they may see or do."""

    Role = Role

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    teams = models.ManyToManyField(
        Team,
        blank=True,
        related_name="memberships",
        help_text="Teams in the same organisation; caseworkers see their teams' work.",
    )
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords(m2m_fields=[teams])
    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        """Who holds which role where."""
        return f"{self.user} – {self.get_role_display()}, {self.organisation}"

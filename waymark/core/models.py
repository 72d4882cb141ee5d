"""Abstract bases every Waymark model builds on, and the reference tables shared by all apps."""

import uuid

from django.db import models


class TimeStampedModel(models.Model):
    """A row that knows when it was created and last changed, with a public UUID.

    The integer primary key never leaves the database; URLs, exports and the API use
    `public_id`, so counts and order of creation are not leaked and shards never clash.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PoliceForceArea(TimeStampedModel):
    """A police force area of England and Wales, as coded by the ONS (e.g. E23000014).

    Reference data with no personal data in it. Loaded from fixtures that cite their source;
    the PFA is the unit a Police and Crime Commissioner answers for, and the shard key of
    national analysis. `police_uk_force` says which police.uk files are the area's force's.
    """

    code = models.CharField(
        max_length=9,
        unique=True,
        help_text="ONS GSS code, e.g. 'E23000014', from 'Police Force Areas' names and codes.",
    )
    name = models.CharField(max_length=100, help_text="The ONS name of the area, e.g. 'West Midlands'.")
    police_uk_force = models.SlugField(
        max_length=60,
        unique=True,
        null=True,
        blank=True,
        help_text="police.uk's id for the area's force, e.g. 'west-midlands': the force in its file names "
        "('2024-04-west-midlands-street.csv') and GET /api/forces. Null where not known (null, not '', "
        "so two unknown ids never clash).",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "police force area"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class LocalAuthority(TimeStampedModel):
    """A local authority district (lower tier or unitary), as coded by the ONS (e.g. E08000025).

    Reference data with no personal data in it. Each district lies in exactly one police force
    area.
    """

    code = models.CharField(
        max_length=9,
        unique=True,
        help_text="ONS GSS code, e.g. 'E08000025', from 'Local Authority Districts' names and codes.",
    )
    name = models.CharField(max_length=100, help_text="The ONS name of the district, e.g. 'Birmingham'.")
    police_force_area = models.ForeignKey(
        PoliceForceArea,
        on_delete=models.PROTECT,
        related_name="local_authorities",
        help_text="The police force area that contains the whole district.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "local authority"
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CommunitySafetyPartnership(TimeStampedModel):
    """A community safety partnership (Crime and Disorder Act 1998): council, police and partners
    working together on crime and disorder in one or more local authority districts.

    Reference data with no personal data in it. The ONS code is optional because a fixture may
    know a partnership's name and area before its code has been checked against the ONS list.
    """

    code = models.CharField(
        max_length=9,
        unique=True,
        null=True,
        blank=True,
        help_text="ONS GSS code, from 'Community Safety Partnerships' names and codes, once verified; "
        "null until then (null, not '', so two unknown codes never clash).",
    )
    name = models.CharField(
        max_length=150,
        help_text="The name the partnership uses, e.g. 'Birmingham Community Safety Partnership'.",
    )
    police_force_area = models.ForeignKey(
        PoliceForceArea,
        on_delete=models.PROTECT,
        related_name="community_safety_partnerships",
        help_text="The police force area the partnership lies in.",
    )
    local_authorities = models.ManyToManyField(
        LocalAuthority,
        related_name="community_safety_partnerships",
        blank=True,
        help_text="The districts the partnership covers (usually one; some partnerships merge several).",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "community safety partnership"
        constraints = [
            models.UniqueConstraint(
                fields=["police_force_area", "name"],
                name="core_csp_unique_name_per_force_area",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """One day of the England and Wales working-day calendar, for deadlines computed in SQL.

    `working_day_number` counts the working days from 1 January 2000 up to and including the
    day, so `working_days_between(a, b)` is the difference of the two days' numbers, and the
    deadline N working days after day A is the working day numbered A's number + N. It is a
    table built from `waymark.core.workdays` (`waymark.core.calendar.calendar_refresh`), so that
    millions of Victims' Code duties get their deadlines by one join instead of one Python call
    each; a test checks the two always agree.
    """

    day = models.DateField(primary_key=True)
    is_working_day = models.BooleanField()
    working_day_number = models.IntegerField(db_index=True)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} ({self.working_day_number})"

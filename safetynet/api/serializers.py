"""API representations. ID numbers are masked in every list; a detail shows the whole number only
when the view says the caller may see it (context `full_id_numbers`, from the rule
`registry.view_full_id_number`)."""

from rest_framework import serializers

from safetynet.accounts.permissions import abilities_of
from safetynet.registry.ids import mask_id_number
from safetynet.registry.models import Category, Division, Enrolment, Household, Membership, Person

# --------------------------------------------------------------------------------------------------
# Query parameters of the lists, and the error bodies (documented for every operation)

# No control characters (a NUL byte cannot even reach PostgreSQL): printable text only.
QUERY_PATTERN = r"^[^\x00-\x1f\x7f]+$"


class ListFilterSerializer(serializers.Serializer):
    """The lists' filters. Each is optional; given, it must be valid (else a 400 naming it)."""

    q = serializers.RegexField(
        QUERY_PATTERN,
        required=False,
        max_length=64,
        help_text="A whole 18-character ID number, a name prefix, or (households) a household "
        "number. At most 200 matches are listed; `truncated` says there were more.",
    )
    division = serializers.RegexField(
        r"^[0-9]{6}([0-9]{3}){0,2}$",
        required=False,
        help_text="A division code (6, 9 or 12 digits): only its subtree.",
    )
    category = serializers.ChoiceField(
        choices=Category.choices,
        required=False,
        help_text="Only those with a current enrolment of this category.",
    )
    page = serializers.IntegerField(
        required=False, min_value=1, max_value=10_000_000, help_text="Page number (50 a page)."
    )

    def validate_division(self, value: str) -> str:
        if not Division.objects.filter(code=value).exists():
            raise serializers.ValidationError("unknown division")
        return value


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable error code, e.g. not_found.")
    message = serializers.CharField()


class FieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="e.g. invalid_filter, invalid_situation")
    field = serializers.CharField(help_text="The parameter or field at fault.")
    message = serializers.CharField()


class MaskedIdField(serializers.CharField):
    """An ID number, always masked (350203********123X)."""

    def to_representation(self, value):
        return mask_id_number(value) if value else None


class DivisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Division
        fields = ["code", "name", "level"]


class HouseholdListSerializer(serializers.ModelSerializer):
    division = serializers.CharField(source="division_id", read_only=True)
    division_name = serializers.CharField(source="division.name", read_only=True)
    address = serializers.CharField(read_only=True)
    member_count = serializers.IntegerField(read_only=True)
    head_name = serializers.CharField(read_only=True, allow_null=True)
    head_id_number = MaskedIdField(read_only=True, allow_null=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "number",
            "division",
            "division_name",
            "address",
            "is_rural",
            "member_count",
            "head_name",
            "head_id_number",
        ]


class PersonListSerializer(serializers.ModelSerializer):
    id_number = MaskedIdField(read_only=True)
    hukou_division = serializers.CharField(source="hukou_division_id", read_only=True)
    household_id = serializers.IntegerField(read_only=True, allow_null=True)
    household_number = serializers.CharField(read_only=True, allow_null=True)
    relation = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_number",
            "sex",
            "birth_date",
            "death_date",
            "hukou_division",
            "household_id",
            "household_number",
            "relation",
        ]


class EnrolmentSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    household = serializers.IntegerField(source="household_id", read_only=True, allow_null=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    end_date = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "person",
            "person_name",
            "household",
            "category",
            "category_label",
            "start_date",
            "end_date",
            "legal_basis",
        ]


class HouseholdEnrolmentSerializer(EnrolmentSerializer):
    """An enrolment on a household's page: a former member's is limited to the time they were a
    member (`end_date` clipped to `left_on`, the day they left; ADR 0723)."""

    end_date = serializers.DateField(source="shown_end_date", allow_null=True, read_only=True)
    left_on = serializers.DateField(allow_null=True, read_only=True)

    class Meta(EnrolmentSerializer.Meta):
        fields = [*EnrolmentSerializer.Meta.fields, "left_on"]


class MemberSerializer(serializers.ModelSerializer):
    """A current member, as a row of the household's member list: the ID number is masked."""

    person_id = serializers.IntegerField(source="person.id", read_only=True)
    name = serializers.CharField(source="person.name", read_only=True)
    id_number = MaskedIdField(source="person.id_number", read_only=True)
    sex = serializers.CharField(source="person.sex", read_only=True)
    birth_date = serializers.DateField(source="person.birth_date", read_only=True)
    death_date = serializers.DateField(source="person.death_date", read_only=True, allow_null=True)
    disability_grade = serializers.IntegerField(
        source="person.disability_grade", read_only=True, allow_null=True
    )
    disability_kind = serializers.CharField(source="person.disability_kind", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "person_id",
            "name",
            "id_number",
            "relation",
            "start_date",
            "sex",
            "birth_date",
            "death_date",
            "disability_grade",
            "disability_kind",
        ]


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField(allow_null=True, help_text="As displayed (text); null when none.")
    new = serializers.CharField(allow_null=True, help_text="As displayed (text); null when none.")


class HistoryEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    username = serializers.CharField()
    kind = serializers.CharField()
    object_id = serializers.IntegerField()
    label = serializers.CharField()
    action = serializers.CharField()
    reason = serializers.CharField()
    changes = ChangeSerializer(many=True)


class HouseholdDetailSerializer(serializers.Serializer):
    """A household page (web.selectors.HouseholdPage): members' ID numbers are masked."""

    id = serializers.IntegerField(source="household.id")
    number = serializers.CharField(source="household.number")
    division = DivisionSerializer(source="household.division")
    division_path = DivisionSerializer(many=True)
    address = serializers.CharField(source="household.address")
    is_rural = serializers.BooleanField(source="household.is_rural")
    members = MemberSerializer(many=True)
    enrolments = HouseholdEnrolmentSerializer(many=True)
    history = HistoryEntrySerializer(many=True)


class PersonHouseholdSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="household_id")
    number = serializers.CharField(source="household.number")
    relation = serializers.CharField()


class PersonDetailSerializer(serializers.Serializer):
    """A person page (web.selectors.PersonPage). The whole ID number only when the context says
    `full_id_numbers`; else masked."""

    id = serializers.IntegerField(source="person.id")
    name = serializers.CharField(source="person.name")
    id_number = serializers.SerializerMethodField()
    id_number_masked = serializers.SerializerMethodField()
    sex = serializers.CharField(source="person.sex")
    birth_date = serializers.DateField(source="person.birth_date")
    death_date = serializers.DateField(source="person.death_date", allow_null=True)
    hukou_division = DivisionSerializer(source="person.hukou_division")
    residence_address = serializers.CharField(source="person.residence_address")
    disability_grade = serializers.IntegerField(source="person.disability_grade", allow_null=True)
    disability_kind = serializers.CharField(source="person.disability_kind")
    household = PersonHouseholdSerializer(source="membership", allow_null=True)
    enrolments = EnrolmentSerializer(many=True)
    history = HistoryEntrySerializer(many=True)

    def get_id_number_masked(self, page) -> bool:
        return not self.context.get("full_id_numbers", False)

    def get_id_number(self, page) -> str:
        if self.context.get("full_id_numbers", False):
            return page.person.id_number
        return mask_id_number(page.person.id_number)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    jurisdiction = DivisionSerializer(allow_null=True)
    sees_full_id_numbers = serializers.BooleanField()
    permissions = serializers.SerializerMethodField()

    def get_permissions(self, user) -> list[str]:
        """Every ability of the one map (accounts/permissions.py) the caller has."""
        return abilities_of(user)


# --------------------------------------------------------------------------------------------------
# Rules engine (documentation of the request and response shapes; the engine validates the input)


class RulesCalculateRequestSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="Benefit month, YYYY-MM.")
    trace = serializers.BooleanField(
        default=False, help_text="Include the readable trace (parameters used, figures, text)."
    )
    situation = serializers.DictField(
        help_text="One household situation (docs/rules-situation-schema.md); unknown fields are "
        "errors, money is integer fen."
    )


class RulesFundingSerializer(serializers.Serializer):
    city_fen = serializers.IntegerField()
    district_fen = serializers.IntegerField()
    street_fen = serializers.IntegerField()


class RulesPersonResultSerializer(serializers.Serializer):
    person = serializers.JSONField(
        help_text="The person's id from the situation, echoed as given (string or number)."
    )
    eligible = serializers.BooleanField()
    amount_fen = serializers.IntegerField()
    reason = serializers.CharField()


class RulesProgramResultSerializer(serializers.Serializer):
    title = serializers.CharField()
    level = serializers.ChoiceField(choices=["household", "person"])
    eligible = serializers.BooleanField()
    amount_fen = serializers.IntegerField(help_text="Amount in integer fen.")
    amount_yuan = serializers.CharField(help_text='The same amount in yuan, e.g. "800.00".')
    funding = RulesFundingSerializer()
    reason = serializers.CharField(help_text="Reason code, e.g. ELIGIBLE.")
    persons = RulesPersonResultSerializer(
        many=True, required=False, help_text="Per person, for personal benefits."
    )


class RulesCalculateResponseSerializer(serializers.Serializer):
    month = serializers.CharField()
    household_id = serializers.JSONField(
        allow_null=True,
        help_text="The situation's household id, echoed as given (string or number); null if none.",
    )
    programs = serializers.DictField(child=RulesProgramResultSerializer())
    trace = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Per program: parameters (value, effective date, reference, status), figures "
        "and text lines. Only when `trace` is true.",
    )


class RulesFieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="invalid_situation | invalid_month | invalid_request | unknown_program | "
        "invalid_date | parse_error"
    )
    field = serializers.CharField(help_text="The field at fault, e.g. persons[0].id_number.")
    message = serializers.CharField()


class RulesParameterValueSerializer(serializers.Serializer):
    effective = serializers.CharField(help_text="YYYY-MM-DD (dated) or YYYY-MM (monthly series).")
    value = serializers.JSONField(
        help_text="fen as integers, ratios as decimal strings, tables as objects."
    )
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=["seed", "published", "default-to-confirm"])
    note = serializers.CharField(required=False)


class RulesParameterSerializer(serializers.Serializer):
    name = serializers.CharField()
    program = serializers.CharField()
    description = serializers.CharField()
    unit = serializers.CharField()
    kind = serializers.ChoiceField(choices=["dated", "monthly_series"])
    source = serializers.CharField(help_text="The YAML file in the parameters tree.")
    statuses = serializers.ListField(child=serializers.CharField())
    in_force = RulesParameterValueSerializer(
        allow_null=True, help_text="The value in force on the `on` date."
    )
    values = RulesParameterValueSerializer(many=True)


class RulesParametersResponseSerializer(serializers.Serializer):
    on = serializers.DateField()
    program = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()
    parameters = RulesParameterSerializer(many=True)

from django import forms
from django.utils.translation import gettext_lazy as _

from apertura.accounts.forms import InvitationAcceptForm
from apertura.institutions.models import Institution
from apertura.plans.models import Commitment, Milestone, Plan, Theme

from apertura.geo.regions import DEPARTMENTS
from .limits import HONEYPOT_FIELD
from .models import RESPONSE_MAX, TEXT_MAX, TITLE_MAX, MeetingKind, Proposal, ProposalStatus


class HoneypotForm(forms.Form):
    """A field people never see (it is off-screen, skipped by the keyboard) and bots fill in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            label=_("Leave this field empty"), required=False,
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def clean(self):
        data = super().clean()
        if data.get(HONEYPOT_FIELD):
            raise forms.ValidationError(_("This form could not be accepted."), code="honeypot")
        return data


class ThemeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.acronym} — {obj.name}"


class ProposalForm(HoneypotForm):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, min_length=5,
                            help_text=_("One line that says what you propose."))
    problem = forms.CharField(label=_("What problem should the plan address?"), max_length=TEXT_MAX,
                              min_length=20, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("Markdown is allowed: *italics*, **bold**, lists and links."))
    proposal = forms.CharField(label=_("What do you propose?"), max_length=TEXT_MAX, min_length=20,
                               widget=forms.Textarea(attrs={"rows": 6}))
    theme = ThemeChoiceField(label=_("Theme"), queryset=Theme.objects.none(), required=False,
                             empty_label=_("No particular theme"))
    institution = InstitutionChoiceField(label=_("Institution addressed"), queryset=Institution.objects.none(),
                                         required=False, empty_label=_("Not sure"))
    department = forms.ChoiceField(label=_("Department"), required=False,
                                   choices=[("", _("The whole country"))] + list(DEPARTMENTS))

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(plan=plan).order_by("order", "title")
        self.fields["institution"].queryset = Institution.objects.order_by("acronym")


class SupportForm(HoneypotForm):
    """Support a proposal (`support` "1", or missing) or withdraw the support (anything else: "0")."""

    support = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_support(self) -> bool:
        return self.cleaned_data["support"] in ("", "1")


class ResponseForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ProposalStatus.choices)
    response = forms.CharField(label=_("Public, reasoned response"), max_length=RESPONSE_MAX, required=False,
                               widget=forms.Textarea(attrs={"rows": 5}),
                               help_text=_("Required to close a proposal (incorporated, merged or not "
                                           "adopted). Everyone will read it."))
    commitment = forms.ModelChoiceField(label=_("Incorporated into commitment"), queryset=Commitment.objects.none(),
                                        required=False)
    milestone = forms.ModelChoiceField(label=_("…or into milestone"), queryset=Milestone.objects.none(),
                                       required=False)
    merged_into = forms.ModelChoiceField(label=_("Merged into proposal"), queryset=Proposal.objects.none(),
                                         required=False)

    def __init__(self, *args, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        plan = proposal.plan
        self.fields["commitment"].queryset = Commitment.objects.filter(plan=plan).order_by("number")
        self.fields["commitment"].label_from_instance = lambda c: f"{c.number}. {c.title[:90]}"
        self.fields["milestone"].queryset = (Milestone.objects.filter(commitment__plan=plan)
                                             .order_by("commitment__number", "seq"))
        self.fields["milestone"].label_from_instance = lambda m: f"{m.number} {m.text[:90]}"
        self.fields["merged_into"].queryset = Proposal.objects.filter(plan=plan).exclude(pk=proposal.pk)
        self.fields["merged_into"].label_from_instance = lambda p: f"#{p.pk} {p.title[:90]}"


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError(_("That is not your password."))
        return ""


class ConsultationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    purpose = forms.CharField(label=_("Purpose"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("What the consultation is for and how comments will be used."))
    plan = forms.ModelChoiceField(label=_("Action plan"), queryset=Plan.objects.order_by("-period_start"),
                                  required=False)
    opens_at = forms.DateTimeField(label=_("Opens"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label=_("Closes"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    document = forms.CharField(label=_("Document"), max_length=100_000, widget=forms.Textarea(attrs={"rows": 14}),
                               help_text=_("Markdown. Each level-two heading (a line starting with «## ») starts "
                                           "a section that people comment on separately."))


class CommentForm(HoneypotForm):
    text = forms.CharField(label=_("Your comment on this section"), max_length=TEXT_MAX, min_length=2,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("Markdown is allowed. Your display name is shown with it."))


class ConsultationResponseForm(forms.Form):
    comments = forms.ModelMultipleChoiceField(label=_("Comments answered"), queryset=None,
                                              widget=forms.CheckboxSelectMultiple)
    text = forms.CharField(label=_("Public, reasoned response"), max_length=RESPONSE_MAX,
                           widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, consultation, among=None, **kwargs):
        """`among`: only these comments (those on the page shown, or those ticked), not every unanswered one."""
        super().__init__(*args, **kwargs)
        from .models import ConsultationComment

        unanswered = ConsultationComment.objects.filter(section__consultation=consultation, response=None)
        if among is not None:
            unanswered = unanswered.filter(pk__in=among)
        self.fields["comments"].queryset = unanswered.select_related("section")
        self.fields["comments"].label_from_instance = lambda c: f"#{c.pk} ({c.section.title[:40]}): {c.text[:80]}"


class SummaryForm(forms.Form):
    summary = forms.CharField(label=_("Summary report"), max_length=20_000,
                              widget=forms.Textarea(attrs={"rows": 10}),
                              help_text=_("Markdown. What was received, what changed because of it, and why."))


class ReportForm(HoneypotForm):
    reason = forms.CharField(label=_("What is wrong with it?"), max_length=1_000, min_length=3,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("For example: insults, personal data, spam. Moderators read every "
                                         "report."))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("keep", _("Keep it visible")), ("remove", _("Hide it"))])
    reason = forms.CharField(label=_("Reason (kept in the log)"), max_length=2_000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class SuspensionForm(forms.Form):
    suspend = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the suspension (kept in the log)"), max_length=2_000)


class ForumMemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    institution = InstitutionChoiceField(label=_("Institution or organization"), queryset=Institution.objects.none())
    alternate_of = forms.ModelChoiceField(label=_("Alternate of"), queryset=None, required=False,
                                          empty_label=_("Not an alternate (a full member)"))
    since = forms.DateField(label=_("Member since"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Member until"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=_("To end a membership, give its last day. Leave empty while it lasts."))

    def __init__(self, *args, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import ForumMember

        self.fields["institution"].queryset = Institution.objects.order_by("acronym")
        principals = ForumMember.objects.filter(alternate_of=None).select_related("institution")
        self.fields["alternate_of"].queryset = principals.exclude(pk=member.pk) if member else principals


class MeetingDocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    file = forms.FileField(label=_("File"), required=False,
                           help_text=_("PDF, images, office documents, CSV or plain text."))
    url = forms.URLField(label=_("…or a link to it"), max_length=1_000, required=False, assume_scheme="https")


class DocumentRemoveForm(forms.Form):
    reason = forms.CharField(label=_("Why is it removed? (kept in the log)"), max_length=2_000)


def _pipe_lines(text: str, *, field: str, need_both: bool) -> list[tuple[str, str]]:
    rows = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        left, _sep, right = line.partition("|")
        if need_both and not (left.strip() and right.strip()):
            raise forms.ValidationError(_("Line %(n)s: write «title | link».") % {"n": number})
        rows.append((left.strip(), right.strip()))
    return rows


class MeetingForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("Action plan"), queryset=Plan.objects.order_by("-period_start"),
                                  required=False)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    link = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")
    agenda = forms.CharField(label=_("Agenda"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    minutes = forms.CharField(label=_("Minutes"), max_length=50_000, required=False,
                              widget=forms.Textarea(attrs={"rows": 6}))
    attendees = forms.ModelMultipleChoiceField(label=_("Attendance"), queryset=None, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    decisions = forms.CharField(label=_("Decisions"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("One a line: «decision | owner»."))
    documents = forms.CharField(label=_("Documents"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("One a line: «title | link»."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import ForumMember

        self.fields["attendees"].queryset = ForumMember.objects.select_related("institution")

    def clean_decisions(self):
        return _pipe_lines(self.cleaned_data["decisions"], field="decisions", need_both=False)

    def clean_documents(self):
        return _pipe_lines(self.cleaned_data["documents"], field="documents", need_both=True)


class PlanCommentForm(HoneypotForm):
    text = forms.CharField(label=_("Your comment"), max_length=TEXT_MAX, min_length=2,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Markdown is allowed. Your display name is shown with it."))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PageFeedbackForm(HoneypotForm):
    path = forms.CharField(max_length=300, widget=forms.HiddenInput)
    useful = forms.TypedChoiceField(label=_("Was this page useful?"), coerce=lambda v: v == "yes",
                                    choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect)
    comment = forms.CharField(label=_("What could be better? (optional)"), max_length=500, required=False)


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name (public)"), max_length=150)
    affiliation = forms.CharField(label=_("Affiliation (private)"), max_length=200, required=False)


class RegistrationForm(HoneypotForm, InvitationAcceptForm):
    """A participant's own account: the invitation's fields plus an address and an optional affiliation, and the
    honeypot of every public form."""

    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             help_text=_("We send a link to confirm it. It is never shown publicly."))
    affiliation = forms.CharField(label=_("Affiliation (optional)"), max_length=200, required=False,
                                  help_text=_("An organization or community you belong to. Not shown publicly."))
    field_order = ["display_name", "email", "affiliation", "username", "password", "password_again"]

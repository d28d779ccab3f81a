from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from apertura.accounts.models import RoleKind
from apertura.accounts.services import invitation_create, invitation_link
from apertura.institutions.models import Institution


class Command(BaseCommand):
    help = ("Invite someone to take a role and print the invitation link (no e-mail is sent). "
            "This is how the first administrator gets an account.")

    def add_arguments(self, parser):
        parser.add_argument("email", help="the address the account will use")
        parser.add_argument("--role", required=True, choices=RoleKind.values)
        parser.add_argument("--institution", help="acronym or slug; editors and monitors need one")
        parser.add_argument("--site-url", help="where the link points (default: APERTURA_SITE_URL)")

    def handle(self, *args, email, role, institution, site_url, **options):
        inst = None
        if institution:
            wanted = Q(acronym__iexact=institution) | Q(slug=institution.lower())
            inst = Institution.objects.filter(wanted).first()
            if inst is None:
                raise CommandError(f"There is no institution «{institution}».")
        try:
            invitation, token = invitation_create(by=None, email=email, kind=role, institution=inst,
                                                  send_email=False)
        except ValidationError as error:
            problems = (" ".join(msgs) if field == "__all__" else f"{field}: {' '.join(msgs)}"
                        for field, msgs in error.message_dict.items())
            raise CommandError("; ".join(problems)) from None
        expires = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M")
        self.stdout.write(f"Invitation for {invitation.email} as {role}"
                          + (f" of {inst.acronym}" if inst else "") + f", valid until {expires}:")
        self.stdout.write(invitation_link(token, site_url=site_url))

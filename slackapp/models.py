"""Every table, imported in one place so migrations see the whole schema."""

from slackapp.alerts.models import Alert, AlertMatch  # noqa: F401
from slackapp.ask.models import Helper, HelpRequest  # noqa: F401
from slackapp.club.models import Officer, Workspace  # noqa: F401
from slackapp.companies.models import Company, Contact, Follow, Review  # noqa: F401
from slackapp.db import Base
from slackapp.events.models import Attendance, Event, Rsvp, RsvpAction  # noqa: F401
from slackapp.gigs.models import Gig, GigRequest, GigVolunteer  # noqa: F401
from slackapp.habit.models import HabitCheck, HabitMember  # noqa: F401
from slackapp.home.models import HomeViewer  # noqa: F401
from slackapp.installs.installations import Departure, Installed, OAuthState  # noqa: F401
from slackapp.intros.models import Intro, IntroAvoid, IntroMember, IntroPerson, IntroRound  # noqa: F401
from slackapp.leads.models import Lead, LeadChange, LeadReport, SavedLead  # noqa: F401
from slackapp.micro.models import Bid, Evaluation, Milestone, Project  # noqa: F401
from slackapp.passport.models import Claim, PassportMember, ProgramSettings  # noqa: F401
from slackapp.profiles.models import Profile  # noqa: F401
from slackapp.resumebook.models import Access, Book, Consent, Link, OptOut  # noqa: F401
from slackapp.roles.models import Handover, OfficerRole, RoleNote  # noqa: F401
from slackapp.scheduler.models import Job, Member  # noqa: F401
from slackapp.slack.inbox import InboxEvent  # noqa: F401

metadata = Base.metadata

# What the migrations make by hand, with no model: the leads' text search (PostgreSQL's
# search_vector column and its index, SQLite's leads_fts tables), and the partial indexes. A
# partial index on a model (postgresql_where=…, sqlite_where=…) makes SQLAlchemy import both
# stores' dialect packages in every process: over 2 MiB of a worker's memory on SQLite.
MADE_IN_MIGRATIONS = frozenset({"search_vector", "ix_leads_search_vector", "ix_leads_unmatched", "ix_micro_projects_unmatched", "ix_events_unmatched", "ix_inbox_waiting"})


def modelled(_object, name: str | None, type_: str, _reflected: bool, _compare_to) -> bool:
    """Alembic's include_object: False for what the migrations make by hand, so that autogenerate
    (and the schema test) never offers to drop it."""
    return not (name in MADE_IN_MIGRATIONS or (type_ == "table" and name is not None and name.startswith("leads_fts")))

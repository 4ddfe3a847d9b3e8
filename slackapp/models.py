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

"""RSVP reactions end to end: a storm of 500 members with Slack's retries, add/remove in any delivery
order, what is ignored, and capacity with a waitlist; on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from tests.events.support import (
    GOING,
    MAYBE,
    NO,
    action_count,
    create_event,
    deliver,
    dms,
    edit_event,
    event_row,
    press,
    react,
    reaction,
    rsvp_rows,
    rsvps_of,
    seats,
    slack_ts,
    updates_of,
    wait_for_counts,
)
from tests.helpers import eventually, eventually_got
from slackapp.sandbox.payloads import BOT_USER_ID, new_ts
from slackapp.slack.inbox import InboxEvent

SEAT_OF = {GOING: "going", MAYBE: "maybe", NO: "no"}


# ---- 2. the storm -------------------------------------------------------------------------


def test_rsvp_storm_of_500_members_with_retries(default_workspace):
    workspace = default_workspace
    officer = workspace.officer()
    event = create_event(workspace, officer)
    members = [workspace.member() for _ in range(500)]
    emoji = [GOING, MAYBE, NO]
    chosen = {member: emoji[i % 3] for i, member in enumerate(members)}
    deliveries = [(reaction(workspace, event, member, chosen[member]), None) for member in members]
    retried = random.Random(7).sample(range(500), 50)
    deliveries += [(deliveries[i][0], 1) for i in retried]  # the same event_id again, as Slack's retry
    random.Random(11).shuffle(deliveries)
    assert len({payload["event_id"] for payload, _ in deliveries}) == 500

    with ThreadPoolExecutor(max_workers=24) as pool:
        list(pool.map(lambda item: deliver(workspace, item[0], retry_num=item[1]), deliveries))
    # Every delivery has been answered, so each is in the app's listener queue. One more member,
    # delivered after all of them, is the barrier: once the app has logged their answer too, the
    # 550 deliveries have had their turn.
    latecomer = workspace.member()
    deliver(workspace, reaction(workspace, event, latecomer, NO))

    expected = {member: (SEAT_OF[chosen[member]], SEAT_OF[chosen[member]]) for member in members} | {latecomer: ("no", "no")}
    eventually(lambda: rsvps_of(workspace, event.id) == expected, timeout=60)
    assert action_count(workspace, event.id) == 501  # Slack's 50 retries were each logged once
    rows = rsvp_rows(workspace, event.id)
    assert len(rows) == 501 and len({row.user_id for row in rows}) == 501

    going, maybe = sum(e == GOING for e in chosen.values()), sum(e == MAYBE for e in chosen.values())
    cant = sum(e == NO for e in chosen.values()) + 1  # and the latecomer
    wait_for_counts(workspace, event, going, maybe, 0, cant=cant, timeout=30)
    # One more answer right after an update: its update must wait for the throttle, however fast
    # the storm itself was handled (in one update or several).
    deliver(workspace, reaction(workspace, event, workspace.member(), GOING))
    updates = wait_for_counts(workspace, event, going + 1, maybe, 0, cant=cant, timeout=30)
    # The app's throttle: chat.update for one post at most once per SLACKAPP_POST_UPDATE_SECONDS,
    # 1 s by default (this app's setting), measured between the moments the updates reached Slack.
    every_attempt = updates_of(workspace, event, failed=True)
    assert every_attempt == updates, [c.status for c in every_attempt]
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(updates)]
    assert len(updates) >= 2 and all(gap >= 1.0 for gap in gaps), gaps


# ---- 3. order of delivery -----------------------------------------------------------------


def test_latest_action_wins_whatever_the_delivery_order(workspace):
    officer = workspace.officer()
    event = create_event(workspace, officer)
    base = int(time.time())
    t1, t2, t3 = (slack_ts(base, n) for n in (100, 200, 300))
    steps = [(GOING, True, t1), (GOING, False, t2), (MAYBE, True, t3)]

    # Every order in which Slack could deliver: add ✅, remove ✅, add 🤔 → maybe.
    members = []
    for order in itertools.permutations(steps):
        member = workspace.member()
        members.append(member)
        for emoji, added, ts in order:
            react(workspace, event, member, emoji, added=added, event_ts=ts)
        assert rsvps_of(workspace, event.id)[member] == ("maybe", "maybe"), order

    # add ✅ (t1) then remove ✅ (t2), the removal delivered first → no answer.
    withdrawn = workspace.member()
    react(workspace, event, withdrawn, GOING, added=False, event_ts=t2)
    react(workspace, event, withdrawn, GOING, added=True, event_ts=t1)
    assert rsvps_of(workspace, event.id).get(withdrawn, ("none", "none")) == ("none", "none")

    # Removing a reaction that isn't the current answer changes nothing.
    steady = workspace.member()
    react(workspace, event, steady, GOING, event_ts=t1)
    react(workspace, event, steady, MAYBE, added=False, event_ts=t2)
    react(workspace, event, steady, NO, added=False, event_ts=t3)
    assert rsvps_of(workspace, event.id)[steady] == ("going", "going")

    wait_for_counts(workspace, event, 1, len(members), 0)


def test_other_messages_other_emoji_and_the_bot_are_ignored(workspace):
    officer, member, sentinel = workspace.officer(), workspace.member(), workspace.member()
    event = create_event(workspace, officer)
    other = create_event(workspace, officer)
    ignored = [
        reaction(workspace, event, member, GOING, ts=new_ts()),  # another message in the channel
        reaction(workspace, event, member, GOING, channel="C" + event.channel[1:] + "X"),  # same ts, another channel
        reaction(workspace, event, member, "thumbsup"),
        reaction(workspace, event, member, "white_check_mark_not"),
        reaction(workspace, event, BOT_USER_ID, GOING),
        reaction(workspace, event, BOT_USER_ID, NO, added=False),
    ]
    for payload in ignored:
        deliver(workspace, payload)
    # The barrier: a reaction that counts, delivered after the ignored ones (so handed to the app's
    # listeners after them), has been logged.
    react(workspace, event, sentinel, MAYBE)
    assert rsvps_of(workspace, event.id) == {sentinel: ("maybe", "maybe")}
    assert action_count(workspace, event.id) == 1
    assert rsvps_of(workspace, other.id) == {} and action_count(workspace, other.id) == 0

    # A skin-tone variant still counts as the emoji.
    react(workspace, event, member, "white_check_mark::skin-tone-2")
    assert rsvps_of(workspace, event.id)[member] == ("going", "going")


# ---- 4. capacity --------------------------------------------------------------------------


def test_capacity_waitlist_places_and_promotion(workspace):
    officer = workspace.officer()
    event = create_event(workspace, officer, capacity="3")
    members = [workspace.member() for _ in range(5)]
    for member in members:
        react(workspace, event, member, GOING)
    assert seats(workspace, event.id) == {**{m: "going" for m in members[:3]}, **{m: "waitlist" for m in members[3:]}}
    [first] = eventually_got(lambda: dms(workspace, members[3], "waitlist"), count=1)
    [second] = eventually_got(lambda: dms(workspace, members[4], "waitlist"), count=1)
    assert "#1 on the waitlist" in first.args["text"] and "#2 on the waitlist" in second.args["text"]
    assert all(dms(workspace, m) == [] for m in members[:3])
    wait_for_counts(workspace, event, 3, 0, 2)

    react(workspace, event, members[1], GOING, added=False)
    assert seats(workspace, event.id) == {members[0]: "going", members[1]: "none", members[2]: "going", members[3]: "going", members[4]: "waitlist"}
    [promoted] = eventually_got(lambda: dms(workspace, members[3], "A place opened up"), count=1)
    assert event.title in promoted.args["text"]
    assert dms(workspace, members[4], "A place opened up") == []
    wait_for_counts(workspace, event, 3, 0, 1)

    # A waitlisted member who says maybe leaves the waitlist; nobody is promoted past capacity.
    react(workspace, event, members[4], MAYBE)
    assert seats(workspace, event.id)[members[4]] == "maybe"
    assert sum(seat == "going" for seat in seats(workspace, event.id).values()) == 3


def test_withdrawals_and_new_answers_at_the_same_moment_never_overfill(workspace):
    officer = workspace.officer()
    event = create_event(workspace, officer, capacity="5")
    first = [workspace.member() for _ in range(10)]
    for member in first:
        react(workspace, event, member, GOING)
    going, waiting = first[:5], first[5:]
    assert seats(workspace, event.id) == {**{m: "going" for m in going}, **{m: "waitlist" for m in waiting}}

    newcomers = [workspace.member() for _ in range(5)]
    jobs = [reaction(workspace, event, m, GOING, added=False) for m in going] + [reaction(workspace, event, m, GOING) for m in newcomers]
    barrier = threading.Barrier(len(jobs))

    def go(payload):
        barrier.wait()
        deliver(workspace, payload)

    threads = [threading.Thread(target=go, args=(payload,)) for payload in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    eventually(lambda: action_count(workspace, event.id) == 20, timeout=20)

    final = seats(workspace, event.id)
    assert sorted(m for m, s in final.items() if s == "going") == sorted(waiting)  # first come, first served
    assert sorted(m for m, s in final.items() if s == "waitlist") == sorted(newcomers)
    assert all(final[m] == "none" for m in going)
    for member in waiting:
        eventually_got(lambda member=member: dms(workspace, member, "A place opened up"), count=1)
    for member in newcomers:
        eventually_got(lambda member=member: dms(workspace, member, "waitlist"), count=1)
    assert all(dms(workspace, m, "A place opened up") == [] for m in newcomers)
    wait_for_counts(workspace, event, 5, 0, 5)

    # Raising the capacity from the edit form promotes from the waitlist, in order.
    places = {row.user_id: row.waiting_since for row in rsvp_rows(workspace, event.id) if row.seat == "waitlist"}
    in_order = sorted(places, key=lambda m: places[m])
    reply = edit_event(workspace, officer, event_row(workspace, event.id), capacity="7")
    assert reply.status == 200 and reply.body == b"", reply.body
    assert event_row(workspace, event.id).capacity == 7
    final = seats(workspace, event.id)
    assert {m for m, s in final.items() if s == "going"} == set(waiting) | set(in_order[:2])
    assert [m for m in in_order if final[m] == "waitlist"] == in_order[2:]
    for member in in_order[:2]:
        eventually_got(lambda member=member: dms(workspace, member, "A place opened up"), count=1)
    assert all(dms(workspace, m, "A place opened up") == [] for m in in_order[2:])
    wait_for_counts(workspace, event, 7, 0, 3)

    # Lowering it below who is going is refused in the form.
    lowered = edit_event(workspace, officer, event_row(workspace, event.id), capacity="6").json()
    assert lowered["response_action"] == "errors" and "capacity" in lowered["errors"]
    assert event_row(workspace, event.id).capacity == 7


def test_a_member_can_answer_with_buttons_and_gets_waitlisted_too(workspace):
    officer, first, second = workspace.officer(), workspace.member(), workspace.member()
    event = create_event(workspace, officer, capacity="1")
    assert "You're going" in press(workspace, "event_going", str(event.id), user=first)["text"]
    assert "waitlist" in press(workspace, "event_going", str(event.id), user=second)["text"]
    assert seats(workspace, event.id) == {first: "going", second: "waitlist"}
    press(workspace, "event_cant", str(event.id), user=first)
    assert seats(workspace, event.id) == {first: "no", second: "going"}
    eventually_got(lambda: dms(workspace, second, "A place opened up"), count=1)


def test_a_rate_limited_update_is_tried_again_so_the_post_ends_up_right(workspace):
    officer, first, second = workspace.officer(), workspace.member(), workspace.member()
    event = create_event(workspace, officer)
    react(workspace, event, first, GOING)
    wait_for_counts(workspace, event, 1, 0, 0)
    # Slack turns down the next update of this post, whoever else is updating messages meanwhile.
    workspace.fake.fail("chat.update", status=429, retry_after=1, times=1, match={"channel": event.channel, "ts": event.post_ts})
    react(workspace, event, second, GOING)
    [refused] = eventually_got(lambda: [c for c in updates_of(workspace, event, failed=True) if c.failed], count=1, timeout=10)
    assert refused.status == 429
    # Slack said "retry after 1 s"; the post must not stay at "1 going" for good.
    updates = wait_for_counts(workspace, event, 2, 0, 0, timeout=10)
    assert updates[-1].at - refused.at >= 1.0


def test_a_reaction_that_fails_holds_up_none_of_the_others_of_its_storm(default_workspace):
    """Reactions are handled in batches (one transaction for those waiting). One that can't be
    handled (a reaction without a usable time) fails alone: every other reaction of its storm is
    stored as it comes, not once the inbox hands the batch over again half a minute later."""
    workspace = default_workspace
    event = create_event(workspace, workspace.officer())
    members = [workspace.member() for _ in range(40)]
    unusable = reaction(workspace, event, workspace.member(), GOING)
    unusable["event"]["event_ts"] = "not-a-time"
    deliveries = [reaction(workspace, event, member, emoji=GOING) for member in members]
    deliveries.insert(len(deliveries) // 2, unusable)

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda payload: deliver(workspace, payload), deliveries))

    eventually(lambda: set(seats(workspace, event.id)) == set(members), timeout=20)
    assert unusable["event"]["user"] not in seats(workspace, event.id)
    assert action_count(workspace, event.id) == len(members)
    # Left to the inbox, which hands it over alone (and gives up after inbox.MAX_ATTEMPTS).
    with workspace.server.store.read() as session:
        kept = session.scalars(select(InboxEvent).where(InboxEvent.team_id == workspace.team_id, InboxEvent.event_id == unusable["event_id"])).one()
    assert kept.done_at is None and kept.claimed_at is not None

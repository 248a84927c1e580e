"""Demo data: what the analyst consultant concluded on each engagement they are attached to.

Every report has four findings built from the engagement's own numbers (timeliness, quality,
clarification holds, effort and cost), each with a note specific to the engagement, and two to four
recommendations whose rationale explains how they were reached. Texts are `str.format` templates over
the metrics computed in `report_writer.engagement_metrics`; `supports` lists the findings (0-3) a
recommendation rests on.
"""

from reports.choices import RecommendationPriority

HIGH, MEDIUM, LOW = RecommendationPriority.HIGH, RecommendationPriority.MEDIUM, RecommendationPriority.LOW

REPORTS = {
    "hp-litigation": {
        "summary": "Vidya's litigation research team delivered {delivered} research tasks for the London "
        "disputes group between {period}. Response compliance was {response_rate} and on-time delivery "
        "{resolution_rate} against 95% targets; sampled accuracy averaged {mean_accuracy} with rework on "
        "{rework_rate} of deliveries. The same hours in house would have cost {in_house_cost}, a saving of "
        "{savings_pct}. We recommend three scoping questions at intake, a pre-delivery citation checklist, "
        "an agreed rule for requests released after Bengaluru's working day, and, once quality is at "
        "target, extending the scope to disclosure chronologies.",
        "notes": [
            "{after_hours_share} of requests were released after Bengaluru's working day had ended. The SLA "
            "calendar starts their clock the next IST morning, so they are not breaches, but associates "
            "experience them as delay. Breaches by priority: {breaches_by_priority}.",
            "Tasks sent back for rework:\n\n{rework_examples}\n\nThe most frequent reason for rework is "
            "*{top_defect}*.",
            "Every hold waits on a Hartwell & Pryce associate, and the questions (governing law, scope, "
            "platform access) are predictable at intake.",
            "Vidya's blended rate is {blended_rate} per hour against {in_house_rate} per hour in house.",
        ],
        "recommendations": [
            (
                "Add three scoping questions (governing law, matter deadline, depth of research) to the "
                "research request form",
                "Finding 3 counts {holds} holds averaging {hold_hours_avg} business hours, all waiting on "
                "questions an associate can answer when raising the request. Asking them at intake removes "
                "the wait; on-time delivery (finding 1) is {resolution_verdict}.",
                HIGH,
                "Fewer holds; on-time delivery at or above 95%",
                "Richard Ashworth (Hartwell & Pryce)",
                30,
                [0, 2],
            ),
            (
                "Run a citation and subsequent-treatment checklist before every delivery",
                "Finding 2: {rework_tasks} deliveries came back for rework ({rework_rate}, "
                "{rework_verdict}), most often for *{top_defect}*. A checklist run by the researcher costs "
                "minutes; a rework cycle costs a second review by the associate and restarts the clock.",
                HIGH,
                "Rework rate within 5%; accuracy at 98% or above",
                "Priya Raghavan (Vidya)",
                21,
                [1],
            ),
            (
                "Agree a late-release rule: urgent requests raised after 13:00 London time go to a named "
                "researcher at 09:30 IST",
                "Finding 1: {after_hours_share} of requests reach Bengaluru after its day has ended. The "
                "clock is fair (it starts the next working morning), so the fix is about expectations: a "
                "named researcher picks urgent requests up first thing and confirms by 10:00 IST.",
                MEDIUM,
                "Urgent requests picked up by 10:00 IST",
                "Catherine Doyle (Fairlight)",
                45,
                [0],
            ),
            (
                "Extend the scope to disclosure chronologies for two further matters once accuracy is at "
                "target",
                "Finding 4: spend is {budget_used_pct} of the budget at a saving of {savings_pct} against "
                "in house. Sampled accuracy is {mean_accuracy} ({accuracy_verdict}); extending the scope "
                "should follow the checklist above, so that growth does not dilute quality.",
                LOW,
                "Chronology work at about {savings_pct} below in-house cost",
                "Eleanor Marsh (Hartwell & Pryce)",
                75,
                [1, 3],
            ),
        ],
    },
    "hp-leases": {
        "summary": "Between {period} Vidya abstracted and tracked commercial leases for the real estate "
        "group's portfolio clients: {delivered} deliveries, {response_rate} response compliance and "
        "{resolution_rate} on time, with sampled accuracy of {mean_accuracy}. The main risk is upstream: "
        "incomplete lease packs stop work. We recommend a document checklist for each batch, smaller "
        "batches, and a per-lease price once effort has been stable for another quarter.",
        "notes": [
            "Breaches by priority: {breaches_by_priority}. The largest overruns are abstraction batches, "
            "the biggest units of work in the engagement.",
            "Tasks sent back for rework:\n\n{rework_examples}\n\nThe most frequent reason for rework is "
            "*{top_defect}*.",
            "Holds wait on documents missing from the lease packs or on which playbook applies.",
            "Logged effort on delivered tasks is {effort_ratio} of their estimates, at a blended "
            "{blended_rate} per hour.",
        ],
        "recommendations": [
            (
                "Send a document checklist with every batch and release it only when complete",
                "Finding 3 ({holds} holds, {hold_hours_avg} business hours on average) and the defects in "
                "finding 2 share one root cause: incomplete lease packs. Checking completeness before "
                "release takes the wait out of the SLA clock and out of the deliverable.",
                HIGH,
                "Fewer holds and fewer incomplete abstracts",
                "Fiona Gallagher (Hartwell & Pryce)",
                30,
                [1, 2],
            ),
            (
                "Cap abstraction batches at 15 leases",
                "Finding 1: on-time delivery is {resolution_rate} ({resolution_verdict}) and the largest "
                "overruns are the biggest batches. Smaller batches fit the P3 budget and let reviews start "
                "earlier.",
                MEDIUM,
                "On-time delivery at or above 95%",
                "Priya Raghavan (Vidya)",
                21,
                [0],
            ),
            (
                "Move to a per-lease price after the next quarter",
                "Finding 4: logged effort is {effort_ratio} of estimates on delivered tasks. One more "
                "quarter of stable effort makes a per-lease price low-risk for both sides and predictable "
                "for the real estate partners.",
                LOW,
                "Predictable cost per portfolio",
                "Catherine Doyle (Fairlight)",
                90,
                [3],
            ),
        ],
    },
    "hp-market": {
        "summary": "Vltava's market intelligence team delivered {delivered} profiles, league tables and "
        "trackers between {period}, with {response_rate} response compliance and {resolution_rate} on-time "
        "delivery, and {mean_accuracy} mean accuracy on sampled reviews. We recommend a fixed calendar for "
        "recurring deliverables, a competitor list confirmed each quarter and a local-source list for CEE "
        "markets.",
        "notes": [
            "Breaches by priority: {breaches_by_priority}. Recurring deliverables (league tables, the "
            "lateral-hire tracker) are predictable and can be scheduled.",
            "Tasks sent back for rework:\n\n{rework_examples}\n\nThe most frequent reason for rework is "
            "*{top_defect}*.",
            "Holds wait on the firm's decision on which competitors to cover.",
            "Vltava's blended rate is {blended_rate} per hour: above the offshore providers, well below "
            "{in_house_rate} per hour in house for German-speaking research.",
        ],
        "recommendations": [
            (
                "Publish a monthly calendar of recurring deliverables",
                "Finding 1: on-time delivery is {resolution_rate} ({resolution_verdict}). Turning "
                "predictable requests into a calendar lets Vltava plan capacity instead of reacting to "
                "releases.",
                MEDIUM,
                "On-time delivery at or above 95%",
                "Tomáš Novák (Vltava)",
                30,
                [0],
            ),
            (
                "Confirm the priority competitor list at the start of each quarter",
                "Finding 3: the {holds} holds in the period wait on competitor scope. One quarterly "
                "decision removes most of them.",
                MEDIUM,
                "Fewer holds",
                "Richard Ashworth (Hartwell & Pryce)",
                20,
                [2],
            ),
            (
                "Add a CEE local-source list to the research guide",
                "Finding 2: accuracy is {mean_accuracy} ({accuracy_verdict}) and the defects recorded "
                "include missed sources. A curated list of local registers and legal press is a cheap fix.",
                LOW,
                "Accuracy at 98% or above",
                "Martin Procházka (Vltava)",
                45,
                [1],
            ),
        ],
    },
    "rv-claims": {
        "summary": "Vidya supports Rheinland's claims analytics and reserving: between {period} it "
        "delivered {delivered} tasks with {response_rate} response compliance and {resolution_rate} on "
        "time. Sampled accuracy averaged {mean_accuracy}; rework affected {rework_rate} of deliveries. Late "
        "or incomplete claims extracts cause most holds. We recommend a data delivery SLA on Rheinland's "
        "side, automated ledger reconciliation before analysis starts, and quarter-close capacity planned "
        "ahead.",
        "notes": [
            "Breaches by priority: {breaches_by_priority}. {after_hours_share} of requests reached "
            "Bengaluru after its working day.",
            "Tasks sent back for rework:\n\n{rework_examples}\n\nThe most frequent reason for rework is "
            "*{top_defect}*.",
            "Holds wait on incomplete or late claims extracts and on threshold decisions.",
            "The actuarial work is priced at a blended {blended_rate} per hour against {in_house_rate} per "
            "hour in house.",
        ],
        "recommendations": [
            (
                "Agree a data delivery SLA for claims extracts: working day 3 after month end",
                "Finding 3: {holds} holds averaging {hold_hours_avg} business hours wait on extracts. "
                "Without an SLA on the input, the provider's SLA absorbs the client's delays (finding 1: "
                "on-time delivery {resolution_rate}).",
                HIGH,
                "Committee packs on time every quarter",
                "Thomas Becker (Rheinland)",
                30,
                [0, 2],
            ),
            (
                "Automate the ledger reconciliation as the first step of every analysis",
                "Finding 2: rework is {rework_rate} ({rework_verdict}). Reconciliation differences found at "
                "review are the costliest kind: everything built on the extract is redone.",
                HIGH,
                "Rework rate within 5%",
                "Priya Raghavan (Vidya)",
                45,
                [1],
            ),
            (
                "Plan quarter-close capacity four weeks ahead",
                "Findings 1 and 4: triangles and committee packs arrive together at quarter close; a named "
                "surge team at the current blended rate ({blended_rate}) costs less than the breaches.",
                MEDIUM,
                "No P1 or P2 breaches at quarter close",
                "Priya Raghavan (Vidya)",
                60,
                [0, 3],
            ),
        ],
    },
    "rv-exposure": {
        "summary": "Pacific Insight cleansed and geocoded Rheinland's property exposure data between "
        "{period}: {delivered} deliveries, {response_rate} response compliance and {resolution_rate} on "
        "time, with {mean_accuracy} sampled accuracy. Broker data quality drives most holds. We recommend "
        "sending the data requirements to brokers with each renewal request and scheduling bordereau work "
        "before the 1/1 renewal.",
        "notes": [
            "{after_hours_share} of requests were released outside Manila's working day (which includes a "
            "lunch break the SLA calendar does not count). Breaches by priority: {breaches_by_priority}.",
            "Tasks sent back for rework:\n\n{rework_examples}\n\nThe most frequent reason for rework is "
            "*{top_defect}*.",
            "Holds wait on brokers' missing attributes (postcodes, year built, storeys, sprinklers) or on "
            "the CRESTA version to use.",
            "At a blended {blended_rate} per hour this is the lowest-cost engagement in Rheinland's "
            "portfolio.",
        ],
        "recommendations": [
            (
                "Send the exposure data requirements to every broker with the renewal request",
                "Finding 3 ({holds} holds) and the coding defects in finding 2 both start with incomplete "
                "broker data. Asking for the attributes up front is cheaper than querying them later.",
                HIGH,
                "Fewer holds; 95% of insured value geocoded to street level",
                "Thomas Becker (Rheinland)",
                30,
                [1, 2],
            ),
            (
                "Schedule bordereau processing in the four weeks before the 1/1 renewal",
                "Finding 1: on-time delivery is {resolution_rate} ({resolution_verdict}). Volumes peak "
                "before renewals; planning capacity ahead keeps the clock inside budget.",
                MEDIUM,
                "On-time delivery at or above 95% at renewal",
                "Andrea Villanueva (Pacific Insight)",
                60,
                [0],
            ),
        ],
    },
}

FINDING_TITLES = {
    "timeliness": "Timeliness: {response_rate} response and {resolution_rate} on-time delivery (targets 95%)",
    "quality": (
        "Quality: sampled accuracy {mean_accuracy}, rework on {rework_tasks} of {delivered} deliveries"
    ),
    "holds": "Clarification holds: {holds} holds, {hold_hours_avg} business hours on average",
    "cost": "Effort and cost: {hours_logged} hours logged, {spend} spent",
}

FINDING_EVIDENCE = {
    "timeliness": """Measured on the SLA calendar (*{calendar}*) from the task events between {period}.

| KPI | Met | Measured | Rate | Target |
|---|---:|---:|---:|---:|
| Response | {response_met} | {responded} | {response_rate} | 95% |
| Resolution (on time) | {resolution_met} | {delivered} | {resolution_rate} | 95% |

Response is {response_verdict}; on-time delivery is {resolution_verdict}.

Largest resolution overruns:

{late_list}

{note}""",
    "quality": """{reviews} quality reviews by the client SME ({sampling_coverage} of delivered tasks, \
against a sampling rate of {sampling_target}).

- Mean accuracy: **{mean_accuracy}** ({accuracy_verdict}); lowest score {min_accuracy}
- Tasks sent back for rework: **{rework_tasks}** ({rework_rate}, {rework_verdict})

Defects recorded:

{defect_list}

{note}""",
    "holds": """- Tasks put on hold at least once: **{held_tasks}** of {started} started ({hold_share})
- Holds in total: {holds}; average time on hold: **{hold_hours_avg} business hours**
- On hold now: {on_hold_now}

Recent reasons given:

{hold_reasons}

{note}""",
    "cost": """| | Value |
|---|---:|
| Hours logged | {hours_logged} |
| Estimated hours of delivered tasks | {estimated_hours} |
| Logged effort against estimate (delivered tasks) | {effort_ratio} |
| Spend at rate card | {spend} |
| Spend in {client_currency} (at {fx_rate} {client_currency}/{rate_currency}) | {spend_client} |
| Budget used | {budget_used_pct} of {budget} |
| Same hours in house at {in_house_rate}/h | {in_house_cost} |
| Saving against in house | **{savings_pct}** |

{note}""",
}

# Indicative exchange rates for comparing rate-card spend with client budgets (stated in the report).
FX_RATES = {
    ("USD", "GBP"): "0.79",
    ("USD", "EUR"): "0.92",
    ("USD", "CHF"): "0.88",
    ("EUR", "GBP"): "0.86",
    ("EUR", "CHF"): "0.94",
    ("EUR", "EUR"): "1",
    ("USD", "USD"): "1",
    ("GBP", "GBP"): "1",
    ("CHF", "CHF"): "1",
}

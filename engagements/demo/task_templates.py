"""Demo data: what the work looks like, per engagement theme.

Each template is (title, specification, acceptance criteria, task type, (min hours, max hours)).
Placeholders come from the theme's vocabulary, plus {n} (a running batch number), {quarter} (the last
closed quarter), {week} (ISO week), {year} (last year) and {month}, taken from the task's creation date.
"""

from engagements.choices import TaskType

from .themes_insurance import INSURANCE_THEMES
from .themes_legal import LEGAL_THEMES
from .themes_life_sciences import LIFE_SCIENCES_THEMES

THEMES = {**LEGAL_THEMES, **INSURANCE_THEMES, **LIFE_SCIENCES_THEMES}


# Things a provider waits for, by theme (the note on an on_hold event).
HOLD_REASONS = {
    "litigation": [
        "Waiting on the client: which jurisdiction governs the 2019 side letter?",
        "Waiting on the client: access to the disclosure platform expired",
        "Waiting on the client: supervising associate to confirm the scope of the privilege carve-out",
    ],
    "contracts": [
        "Waiting on the client: two leases in the batch are missing their licences to alter",
        "Waiting on the client: confirm which playbook version applies to this counterparty",
    ],
    "ediscovery": ["Waiting on the client: clarification of issue tag 4 (market manipulation)"],
    "legal_market": ["Waiting on the client: confirm the competitor list for this quarter"],
    "claims_analytics": [
        "Waiting on the client: the quarterly extract is missing June payments",
        "Waiting on the client: confirm the large-loss threshold after the reinsurance change",
    ],
    "cat_exposure": [
        "Waiting on the client: broker bordereau has 300 rows without postcodes",
        "Waiting on the client: confirm the CRESTA version (2023 or 2025 zones)",
    ],
    "insurer_benchmark": ["Waiting on the client: confirm whether to include Talanx's primary segment"],
    "solvency": ["Waiting on the client: ledger extract for the quarter not yet released"],
    "pv_coding": [
        "Waiting on the client: follow-up information requested from the reporter",
        "Waiting on the client: safety physician to confirm the expectedness assessment",
    ],
    "literature": ["Waiting on the client: confirm the PICO after the brand team's comments"],
    "rwe": ["Waiting on the client: database licence renewal for the feasibility counts"],
    "fraud": ["Waiting on the client: pseudonymised extract not yet approved by the DPO"],
}

DELIVERY_NOTES = {
    TaskType.RESEARCH: [
        "Delivered: memo and source table uploaded to the engagement folder.",
        "Delivered: research note with linked sources.",
        "Delivered.",
    ],
    TaskType.ANALYSIS: [
        "Delivered: workbook and summary uploaded.",
        "Delivered: analysis with method notes.",
        "Delivered.",
    ],
    TaskType.DOCUMENT_REVIEW: [
        "Delivered: review complete, exceptions listed on the summary tab.",
        "Delivered: marked-up documents and issues list.",
        "Delivered.",
    ],
    TaskType.DATA_REVIEW: [
        "Delivered: QC log and corrected data set uploaded.",
        "Delivered: exception report attached.",
        "Delivered.",
    ],
    TaskType.REPORT: [
        "Delivered: report in the client template.",
        "Delivered: draft for client comments.",
        "Delivered.",
    ],
}

CANCEL_REASONS = [
    "Cancelled: the matter settled, no further work needed.",
    "Cancelled: duplicate of an earlier request.",
    "Cancelled: moved to the in-house team.",
    "Cancelled: superseded by a revised request.",
]

DRAFT_CANCEL_REASONS = ["Raised in error.", "Merged into another request before release."]

# Review findings by defect type; reviews requesting rework quote one or two of these.
DEFECT_FINDINGS = {
    "factual_error": [
        "Two figures in the summary do not tie back to the source extract.",
        "One authority is cited for a proposition it does not support.",
        "A coded term does not match the verbatim description.",
    ],
    "missed_source": [
        "The most recent appellate decision on the point is missing.",
        "The latest quarterly data release was not used.",
        "Two relevant publications from the search window were not considered.",
    ],
    "formatting": [
        "Citations are not in the agreed house style.",
        "Column headers differ from the template.",
    ],
    "late_clarification": ["An ambiguity in the request was raised only at delivery, not when work started."],
    "incomplete": [
        "An acceptance criterion is not addressed (conflicts not flagged).",
        "The exceptions list is missing for part of the batch.",
    ],
}

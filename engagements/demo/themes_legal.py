"""Task templates for the legal engagements: litigation research, contracts, e-discovery, legal market."""

from engagements.choices import TaskType

_R, _AN, _DOC, _DATA, _REP = (
    TaskType.RESEARCH,
    TaskType.ANALYSIS,
    TaskType.DOCUMENT_REVIEW,
    TaskType.DATA_REVIEW,
    TaskType.REPORT,
)

LEGAL_THEMES = {
    "litigation": {
        "batch_start": 9,
        "vocab": {
            "topic": [
                "non-compete clauses",
                "the implied duty of good faith in long-term contracts",
                "limitation periods for negligent misstatement",
                "litigation privilege over in-house communications",
                "economic duress",
                "penalty clauses after Cavendish v Makdessi",
                "reflective loss after Sevilleja v Marex",
                "contractual estoppel and non-reliance clauses",
            ],
            "state": ["Delaware", "New York", "California", "Texas", "Illinois", "Massachusetts"],
            "court": [
                "Court of Appeal",
                "Commercial Court",
                "UK Supreme Court",
                "Technology and Construction Court",
            ],
            "matter": [
                "Harbourside v Norcliffe",
                "Project Aster",
                "the Kellerman LCIA arbitration",
                "the Vantage Holdings shareholder dispute",
                "Orrin Shipping v Baltic Freight",
            ],
            "expert": [
                "Dr Helen Moss (forensic accounting)",
                "Prof. Alan Reeve (construction delay)",
                "Mark Ellison FCA (business valuation)",
                "Dr Priya Shah (pharmaceutical regulation)",
            ],
            "docs": ["1,240", "860", "2,150", "1,730", "640"],
        },
        "templates": [
            (
                "Summarise case law on {topic} in England and Wales",
                "Research and summarise the authorities of the last 15 years on {topic} for {matter}. For "
                "each authority give the citation, court, key holding and how later cases applied it. Flag "
                "conflicting first-instance decisions and any pending appeals.",
                "Memo of at most 6 pages; every authority in OSCOLA with a neutral citation and a Westlaw "
                "link; conflicting lines of authority flagged.",
                _R,
                (6, 14),
            ),
            (
                "Summarise case law on non-compete clauses in {state}",
                "US state-law survey for {matter}: enforceability of post-termination restrictive covenants "
                "in {state}, covering the statutory position, leading cases since 2015, blue-pencilling and "
                "the FTC rule litigation. Note anything decided in the last six months.",
                "Survey table (issue / rule / authority / comment) plus a one-page summary; Bluebook "
                "citations.",
                _R,
                (5, 10),
            ),
            (
                "Chronology from disclosure batch {n} ({matter})",
                "Build a chronology from disclosure batch {n} (about {docs} documents) for {matter}: one "
                "row per event with date, event, source document ID, people involved and significance. Do "
                "not review documents that look privileged; list their IDs for the supervising associate.",
                "Excel chronology in the matter template; every row sourced to a document ID; "
                "privileged-looking documents listed separately.",
                _DOC,
                (8, 16),
            ),
            (
                "Case note: recent {court} decision on {topic}",
                "Two-page case note on the most recent {court} decision on {topic}: facts, holding, "
                "reasoning, and what it changes for our clients' drafting and litigation strategy.",
                "Two pages, house style, ready for the knowledge bulletin.",
                _REP,
                (3, 6),
            ),
            (
                "Citation check of the skeleton argument in {matter}",
                "Check every authority in draft v3 of the skeleton argument in {matter}: citation accuracy, "
                "pinpoint paragraphs, subsequent treatment (overruled, doubted, distinguished).",
                "Marked-up table of all authorities with a clear flag on any that are no longer good law.",
                _DOC,
                (2, 5),
            ),
            (
                "Expert background check: {expert}",
                "Prior appearances, reported judicial criticism, publications and possible conflicts of "
                "{expert}, proposed for {matter}.",
                "Sourced summary of every reported judgment mentioning the expert; conflicts flagged.",
                _R,
                (3, 6),
            ),
            (
                "Research note: recoverability of wasted costs in {matter}",
                "Research the principles on wasted-costs orders and indemnity costs relevant to {matter}, "
                "including the Court of Appeal guidance since 2020.",
                "Research note of at most 4 pages with authorities; practical recommendations for the team.",
                _R,
                (4, 8),
            ),
        ],
    },
    "contracts": {
        "batch_start": 11,
        "vocab": {
            "portfolio": [
                "Northbank Retail",
                "Calder Logistics",
                "Elmstead Care Homes",
                "Greyfriars Offices",
            ],
            "count": ["24", "18", "31", "12", "27"],
            "counterparty": [
                "Lumen Data Ltd",
                "Crestline Facilities",
                "Arbor Cloud Services",
                "Kestrel Print",
                "Silverline Security",
            ],
        },
        "templates": [
            (
                "Lease abstraction batch {n}: {portfolio} ({count} leases)",
                "Abstract the {count} leases in batch {n} of the {portfolio} portfolio into lease abstract "
                "template v4: parties, term, rent, rent review mechanism, break options and notice periods, "
                "alienation, repair, service charge, guarantor. Flag onerous or unusual provisions.",
                "One abstract per lease, every field sourced to a clause number; onerous provisions listed "
                "on the summary tab.",
                _DOC,
                (10, 20),
            ),
            (
                "Break clause and notice-date tracker update: {portfolio}",
                "Update the critical-dates tracker for {portfolio} with the leases abstracted this month; "
                "compute notice deadlines for every break and rent review in the next 18 months.",
                "Tracker reconciles to the abstracts; no deadline without a clause reference.",
                _AN,
                (3, 6),
            ),
            (
                "Rent review comparison across {portfolio} leases",
                "Compare the rent review mechanisms (open market, RPI/CPI-linked, fixed uplifts, caps and "
                "collars) across the {portfolio} leases and summarise exposure to upward-only reviews.",
                "Comparison table and a one-page summary for the client partner.",
                _AN,
                (6, 10),
            ),
            (
                "Redline NDA from {counterparty} against the firm's playbook",
                "Review the mutual NDA received from {counterparty} against the confidentiality playbook; "
                "redline deviations and draft fallback positions.",
                "Redline plus issues list; every deviation mapped to a playbook position.",
                _DOC,
                (1, 3),
            ),
            (
                "Obligations register: master services agreement with {counterparty}",
                "Extract every obligation, service level, notice and renewal mechanic from the MSA with "
                "{counterparty} (including schedules) into the obligations register.",
                "Register complete against the MSA; owners and due dates filled in.",
                _DOC,
                (4, 8),
            ),
            (
                "Expiry and renewal report: {portfolio}, next quarter",
                "Report on contracts and leases of {portfolio} expiring or renewing next quarter, with the "
                "action needed and the notice deadline for each.",
                "Report in the client template; deadlines checked against the tracker.",
                _REP,
                (3, 5),
            ),
        ],
    },
    "ediscovery": {
        "batch_start": 1,
        "vocab": {
            "custodian": ["J. Calloway (CFO)", "M. Okonjo (Head of Trading)", "S. Whitfield (COO)"],
            "docs": ["2,400", "1,950", "2,800", "3,100"],
        },
        "templates": [
            (
                "First-pass review: custodian {custodian}, batch {n}",
                "Code about {docs} documents of custodian {custodian} for relevance, potential privilege "
                "and the five issue tags in review protocol v2. Escalate hot documents to the supervising "
                "associate within two hours of finding them.",
                "Every document coded; hot documents escalated; coding rationale on borderline calls.",
                _DOC,
                (12, 20),
            ),
            (
                "Privilege log entries for batch {n}",
                "Draft privilege log entries for the documents withheld or redacted in batch {n}, in the "
                "format agreed with the other side.",
                "Log complete; descriptions specific enough to meet CPR 31.19 without revealing privileged "
                "content.",
                _DOC,
                (4, 8),
            ),
            (
                "QC sample of batch {n} first-pass coding",
                "Second-level review of a 10% random sample of batch {n}; measure agreement and list coding "
                "errors by issue tag.",
                "Agreement rate reported; every disagreement explained.",
                _DATA,
                (3, 6),
            ),
            (
                "Search-term hit report and refinement proposal",
                "Run the agreed search terms over the collection, report hits and unique hits per term, and "
                "propose refinements for over-inclusive terms.",
                "Hit report plus proposed refinements with sample false positives.",
                _AN,
                (3, 5),
            ),
        ],
    },
    "legal_market": {
        "batch_start": 1,
        "vocab": {
            "competitor": [
                "Noerr",
                "Gleiss Lutz",
                "CMS",
                "Kinstellar",
                "Schoenherr",
                "Loyens & Loeff",
                "Wolf Theiss",
            ],
            "practice": ["M&A", "banking and finance", "restructuring", "disputes", "real estate"],
            "market": [
                "German mid-market M&A",
                "CEE banking and finance",
                "Benelux restructuring",
                "Austrian real estate",
                "Polish energy transactions",
            ],
            "country": ["Germany", "Austria", "Czech Republic", "Poland", "the Netherlands"],
            "sector": ["automotive suppliers", "DAX 40 companies", "CEE banks", "Dutch pension funds"],
        },
        "templates": [
            (
                "Competitor profile: {competitor} {practice} practice in {country}",
                "Profile the {practice} practice of {competitor} in {country}: partners and headcount, key "
                "clients and mandates of the last 24 months, rankings, recent lateral moves and pricing "
                "signals.",
                "Profile in the board template; every claim sourced (Legal 500, Chambers, press, deal "
                "databases).",
                _R,
                (6, 10),
            ),
            (
                "League-table analysis: {market}, {quarter}",
                "Build league tables for {market} deals announced in {quarter} by value and count; show the "
                "firm's position against the priority competitors.",
                "Tables reconcile to Mergermarket exports; methodology note included.",
                _AN,
                (5, 9),
            ),
            (
                "Lateral-hire tracker update: partner moves in {market}",
                "Update the lateral-hire tracker with partner moves in {market} announced in {month}; note "
                "the practice, origin and destination firm and likely client following.",
                "Tracker updated; each move sourced.",
                _R,
                (2, 4),
            ),
            (
                "Legal panel research: {sector}",
                "Identify the legal panels of {sector}: panel firms, last review date, procurement contacts "
                "and the next tender window.",
                "Table per company with sources; confidence level on each entry.",
                _R,
                (6, 10),
            ),
            (
                "Pricing benchmark: fixed-fee {practice} offerings in {country}",
                "Collect public and reported fixed-fee or capped-fee offerings for {practice} work in "
                "{country} and compare with the firm's rate card.",
                "Benchmark table and a half-page commentary.",
                _R,
                (4, 8),
            ),
        ],
    },
}

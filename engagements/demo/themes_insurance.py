"""Task templates for the insurance engagements: claims, exposure data, benchmarking, Solvency II."""

from engagements.choices import TaskType

_R, _AN, _DOC, _DATA, _REP = (
    TaskType.RESEARCH,
    TaskType.ANALYSIS,
    TaskType.DOCUMENT_REVIEW,
    TaskType.DATA_REVIEW,
    TaskType.REPORT,
)

INSURANCE_THEMES = {
    "claims_analytics": {
        "batch_start": 3,
        "vocab": {
            "line": ["motor", "household", "commercial property", "general liability"],
            "region": ["North Rhine-Westphalia", "Bavaria", "Baden-Württemberg", "Hesse", "Lower Saxony"],
            "count": ["250", "400", "180", "320"],
        },
        "templates": [
            (
                "Claims triangle refresh: {line} paid and incurred, {quarter}",
                "Refresh the paid and incurred development triangles for {line} with the {quarter} extract; "
                "rerun chain-ladder and Bornhuetter-Ferguson and explain movements over 2% against last "
                "quarter.",
                "Triangles reconcile to the general ledger within 0.1%; movement commentary per accident "
                "year.",
                _AN,
                (6, 12),
            ),
            (
                "Large-loss watchlist update: {line}, {quarter}",
                "Update the large-loss watchlist (claims over EUR 250k) for {line}: reserve movements, "
                "litigation status and reinsurance recoveries.",
                "Watchlist in the committee template; every movement explained.",
                _REP,
                (3, 6),
            ),
            (
                "Claims leakage review: {count} closed {line} claims",
                "Review a stratified sample of {count} closed {line} claims for leakage: coverage errors, "
                "missed subrogation, overpayment against the settlement guidelines.",
                "Findings log with estimated leakage per claim; extrapolation method explained.",
                _DATA,
                (8, 16),
            ),
            (
                "Reserve adequacy commentary: {line}, actuarial committee pack",
                "Draft the reserve adequacy commentary for {line} for the actuarial committee, using the "
                "refreshed triangles and the large-loss watchlist.",
                "Two pages, figures tie to the triangles, assumptions stated.",
                _REP,
                (5, 9),
            ),
            (
                "Data quality checks on the {region} claims extract",
                "Run the data quality rule set on the {region} claims extract: missing loss dates, negative "
                "reserves, duplicate claim numbers, inconsistent cause-of-loss codes.",
                "Exception report with counts per rule and a sample of failing records.",
                _DATA,
                (3, 6),
            ),
            (
                "Dashboard: {line} claims frequency and severity trends",
                "Update the Power BI dashboard of {line} claims frequency and severity by region and month, "
                "with inflation-adjusted severity.",
                "Dashboard refreshed; figures reconcile to the triangles.",
                _AN,
                (5, 10),
            ),
        ],
    },
    "cat_exposure": {
        "batch_start": 14,
        "vocab": {
            "region": ["Rhine valley", "Bavaria", "Hamburg port area", "Saxony", "Cologne-Bonn"],
            "peril": ["windstorm", "river flood", "hail", "earthquake"],
            "broker": ["Marsh", "Aon", "Funk", "Ecclesia", "Howden"],
            "count": ["3,800", "5,200", "2,650", "4,400"],
        },
        "templates": [
            (
                "Geocode and cleanse property schedule: {region}, batch {n} ({count} locations)",
                "Geocode the {count} locations of batch {n} ({region}) to street level, standardise "
                "addresses and flag locations geocoded only to postcode centroid.",
                "At least 95% of insured value geocoded to street level; exceptions listed with reasons.",
                _DATA,
                (6, 14),
            ),
            (
                "Construction and occupancy coding: {broker} bordereau, {quarter}",
                "Map the free-text construction and occupancy descriptions in the {broker} bordereau for "
                "{quarter} to RMS and Verisk codes; list unmappable entries.",
                "Every row coded or listed as an exception; mapping table updated.",
                _DATA,
                (5, 10),
            ),
            (
                "Accumulation report: {peril} exposure by CRESTA zone",
                "Aggregate total insured value by CRESTA zone for {peril}-exposed locations, and show the "
                "top 20 accumulations against the reinsurance programme limits.",
                "Report reconciles to the cleansed schedule.",
                _AN,
                (4, 8),
            ),
            (
                "Reconcile exposure data to the policy system, {quarter}",
                "Reconcile location-level sums insured to the policy administration system for {quarter}; "
                "explain differences over EUR 50k.",
                "Reconciliation with every material difference explained.",
                _DATA,
                (6, 12),
            ),
            (
                "Missing-attribute report and broker queries: {broker}",
                "List locations from {broker} missing year built, number of storeys or sprinkler status, "
                "and draft the queries back to the broker.",
                "Query list ready to send; counts per missing attribute.",
                _REP,
                (2, 5),
            ),
        ],
    },
    "insurer_benchmark": {
        "batch_start": 1,
        "vocab": {
            "peer": [
                "Talanx",
                "Helvetia",
                "Baloise",
                "Vienna Insurance Group",
                "Mapfre",
                "Ageas",
                "Unipol",
                "Storebrand",
            ],
            "region": ["DACH", "Southern Europe", "Benelux and Nordics"],
        },
        "templates": [
            (
                "Comparable company analysis for mid-cap insurers ({region})",
                "Trading comparables for listed mid-cap P&C insurers in {region}: P/E, P/B, dividend yield, "
                "combined ratio and Solvency II ratio, with consensus estimates.",
                "Comps table with sources and dates; outliers explained.",
                _AN,
                (8, 14),
            ),
            (
                "Combined-ratio bridge: {peer}, FY{year}",
                "Bridge {peer}'s FY{year} combined ratio to the prior year: attritional losses, large "
                "losses, nat cat, prior-year development, expense ratio.",
                "Bridge reconciles to the annual report; page references for each figure.",
                _AN,
                (4, 8),
            ),
            (
                "Solvency and capital structure comparison: {peer} against peers",
                "Compare {peer}'s Solvency II ratio, tiering of own funds, leverage and rating against the "
                "peer group, from the latest SFCRs.",
                "Comparison table with SFCR page references.",
                _AN,
                (5, 8),
            ),
            (
                "Summary of the {peer} investor day",
                "Summarise the targets and guidance from {peer}'s latest investor day and how they compare "
                "with consensus.",
                "Two-page summary with slide references.",
                _REP,
                (3, 5),
            ),
            (
                "Reserve development disclosures: {peer} SFCR {year}",
                "Extract the reserve development (run-off) disclosures from {peer}'s SFCR {year} and "
                "compute the prior-year release as a share of net earned premium.",
                "Figures tie to the SFCR; method stated.",
                _R,
                (4, 7),
            ),
        ],
    },
    "solvency": {
        "batch_start": 1,
        "vocab": {
            "qrt": [
                "S.02.01 balance sheet",
                "S.05.01 premiums, claims and expenses",
                "S.06.02 list of assets",
                "S.17.01 non-life technical provisions",
                "S.23.01 own funds",
            ],
            "section": [
                "A (business and performance)",
                "C (risk profile)",
                "D (valuation)",
                "E (capital management)",
            ],
        },
        "templates": [
            (
                "QRT data preparation: {qrt}, {quarter}",
                "Prepare the {qrt} template for {quarter} from the ledger and investment extracts; document "
                "every manual adjustment.",
                "Template passes the EIOPA validation rules; adjustments documented.",
                _DATA,
                (6, 12),
            ),
            (
                "Reconcile SFCR section {section} figures to the QRTs",
                "Tick every figure in SFCR section {section} back to the submitted QRTs and list "
                "differences.",
                "Every figure ticked or listed as a difference with an explanation.",
                _DOC,
                (4, 8),
            ),
            (
                "Triage of validation-rule failures, {quarter} submission",
                "Triage the validation-rule failures from the {quarter} test submission: root cause, fix "
                "and owner for each.",
                "Triage log complete; blocking failures resolved or escalated.",
                _AN,
                (3, 6),
            ),
            (
                "Look-through of investment funds, {quarter}",
                "Look through the investment funds held at the end of {quarter} to the underlying assets "
                "for S.06.03, using the fund managers' TPT files.",
                "Look-through complete for 100% of fund value or gaps explained.",
                _DATA,
                (6, 10),
            ),
        ],
    },
    "fraud": {
        "batch_start": 1,
        "vocab": {"region": ["North Rhine-Westphalia", "Berlin-Brandenburg"], "count": ["600", "450"]},
        "templates": [
            (
                "Proof of concept: repairer network analysis of motor claims ({region})",
                "Build the claimant-repairer-witness graph for motor claims in {region} from the "
                "pseudonymised extract and rank clusters by shared entities and claim frequency.",
                "Top 25 clusters with the features that put them there.",
                _AN,
                (12, 20),
            ),
            (
                "Proof of concept: red-flag review of {count} referred motor claims",
                "Apply the SIU red-flag checklist to {count} claims referred in the last 12 months and "
                "compare with the SIU outcomes.",
                "Precision and recall of each red flag against SIU outcomes.",
                _DATA,
                (10, 16),
            ),
            (
                "Data-sharing assessment for the claims extract",
                "Confirm the lawful basis (GDPR Art. 6(1)(f)), pseudonymisation and retention for the "
                "extract before any data leaves Rheinland.",
                "Assessment signed off by the client's DPO.",
                _DOC,
                (3, 5),
            ),
        ],
    },
}

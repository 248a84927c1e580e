"""Task templates for the pharmaceutical engagements: pharmacovigilance, literature, real-world evidence."""

from engagements.choices import TaskType

_R, _AN, _DOC, _DATA, _REP = (
    TaskType.RESEARCH,
    TaskType.ANALYSIS,
    TaskType.DOCUMENT_REVIEW,
    TaskType.DATA_REVIEW,
    TaskType.REPORT,
)

LIFE_SCIENCES_THEMES = {
    "pv_coding": {
        "batch_start": 14,
        "vocab": {
            "product": ["Alpenrix (ALP-204)", "Rosavent (ALP-117)", "Kelvexa (ALP-330)"],
            "source": [
                "spontaneous reports",
                "the patient support programme",
                "literature",
                "clinical trial SAEs",
            ],
            "count": ["85", "120", "64", "140", "97"],
            "study": ["ALP-204-301", "ALP-117-205", "ALP-330-102"],
        },
        "templates": [
            (
                "Adverse event coding review batch {n}",
                "Second-check the MedDRA v27.1 coding (LLT and PT) of {count} adverse events in batch {n} "
                "for {product}, from {source}. Verify seriousness criteria, expectedness against the "
                "current CCDS and the causality fields; record discrepancies in the QC log.",
                "Every event checked; discrepancies logged with the corrected term; expedited cases flagged "
                "within 4 hours.",
                _DATA,
                (6, 12),
            ),
            (
                "ICSR intake and triage: {product}, {source}, batch {n}",
                "Book in and triage the ICSRs received from {source} for {product}: validity (four minimum "
                "criteria), seriousness, day-0 date and duplicates.",
                "Every case triaged with its regulatory clock; invalid reports listed with the missing "
                "criterion.",
                _DATA,
                (5, 10),
            ),
            (
                "Literature screening for ICSRs: {product}, week {week}",
                "Screen the weekly Embase/MEDLINE hits for {product} for reportable ICSRs and "
                "safety-relevant information; record the screening decision per article.",
                "Screening log complete; potential ICSRs booked in within one working day.",
                _R,
                (3, 6),
            ),
            (
                "Duplicate case detection: {product}, {quarter}",
                "Run the duplicate-detection queries over {quarter} cases for {product} and adjudicate "
                "candidate pairs.",
                "Every candidate pair adjudicated with the reason.",
                _DATA,
                (3, 6),
            ),
            (
                "Narratives for serious cases: {product}, batch {n}",
                "Write the case narratives for the serious cases in batch {n} ({product}) following the "
                "narrative template and the CIOMS structure.",
                "Narratives complete, chronological and consistent with the coded data.",
                _REP,
                (6, 10),
            ),
            (
                "Disproportionality table for {product}, {quarter}",
                "Compute PRR and ROR with 95% confidence intervals for {product} against the company safety "
                "database for {quarter}; highlight signals of disproportionate reporting.",
                "Table with method notes; signals highlighted for the safety physician.",
                _AN,
                (4, 8),
            ),
            (
                "SAE reconciliation: study {study}",
                "Reconcile the SAE listings of study {study} in the clinical database with the safety "
                "database; list discrepancies for the study team.",
                "Every SAE matched or listed as a discrepancy with the field that differs.",
                _DATA,
                (5, 9),
            ),
        ],
    },
    "literature": {
        "batch_start": 2,
        "vocab": {
            "topic": [
                "JAK inhibitors in atopic dermatitis",
                "IL-13 blockade and conjunctivitis",
                "biosimilar switching outcomes in psoriasis",
                "persistence of anti-IL-17 therapy",
                "paediatric dosing of dupilumab",
            ],
            "indication": [
                "atopic dermatitis",
                "plaque psoriasis",
                "chronic spontaneous urticaria",
                "hidradenitis suppurativa",
            ],
            "comparator": ["upadacitinib", "abrocitinib", "lebrikizumab", "tralokinumab"],
            "conference": ["EADV 2026", "AAD 2026", "ESDR 2026"],
            "count": ["1,150", "860", "2,300", "540"],
        },
        "templates": [
            (
                "Systematic literature search: {topic} (Embase, MEDLINE)",
                "Design and run a systematic search on {topic} in Embase and MEDLINE (from 2015), with a "
                "PRISMA flow and the full search strings.",
                "Search strings reproducible; PRISMA counts reconcile; deduplicated RIS file delivered.",
                _R,
                (6, 12),
            ),
            (
                "Weekly literature surveillance digest, week {week}",
                "Compile the week {week} surveillance digest for the immunology franchise: new "
                "publications, congress abstracts and regulatory news, each with a two-line so-what.",
                "Digest ready by Monday 10:00 CET; every item linked.",
                _REP,
                (3, 5),
            ),
            (
                "Evidence table: {comparator} against placebo in {indication}",
                "Extract efficacy (EASI-75, IGA 0/1, itch NRS) and safety outcomes from the RCTs of "
                "{comparator} against placebo in {indication}.",
                "Evidence table with double data extraction on primary outcomes.",
                _AN,
                (8, 14),
            ),
            (
                "Screen {count} abstracts against the PICO for {topic}",
                "Title and abstract screening of {count} records against the agreed PICO for {topic}, with "
                "reasons for exclusion.",
                "Every record screened; 10% dual-screened with agreement reported.",
                _DATA,
                (5, 9),
            ),
            (
                "Congress intelligence: {conference} abstracts in {indication}",
                "Review the {conference} abstracts in {indication} and summarise competitor data that "
                "matters for the brand team.",
                "Summary table with abstract numbers; top five items highlighted.",
                _R,
                (4, 8),
            ),
            (
                "Full-text review and data extraction: {topic}, batch {n}",
                "Full-text review of batch {n} of the included studies on {topic}; extract the agreed "
                "variables.",
                "Extraction form complete for each study; exclusions justified.",
                _DATA,
                (6, 12),
            ),
        ],
    },
    "rwe": {
        "batch_start": 1,
        "vocab": {
            "database": ["CPRD GOLD", "IQVIA Disease Analyzer (Germany)", "the French SNDS sample"],
            "indication": ["moderate-to-severe atopic dermatitis", "atopic dermatitis in adolescents"],
        },
        "templates": [
            (
                "Feasibility counts: {indication} in {database}",
                "Estimate patient counts for {indication} in {database} by treatment line and year, with "
                "the inclusion and exclusion criteria of the draft synopsis.",
                "Counts with the exact criteria used; small cells suppressed.",
                _AN,
                (6, 10),
            ),
            (
                "Protocol synopsis: treatment patterns in {indication}",
                "Draft the protocol synopsis for a retrospective treatment-patterns study in {indication}: "
                "objectives, design, population, variables and analysis plan.",
                "Synopsis in the ENCePP template, ready for the scientific advisory board.",
                _REP,
                (8, 14),
            ),
            (
                "Code list development: {indication} (ICD-10, Read, SNOMED)",
                "Develop and document the code lists identifying {indication} and systemic treatments, with "
                "clinical review of borderline codes.",
                "Code lists with the search terms used and the clinical reviewer's decisions.",
                _DATA,
                (5, 9),
            ),
            (
                "Variable availability assessment: {database}",
                "Assess availability and completeness of severity measures (EASI, IGA), treatment and "
                "outcome variables in {database}.",
                "Completeness table per variable and year.",
                _AN,
                (4, 8),
            ),
        ],
    },
}

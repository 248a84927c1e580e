"""Demo data: service lines, clients and providers (sites, certifications, rates, teams, calendars).

Plain data only; `world.py` turns it into rows. Day offsets are relative to the seeding "now"
(negative = in the past).
"""

from providers.choices import CertificationStandard, StaffRole

SERVICE_LINES = [
    (
        "financial-analysis",
        "Financial analysis and research",
        "Company and peer analysis, financial models, investment and regulatory reporting support.",
    ),
    (
        "legal-research",
        "Legal research and document review",
        "Case-law and statutory research, litigation support, disclosure and document review.",
    ),
    (
        "contract-management",
        "Contract management",
        "Contract abstraction, obligations tracking, playbook redlines and renewal management.",
    ),
    (
        "medical-data-review",
        "Medical data review",
        "Pharmacovigilance case processing, MedDRA coding, clinical and real-world data review.",
    ),
    (
        "market-research",
        "Market and competitor research",
        "Competitor profiles, market sizing, league tables and customer insight.",
    ),
    (
        "analytics",
        "Analytics and data management",
        "Data cleansing and enrichment, dashboards, statistical and actuarial analysis.",
    ),
    (
        "rnd-support",
        "R&D support",
        "Systematic literature searches, evidence tables, scientific and competitive intelligence.",
    ),
]

CLIENTS = {
    "hartwell": {
        "name": "Hartwell & Pryce LLP",
        "industry": "Legal services (international law firm)",
        "country": "GB",
        "time_zone": "Europe/London",
        "in_house_hourly_cost": "145.00",
        "currency": "GBP",
        "contacts": [
            (
                "Richard Ashworth",
                "richard.ashworth@hartwellpryce.example",
                "Head of Knowledge and Innovation",
                "+44 20 7946 0321",
            ),
            (
                "Fiona Gallagher",
                "fiona.gallagher@hartwellpryce.example",
                "Director of Legal Operations",
                "+44 20 7946 0388",
            ),
            ("Simon Okeke", "simon.okeke@hartwellpryce.example", "Procurement Manager", "+44 20 7946 0415"),
        ],
    },
    "rheinland": {
        "name": "Rheinland Versicherung AG",
        "industry": "Insurance (property and casualty)",
        "country": "DE",
        "time_zone": "Europe/Berlin",
        "in_house_hourly_cost": "118.00",
        "currency": "EUR",
        "contacts": [
            (
                "Dr. Sabine Krüger",
                "sabine.krueger@rheinland-vers.example",
                "Chief Actuary",
                "+49 221 555 0140",
            ),
            (
                "Thomas Becker",
                "thomas.becker@rheinland-vers.example",
                "Head of Claims Analytics",
                "+49 221 555 0162",
            ),
        ],
    },
    "alpenrose": {
        "name": "Alpenrose Pharma AG",
        "industry": "Pharmaceuticals",
        "country": "CH",
        "time_zone": "Europe/Zurich",
        "in_house_hourly_cost": "185.00",
        "currency": "CHF",
        "contacts": [
            (
                "Dr. Reto Schmid",
                "reto.schmid@alpenrose-pharma.example",
                "Head of Drug Safety (QPPV deputy)",
                "+41 61 555 2210",
            ),
            (
                "Isabelle Favre",
                "isabelle.favre@alpenrose-pharma.example",
                "Medical Affairs Director",
                "+41 61 555 2274",
            ),
        ],
    },
}

# Business weeks in minutes after local midnight.
_MON_FRI = range(5)
INDIA_WEEK = {day: [(9 * 60 + 30, 18 * 60 + 30)] for day in _MON_FRI}
MANILA_WEEK = {day: [(8 * 60, 12 * 60), (13 * 60, 17 * 60)] for day in _MON_FRI}
EUROPE_WEEK = {day: [(9 * 60, 17 * 60)] for day in _MON_FRI}
CLIENT_WEEK = {day: [(8 * 60 + 30, 18 * 60)] for day in _MON_FRI}

_ISO, _SOC2, _HIPAA, _GDPR, _ISO9001 = (
    CertificationStandard.ISO_27001,
    CertificationStandard.SOC_2,
    CertificationStandard.HIPAA,
    CertificationStandard.GDPR,
    CertificationStandard.ISO_9001,
)
_A, _SA, _SME, _DM = StaffRole.ANALYST, StaffRole.SENIOR_ANALYST, StaffRole.SME, StaffRole.DELIVERY_MANAGER

PROVIDERS = {
    "vidya": {
        "name": "Vidya Knowledge Services Pvt. Ltd.",
        "country": "IN",
        "time_zone": "Asia/Kolkata",
        "languages": "English, Hindi, Tamil, Kannada",
        "headcount": 1250,
        "website": "https://vidya-ks.example",
        "description": "Legal, financial and analytics KPO with delivery centres in Bengaluru, Pune and "
        "Chennai; a dedicated legal process team of 220 qualified lawyers.",
        "service_lines": [
            "legal-research",
            "contract-management",
            "financial-analysis",
            "analytics",
            "market-research",
        ],
        "sites": [("Bengaluru", "IN", 720), ("Pune", "IN", 340), ("Chennai", "IN", 190)],
        # (standard, certificate number, issued days offset, expires days offset)
        "certifications": [
            (_ISO, "IS 712044", -700, 395),
            (_SOC2, "SOC2-VKS-2025", -340, 25),  # expiring soon: the renewal audit is booked
            (_GDPR, "EU-DPF-VKS-0193", -400, 330),
            (_ISO9001, "FS 661203", -900, 195),
        ],
        "rate_card": ("Standard rates", "USD", {_A: "28.00", _SA: "38.00", _SME: "55.00", _DM: "48.00"}),
        "team": [
            (
                "Arjun Mehta",
                _A,
                "Case-law research, US state law, Westlaw, Lexis, legal drafting",
                "English, Hindi",
            ),
            (
                "Kavya Iyer",
                _SA,
                "English commercial litigation, OSCOLA citation, contract law",
                "English, Tamil",
            ),
            (
                "Sneha Kulkarni",
                _SME,
                "LLM (Cambridge), disputes and arbitration, disclosure review",
                "English, Marathi",
            ),
            (
                "Rohan Deshpande",
                _A,
                "Lease abstraction, commercial property, Kira, contract analytics",
                "English, Marathi, Hindi",
            ),
            (
                "Vikram Nair",
                _SA,
                "Actuarial analysis, claims reserving, Solvency II, Excel/VBA",
                "English, Malayalam",
            ),
            ("Ananya Bose", _A, "SQL, Python, Power BI, claims data quality", "English, Bengali"),
            (
                "Priya Raghavan",
                _DM,
                "Delivery management, ISO 27001 controls, client governance",
                "English, Tamil",
            ),
        ],
        "calendar": {
            "name": "Vidya Bengaluru – Mon-Fri 09:30-18:30 IST",
            "holiday_country": "IN",
            "week": INDIA_WEEK,
            # (kind, days offset, note): closed days move to a weekday, extra working days to a Saturday.
            "exceptions": [
                ("closed", -52, "Company foundation day"),
                ("extra_working", -24, "Working Saturday: quarter-end delivery push"),
                ("closed", 38, "Office move: Bengaluru campus"),
            ],
        },
    },
    "pacific": {
        "name": "Pacific Insight Analytics Inc.",
        "country": "PH",
        "time_zone": "Asia/Manila",
        "languages": "English, Filipino",
        "headcount": 640,
        "website": "https://pacific-insight.example",
        "description": "Healthcare and insurance data specialists in Makati and Cebu: pharmacovigilance "
        "case processing by licensed nurses and physicians, and exposure data management for insurers.",
        "service_lines": ["medical-data-review", "analytics", "market-research", "contract-management"],
        "sites": [("Makati City", "PH", 450), ("Cebu City", "PH", 190)],
        "certifications": [
            (_ISO, "IS 733190", -500, 595),
            (_SOC2, "SOC2-PIA-2025", -200, 165),
            (_HIPAA, "HIPAA-ATT-PIA-24", -330, 40),  # expiring soon
            (_GDPR, "EU-SCC-PIA-0071", -260, 470),
        ],
        "rate_card": ("Standard rates", "USD", {_A: "24.00", _SA: "32.00", _SME: "48.00", _DM: "42.00"}),
        "team": [
            (
                "Dr. Carmela Reyes",
                _SME,
                "Physician, MedDRA, causality assessment, signal detection",
                "English, Filipino",
            ),
            (
                "Bea Lim",
                _A,
                "Registered nurse, MedDRA coding, ICSR case processing, Argus Safety",
                "English, Filipino, Hokkien",
            ),
            (
                "Kristine dela Cruz",
                _SA,
                "Pharmacovigilance, E2B(R3), literature screening, narratives",
                "English, Filipino",
            ),
            (
                "Paolo Mendoza",
                _SA,
                "Exposure data management, geocoding, ArcGIS, RMS and Verisk formats",
                "English, Filipino",
            ),
            (
                "Miguel Tan",
                _A,
                "SQL, Python, address standardisation, data reconciliation",
                "English, Filipino",
            ),
            (
                "Andrea Villanueva",
                _DM,
                "Delivery management, HIPAA compliance, workforce planning",
                "English, Filipino",
            ),
        ],
        "calendar": {
            "name": "Pacific Makati – Mon-Fri 08:00-12:00, 13:00-17:00 PHT",
            "holiday_country": "PH",
            "week": MANILA_WEEK,
            "exceptions": [
                ("closed", -75, "Typhoon suspension of work (Makati LGU advisory)"),
                ("extra_working", -31, "Working Saturday: make-up day after typhoon closure"),
            ],
        },
    },
    "vltava": {
        "name": "Vltava Research s.r.o.",
        "country": "CZ",
        "time_zone": "Europe/Prague",
        "languages": "Czech, English, German, Slovak",
        "headcount": 175,
        "website": "https://vltava-research.example",
        "description": "Nearshore financial and market research for European banks, insurers and law firms, "
        "from Prague and Brno; German-speaking analyst teams.",
        "service_lines": ["financial-analysis", "market-research", "analytics", "rnd-support"],
        "sites": [("Prague", "CZ", 120), ("Brno", "CZ", 55)],
        "certifications": [
            (_ISO, "CZ-ISMS-0457", -1100, -12),  # expired twelve days ago: recertification pending
            (_GDPR, "UOOU-REG-2291", -600, 500),
            (_ISO9001, "CZ-QMS-1190", -420, 310),
        ],
        "rate_card": (
            "Standardní sazby 2026",
            "EUR",
            {_A: "42.00", _SA: "55.00", _SME: "75.00", _DM: "65.00"},
        ),
        "team": [
            (
                "Petra Svobodová",
                _SA,
                "Equity research, insurance sector, Solvency II disclosures, German",
                "Czech, English, German",
            ),
            ("Jakub Dvořák", _A, "Financial modelling, Capital IQ, Bloomberg", "Czech, English"),
            (
                "Lucie Černá",
                _A,
                "Market research, legal market intelligence, German",
                "Czech, English, German",
            ),
            (
                "Martin Procházka",
                _SME,
                "Former law-firm BD director, legal market analysis",
                "Czech, English",
            ),
            (
                "Eva Horáková",
                _A,
                "Desk research, league tables, Mergermarket, data visualisation",
                "Czech, English, Slovak",
            ),
            ("Tomáš Novák", _DM, "Delivery management, client governance", "Czech, English, German"),
        ],
        "calendar": {
            "name": "Vltava Prague – Mon-Fri 09:00-17:00 CET",
            "holiday_country": "CZ",
            "week": EUROPE_WEEK,
            "exceptions": [
                ("closed", -40, "Company day: team offsite in Český Krumlov"),
            ],
        },
    },
    "liffey": {
        "name": "Liffey Life Sciences Research Ltd",
        "country": "IE",
        "time_zone": "Europe/Dublin",
        "languages": "English, Irish, French",
        "headcount": 230,
        "website": "https://liffey-lsr.example",
        "description": "Scientific literature, evidence synthesis and real-world evidence support for "
        "pharma R&D and medical affairs; PhD-led teams in Dublin and Cork.",
        "service_lines": ["rnd-support", "medical-data-review", "market-research"],
        "sites": [("Dublin", "IE", 160), ("Cork", "IE", 70)],
        "certifications": [
            (_ISO, "IE-27001-8823", -300, 795),
            (_HIPAA, "HIPAA-ATT-LLSR-25", -150, 215),
            (_GDPR, "DPC-REG-LLSR-114", -500, 230),
        ],
        "rate_card": ("Standard rates", "EUR", {_A: "55.00", _SA: "70.00", _SME: "95.00", _DM: "80.00"}),
        "team": [
            ("Dr. Ciarán O'Sullivan", _SME, "Epidemiology, RWE study design, CPRD, SAS", "English, Irish"),
            ("Niamh Kelly", _SA, "Systematic reviews, PRISMA, Cochrane methods, evidence tables", "English"),
            (
                "Seán Murphy",
                _A,
                "Literature searching, Embase, MEDLINE, search strategy design",
                "English, Irish",
            ),
            ("Róisín Walsh", _A, "Medical writing, literature surveillance digests", "English, French"),
            ("Declan Brennan", _A, "R, SQL, OMOP CDM, code-list development", "English"),
            ("Aoife Byrne", _DM, "Delivery management, GDPR and HIPAA compliance", "English, Irish"),
        ],
        "calendar": {
            "name": "Liffey Dublin – Mon-Fri 09:00-17:00 IST/GMT",
            "holiday_country": "IE",
            "week": EUROPE_WEEK,
            "exceptions": [
                ("closed", -66, "Office closed: building power works"),
                ("closed", 31, "Company wellbeing day"),
            ],
        },
    },
}

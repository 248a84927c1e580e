"""The French interface: a complete, compiled catalogue, pages that read in French, numbers and dates
written the French way, and a cheap guard that every literal marked in a template or in Python code has
its translation (so a page that adds text without translating it fails here, not in front of a user)."""

import ast
import gettext
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from engagements.models import TimeEntry
from sla.choices import Kpi, KpiStatus, PeriodKind
from sla.models import KpiSnapshot

BASE = Path(settings.BASE_DIR)
PO_PATH = BASE / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
SKIPPED_DIRS = {".venv", "tests", "bench", "staticfiles", "media", "node_modules", "migrations", "locale"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A French page leaves French active in the test thread (the profile-language middleware activates
    it and nothing deactivates it): give later tests, e.g. ones checking English messages, the default."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- a minimal .po reader (polib is not a dependency) ---------------------------------------------


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[dict]:
    """Entries as dicts: msgctxt, msgid, msgid_plural, msgstr (str) or msgstr_plural ({n: str}), flags."""
    entries, entry, field = [], None, None

    def flush():
        if entry is not None and ("msgid" in entry):
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            entry, field = None, None
            continue
        if line.startswith("#~"):
            raise AssertionError(f"obsolete entry left in the catalogue: {line}")
        if entry is None:
            entry = {"flags": set(), "msgstr_plural": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr\[(\d+)\]|msgstr)\s+(\".*\")$", line)
        if match:
            keyword, index, value = match.groups()
            if index is not None:
                field = ("msgstr_plural", int(index))
                entry["msgstr_plural"][int(index)] = _unquote(value)
            else:
                field = keyword
                entry[keyword] = _unquote(value)
            continue
        assert line.startswith('"'), f"unreadable line in {path.name}: {raw!r}"
        if isinstance(field, tuple):
            entry["msgstr_plural"][field[1]] += _unquote(line)
        else:
            entry[field] += _unquote(line)
    flush()
    return entries


@pytest.fixture(scope="module")
def catalogue():
    entries = parse_po(PO_PATH)
    header = next(e for e in entries if e["msgid"] == "" and "msgctxt" not in e)
    messages = [e for e in entries if e is not header]
    return header, messages


def _key(entry):
    return entry.get("msgctxt"), entry["msgid"]


@pytest.fixture(scope="module")
def translated(catalogue):
    """(context, msgid) -> the French text (the singular form for plurals)."""
    _header, messages = catalogue
    table = {}
    for e in messages:
        table[_key(e)] = e["msgstr_plural"].get(0, "") if "msgid_plural" in e else e.get("msgstr", "")
    return table


# --- the catalogue -------------------------------------------------------------------------------


def test_catalogue_header_declares_french_plurals(catalogue):
    header, _messages = catalogue
    assert "fuzzy" not in header["flags"]
    assert "Language: fr\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in header["msgstr"]
    assert "charset=UTF-8" in header["msgstr"]


def test_every_message_is_translated_and_none_is_fuzzy(catalogue):
    _header, messages = catalogue
    assert len(messages) > 900  # the whole interface, not a sample
    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    empty = [
        e["msgid"]
        for e in messages
        if (
            "msgid_plural" in e
            and (set(e["msgstr_plural"]) != {0, 1} or not all(e["msgstr_plural"].values()))
        )
        or ("msgid_plural" not in e and not e.get("msgstr"))
    ]
    assert fuzzy == [], f"fuzzy entries: {fuzzy[:10]}"
    assert empty == [], f"untranslated entries: {empty[:10]}"


def test_translations_keep_their_placeholders(catalogue):
    """A translation names exactly the placeholders of its English text (a plural's singular form may
    leave the count implicit, e.g. "Dernier élément")."""
    _header, messages = catalogue
    wrong = []
    for e in messages:
        if "msgid_plural" in e:
            english = set(PLACEHOLDER.findall(e["msgid"])) | set(PLACEHOLDER.findall(e["msgid_plural"]))
            if set(PLACEHOLDER.findall(e["msgstr_plural"][1])) != set(PLACEHOLDER.findall(e["msgid_plural"])):
                wrong.append(e["msgid_plural"])
            if not set(PLACEHOLDER.findall(e["msgstr_plural"][0])) <= english:
                wrong.append(e["msgid"])
        elif "python-format" in e["flags"] and set(PLACEHOLDER.findall(e["msgstr"])) != set(
            PLACEHOLDER.findall(e["msgid"])
        ):
            wrong.append(e["msgid"])
    assert wrong == []


def test_the_compiled_catalogue_matches_the_po_file(catalogue):
    """The .mo is committed (no gettext needed to run the app) and was compiled from this very .po:
    every message reads the same in both, and nothing in the .mo is missing from the .po."""
    _header, messages = catalogue
    with MO_PATH.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)._catalog
    expected = {}
    for e in messages:
        msgid = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            for n, text in e["msgstr_plural"].items():
                expected[(msgid, n)] = text
        else:
            expected[msgid] = e["msgstr"]
    compiled = {k: v for k, v in compiled.items() if k != ""}
    stale = sorted(str(k) for k in set(expected) ^ set(compiled))
    differing = sorted(str(k) for k in set(expected) & set(compiled) if expected[k] != compiled[k])
    assert stale == [] and differing == [], "run `manage.py compilemessages -l fr`"


# --- every marked literal has its translation -----------------------------------------------------

TRANSLATE_TAG = re.compile(
    r"""{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<msgid>.*?)(?P=q)(?:\s+context\s+(?P<cq>["'])(?P<ctx>.*?)(?P=cq))?"""
)
UNDERSCORE_LITERAL = re.compile(r"""\b_\((?P<q>["'])(?P<msgid>.*?)(?P=q)\)""")
BLOCK_TAG = re.compile(
    r"{%\s*blocktrans(?:late)?\b(?P<args>.*?)%}(?P<body>.*?){%\s*endblocktrans(?:late)?\s*%}", re.S
)
COUNT_VAR = re.compile(r"\bcount\s+(\w+)\s*=|\bcount\s+\S+\s+as\s+(\w+)")


def _template_files():
    return sorted(p for p in (BASE / "templates").rglob("*.html") if "vendor" not in p.parts)


def _block_msgid(text: str, trimmed: bool) -> str:
    text = text.replace("%", "%%")
    text = re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", text)
    if trimmed:
        text = " ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return text


def _template_literals():
    """(file, context, msgid, msgid_plural) for every translatable literal in the templates."""
    found = []
    for path in _template_files():
        source = path.read_text(encoding="utf-8")
        name = str(path.relative_to(BASE))
        for m in TRANSLATE_TAG.finditer(source):
            found.append((name, m.group("ctx"), m.group("msgid"), None))
        for m in UNDERSCORE_LITERAL.finditer(source):
            found.append((name, None, m.group("msgid"), None))
        for m in BLOCK_TAG.finditer(source):
            args, body = m.group("args"), m.group("body")
            trimmed = re.search(r"\btrimmed\b", args) is not None
            ctx = re.search(r"""\bcontext\s+["'](.*?)["']""", args)
            parts = re.split(r"{%\s*plural\s*%}", body)
            singular = _block_msgid(parts[0], trimmed)
            plural = _block_msgid(parts[1], trimmed) if len(parts) > 1 else None
            found.append((name, ctx.group(1) if ctx else None, singular, plural))
    return found


def test_every_template_literal_has_a_french_translation(translated):
    literals = _template_literals()
    assert len(literals) > 500  # the regexes do find the interface's text
    missing = sorted(
        {f"{name}: {msgid!r}" for name, ctx, msgid, _plural in literals if not translated.get((ctx, msgid))}
    )
    assert missing == [], "run makemessages -l fr and translate:\n" + "\n".join(missing)


GETTEXT_FUNCTIONS = {
    "_": 0,
    "gettext": 0,
    "gettext_lazy": 0,
    "ngettext": 0,
    "ngettext_lazy": 0,
    "pgettext": 1,
    "pgettext_lazy": 1,
    "npgettext": 1,
    "npgettext_lazy": 1,
}


def _python_files():
    for path in sorted(BASE.rglob("*.py")):
        relative = path.relative_to(BASE)
        if SKIPPED_DIRS & set(relative.parts[:-1]) or relative.parts[0] in SKIPPED_DIRS:
            continue
        yield path


def _python_literals():
    found = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if func not in GETTEXT_FUNCTIONS:
                continue
            position = GETTEXT_FUNCTIONS[func]
            args = node.args
            if len(args) <= position or not all(
                isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args[: position + 1]
            ):
                continue
            ctx = args[0].value if position == 1 else None
            found.append((f"{path.relative_to(BASE)}:{node.lineno}", ctx, args[position].value))
    return found


def test_every_python_literal_has_a_french_translation(translated):
    literals = _python_literals()
    assert len(literals) > 400
    missing = sorted(
        f"{where}: {msgid!r}" for where, ctx, msgid in literals if not translated.get((ctx, msgid))
    )
    assert missing == [], "run makemessages -l fr and translate:\n" + "\n".join(missing)


# --- pages in French ------------------------------------------------------------------------------


def _in_french(client, user):
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "fr", "next": reverse("home")})
    assert response.status_code == 302 and response.cookies["django_language"].value == "fr"
    return client


def _get(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.content.decode()
    assert '<html lang="fr">' in body, url
    return body


# English phrases that the chrome of every page carries: none may remain once French is chosen.
LAYOUT_ENGLISH = ("Skip to content", "Task board", "Log out", "Account menu", "Times shown in", "Dashboard")
LAYOUT_FRENCH = ("Aller au contenu", "Tableau des tâches", "Se déconnecter", "Menu du compte", "Missions")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "page", "french", "english"),
    [
        (
            "client_staff",
            "home",
            ("Bienvenue", "Tâches ouvertes", "Compteurs à risque", "Dernières notifications"),
            ("Welcome", "Open tasks", "Clocks at risk", "Latest notifications", "You are all caught up"),
        ),
        (
            "provider_manager",
            "home",
            ("Les plus proches du dépassement", "Charge de l’équipe", "Compteur SLA"),
            ("Closest to breaching", "Team workload", "SLA clock", "Unassigned"),
        ),
        (
            "client_staff",
            "engagement_list",
            ("Recherche et filtres", "Tous les statuts", "Santé SLA", "Mission"),
            ("Search and filters", "Any status", "SLA health", "Apply", "Awaiting review"),
        ),
        (
            "client_staff",
            "engagement_detail",
            ("Conformité SLA", "Dépenses par rapport au budget", "Objectifs SLA", "Périmètre", "Dépensé"),
            ("SLA compliance", "Spend against budget", "SLA targets", "Expected outcomes", "Post comment"),
        ),
        (
            "provider_manager",
            "board",
            ("Filtres", "Toutes les priorités", "Prête", "Passer la sélection à"),
            ("Filters", "Any priority", "Apply to selected", "Bulk status change", "Move selected to"),
        ),
        (
            "provider_manager",
            "task_detail",
            (
                "Cahier des charges",
                "Critères d’acceptation",
                "Changer le statut",
                "Livrables",
                "Compteurs SLA",
            ),
            ("Specification", "Acceptance criteria", "Change status", "Deliverables", "Assignee:"),
        ),
        (
            "client_staff",
            "compliance",
            ("KPI par mois", "Numérateur", "Échantillonnage qualité", "Respect des délais de résolution"),
            ("KPIs by month", "Numerator", "Quality sampling", "Resolution compliance"),
        ),
        (
            "client_staff",
            "profile",
            ("Votre compte", "Fuseau horaire et langue", "Enregistrer les préférences", "Jeton d’API"),
            ("Your account", "Save preferences", "API token", "Create token"),
        ),
        (
            "client_staff",
            "notifications",
            ("Tout marquer comme lu", "Aucune notification."),
            ("Mark all as read", "No notifications.", "newest first"),
        ),
        (
            "consultant_analyst",
            "reports",
            ("Rapports de recommandations", "Nouveau rapport", "Rapports visibles"),
            ("Recommendation reports", "New report", "Reports you can see"),
        ),
    ],
)
def test_pages_read_in_french(world, client, personas, persona, page, french, english):
    engagement, task = world.engagement_ap, world.task_ap_ready
    urls = {
        "home": reverse("home"),
        "engagement_list": reverse("engagements:list"),
        "engagement_detail": reverse("engagements:detail", args=[engagement.pk]),
        "board": reverse("engagements:board"),
        "task_detail": reverse("engagements:task-detail", args=[task.pk]),
        "compliance": reverse("sla:compliance", args=[engagement.pk]),
        "profile": reverse("profile"),
        "notifications": reverse("events:notifications"),
        "reports": reverse("reports:list"),
    }
    if page == "compliance":
        _kpi_snapshot(engagement, Kpi.RESOLUTION_COMPLIANCE, Decimal("0.875"))
    body = _get(_in_french(client, personas[persona]), urls[page])
    for text in (*french, *LAYOUT_FRENCH):
        assert text in body, f"{page}: {text!r} missing"
    for text in (*english, *LAYOUT_ENGLISH):
        assert text not in body, f"{page}: {text!r} left in English"


@pytest.mark.django_db
def test_the_language_saved_on_the_profile_is_used_without_a_cookie(world, client, personas):
    """The profile's language is activated by the middleware when the browser sent no language cookie."""
    user = personas["client_staff"]
    user.language = "fr"
    user.save(update_fields=["language"])
    client.force_login(user)
    body = _get(client, reverse("engagements:list"))
    assert "Recherche et filtres" in body and "Search and filters" not in body


@pytest.mark.django_db
def test_english_stays_the_default(world, client, personas):
    client.force_login(personas["client_staff"])
    body = client.get(reverse("engagements:list")).content.decode()
    assert '<html lang="en">' in body and "Search and filters" in body and "Recherche et filtres" not in body


@pytest.mark.django_db
def test_a_refusal_from_a_service_reads_in_french(world, client, personas):
    """Messages raised by the services (here an illegal move) reach the page in the viewer's language."""
    task = world.task_ap_ready
    _in_french(client, personas["provider_manager"])
    response = client.post(
        reverse("engagements:task-transition", args=[task.pk]),
        {"to": "accepted", "version": task.version},
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "cannot go from" not in body and "Allowed next" not in body
    assert "Une tâche ne peut pas passer de «\u00a0Prête\u00a0» à «\u00a0Acceptée\u00a0»" in body


# --- numbers, money and dates the French way --------------------------------------------------------


def _kpi_snapshot(engagement, kpi, value):
    return KpiSnapshot.objects.create(
        engagement=engagement,
        sla=engagement.sla,
        kpi=kpi,
        period_kind=PeriodKind.MONTH,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 11, 1),
        numerator=value * 8,
        denominator=Decimal(8),
        value=value,
        target=Decimal("0.95"),
        status=KpiStatus.BREACHED if value < Decimal("0.95") else KpiStatus.MET,
        currency=engagement.currency,
    )


@pytest.mark.django_db
def test_engagement_page_formats_money_percentages_and_dates_in_french(world, client, personas):
    engagement = world.engagement_ap
    _kpi_snapshot(engagement, Kpi.RESOLUTION_COMPLIANCE, Decimal("0.875"))
    TimeEntry.objects.create(
        task=world.task_ap_ready,
        team_member=world.analyst_member,
        work_date=date(2026, 10, 5),
        hours=Decimal("10.5"),
        hourly_rate=Decimal("40.00"),
        currency="EUR",
    )
    body = _get(
        _in_french(client, personas["client_staff"]), reverse("engagements:detail", args=[engagement.pk])
    )
    assert "420,00\u00a0EUR" in body and "420.00" not in body  # decimal comma
    assert "10,5\u00a0h" in body or "10,5 h" in body  # effort logged
    # The on-time KPI tile: a decimal comma and a (non-breaking) space before the percent sign.
    assert '<p class="stat__value">87,5\u00a0%</p>' in body
    assert "octobre 2026" in body  # the KPI's month, named in French
    with translation.override("fr"):
        start = formats.date_format(engagement.start_date, "j F Y")
    assert start in body
    if engagement.budget and engagement.budget >= 1000:
        with translation.override("fr"):
            budget = formats.number_format(
                engagement.budget, decimal_pos=2, use_l10n=True, force_grouping=True
            )
        assert "\u00a0" in budget and f"{budget}\u00a0EUR" in body  # 120 000,00 EUR: grouped with a space

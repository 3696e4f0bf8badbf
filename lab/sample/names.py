"""Word pools for the sample organisation: names, titles, subjects, sentences and places.

Several scripts and accents are mixed on purpose, so that every reader and writer of the
migration meets non-ASCII text in names, folders, headers, calendars and contacts.
"""

from __future__ import annotations

from typing import NamedTuple


class GivenName(NamedTuple):
    """A given name, its ASCII form for user ids and mail addresses, and its gender."""

    name: str
    ascii: str
    female: bool


class Surname(NamedTuple):
    """A surname in its masculine and feminine forms (they differ in Russian) and in ASCII."""

    male: str
    female: str
    ascii_male: str
    ascii_female: str


class Locale(NamedTuple):
    """The names of one language, and whether its display names put the family name first."""

    code: str
    given: tuple[GivenName, ...]
    surnames: tuple[Surname, ...]
    family_first: bool
    weight: int


def _given(*entries: tuple[str, str, str]) -> tuple[GivenName, ...]:
    """Build given names from (name, ascii, "f" or "m") triples."""
    return tuple(GivenName(name, ascii_, gender == "f") for name, ascii_, gender in entries)


def _same(*entries: tuple[str, str]) -> tuple[Surname, ...]:
    """Build surnames whose feminine form is the masculine one."""
    return tuple(Surname(name, name, ascii_, ascii_) for name, ascii_ in entries)


LOCALES: tuple[Locale, ...] = (
    Locale(
        "it",
        _given(
            ("Marco", "marco", "m"),
            ("Giulia", "giulia", "f"),
            ("Luca", "luca", "m"),
            ("Francesca", "francesca", "f"),
            ("Paolo", "paolo", "m"),
            ("Chiara", "chiara", "f"),
            ("Andrea", "andrea", "m"),
            ("Sara", "sara", "f"),
            ("Niccolò", "niccolo", "m"),
            ("Elena", "elena", "f"),
        ),
        _same(
            ("Rossi", "rossi"),
            ("Bianchi", "bianchi"),
            ("Ferrari", "ferrari"),
            ("Romano", "romano"),
            ("Colombo", "colombo"),
            ("Ricci", "ricci"),
            ("Marino", "marino"),
            ("Greco", "greco"),
            ("De Luca", "deluca"),
            ("D'Angelo", "dangelo"),
        ),
        family_first=False,
        weight=30,
    ),
    Locale(
        "fr",
        _given(
            ("Hélène", "helene", "f"),
            ("François", "francois", "m"),
            ("Élodie", "elodie", "f"),
            ("Gaëlle", "gaelle", "f"),
            ("Jérôme", "jerome", "m"),
            ("Céline", "celine", "f"),
            ("Benoît", "benoit", "m"),
            ("Amélie", "amelie", "f"),
            ("Loïc", "loic", "m"),
        ),
        _same(
            ("Lefèvre", "lefevre"),
            ("Dubois", "dubois"),
            ("Bernard", "bernard"),
            ("Moreau", "moreau"),
            ("Girard", "girard"),
            ("Lemaître", "lemaitre"),
            ("Fontaine", "fontaine"),
            ("Mercier", "mercier"),
        ),
        family_first=False,
        weight=15,
    ),
    Locale(
        "de",
        _given(
            ("Björn", "bjorn", "m"),
            ("Käthe", "kathe", "f"),
            ("Günther", "gunther", "m"),
            ("Jörg", "jorg", "m"),
            ("Anja", "anja", "f"),
            ("Sören", "soren", "m"),
            ("Lena", "lena", "f"),
            ("Uta", "uta", "f"),
        ),
        _same(
            ("Schäfer", "schafer"),
            ("Weiß", "weiss"),
            ("Groß", "gross"),
            ("Schröder", "schroder"),
            ("Köhler", "kohler"),
            ("Wagner", "wagner"),
            ("Becker", "becker"),
            ("Krämer", "kramer"),
        ),
        family_first=False,
        weight=15,
    ),
    Locale(
        "en",
        _given(
            ("John", "john", "m"),
            ("Emily", "emily", "f"),
            ("Michael", "michael", "m"),
            ("Sarah", "sarah", "f"),
            ("David", "david", "m"),
            ("Laura", "laura", "f"),
            ("James", "james", "m"),
            ("Olivia", "olivia", "f"),
        ),
        _same(
            ("Smith", "smith"),
            ("Clark", "clark"),
            ("Johnson", "johnson"),
            ("Taylor", "taylor"),
            ("Walker", "walker"),
            ("O'Brien", "obrien"),
            ("Wright", "wright"),
            ("Hughes", "hughes"),
        ),
        family_first=False,
        weight=20,
    ),
    Locale(
        "ru",
        _given(
            ("Дмитрий", "dmitry", "m"),
            ("Ольга", "olga", "f"),
            ("Сергей", "sergey", "m"),
            ("Наталья", "natalya", "f"),
            ("Алексей", "alexey", "m"),
            ("Мария", "maria", "f"),
            ("Иван", "ivan", "m"),
        ),
        (
            Surname("Смирнов", "Смирнова", "smirnov", "smirnova"),
            Surname("Кузнецов", "Кузнецова", "kuznetsov", "kuznetsova"),
            Surname("Попов", "Попова", "popov", "popova"),
            Surname("Соколов", "Соколова", "sokolov", "sokolova"),
            Surname("Лебедев", "Лебедева", "lebedev", "lebedeva"),
            Surname("Новиков", "Новикова", "novikov", "novikova"),
        ),
        family_first=False,
        weight=10,
    ),
    Locale(
        "ja",
        _given(
            ("花子", "hanako", "f"),
            ("一郎", "ichiro", "m"),
            ("陽子", "yoko", "f"),
            ("健", "ken", "m"),
            ("美咲", "misaki", "f"),
        ),
        _same(
            ("佐藤", "sato"),
            ("鈴木", "suzuki"),
            ("高橋", "takahashi"),
            ("田中", "tanaka"),
            ("渡辺", "watanabe"),
        ),
        family_first=True,
        weight=10,
    ),
)

TITLES: tuple[str, ...] = (
    "Account Manager",
    "Software Engineer",
    "Responsabile vendite",
    "Ingénieure logiciel",
    "Projektleiterin",
    "Office Manager",
    "Sales Representative",
    "Сетевой инженер",
    "UX Designer",
    "Chief Financial Officer",
    "Chef de projet",
    "営業部長",
)

# People outside the organisation who write to it: (display name, address).
OUTSIDERS: tuple[tuple[str, str], ...] = (
    ("Mario Verdi", "mario.verdi@partner.example.net"),
    ("Camille Roux", "camille.roux@client.example.com"),
    ("Hans Vogel", "h.vogel@lieferant.example.net"),
    ("Служба поддержки", "support@help.example.net"),
    ("株式会社サンプル", "info@sample.example.com"),
    ("Shop Newsletter", "news@shop.example.com"),
    ("Ana Gómez", "ana.gomez@proveedor.example.org"),
    ("", "noreply@billing.example.com"),
)

SUBJECTS: dict[str, tuple[str, ...]] = {
    "en": (
        "Quarterly report",
        "Meeting notes from Tuesday",
        "Invoice 2023-118",
        "Re: contract renewal",
        "Lunch on Friday?",
        "Updated price list",
        "Fwd: travel booking",
    ),
    "fr": (
        "Réunion d'équipe de lundi",
        "Compte rendu du comité",
        "Devis pour la Société Générale",
        "Re: congés d'été",
    ),
    "de": (
        "Grüße aus München",
        "Besprechung am Donnerstag",
        "Angebot für Größe M",
    ),
    "it": (
        "Riunione di venerdì",
        "Preventivo aggiornato",
        "Re: però è urgente",
    ),
    "ru": (
        "Привет из Москвы",
        "Отчёт за квартал",
        "Встреча в среду",
    ),
    "ja": (
        "会議の議事録",
        "見積書の送付",
        "来週の予定について",
    ),
}

GREETINGS: dict[str, str] = {
    "en": "Hi {name},",
    "fr": "Bonjour {name},",
    "de": "Hallo {name},",
    "it": "Ciao {name},",
    "ru": "Здравствуйте, {name}!",
    "ja": "{name}さん、",
}

SENTENCES: dict[str, tuple[str, ...]] = {
    "en": (
        "Please find the figures for the last quarter below.",
        "Let me know if Tuesday afternoon works for you.",
        "The customer asked for a second quote before the end of the month.",
        "I have updated the shared folder with the new drafts.",
        "We still need the signed copy of the agreement.",
        "Thanks for the quick answer, that settles it.",
        "The delivery is scheduled for next week, weather permitting.",
        "Could you forward this to the rest of the team?",
        "As discussed, the budget stays the same for now.",
        "I will be out of the office on Friday.",
    ),
    "fr": (
        "Veuillez trouver ci-joint le compte rendu de la réunion.",
        "Le client souhaite un nouveau devis avant la fin du mois.",
        "Merci de confirmer votre présence à la réunion de lundi.",
        "Les congés d'été doivent être posés avant le 15 mai.",
        "Je reste à votre disposition pour toute question.",
        "La livraison est prévue pour la semaine prochaine.",
    ),
    "de": (
        "Anbei finden Sie die Unterlagen für die Besprechung.",
        "Könnten Sie mir bis Freitag eine Rückmeldung geben?",
        "Die Lieferung verzögert sich leider um eine Woche.",
        "Vielen Dank für die schnelle Antwort.",
        "Wir müssen das Angebot noch einmal prüfen.",
    ),
    "it": (
        "In allegato trovi il verbale della riunione.",
        "Il cliente vorrebbe un nuovo preventivo entro venerdì.",
        "Fammi sapere se martedì pomeriggio va bene.",
        "La consegna è prevista per la settimana prossima.",
        "Grazie per la risposta così rapida.",
    ),
    "ru": (
        "Во вложении отчёт за прошлый квартал.",
        "Пожалуйста, подтвердите участие во встрече.",
        "Клиент просит прислать новое предложение.",
        "Спасибо за быстрый ответ.",
    ),
    "ja": (
        "会議の議事録を添付いたします。",
        "来週の打ち合わせの日程をご確認ください。",
        "お見積もりを改めてお送りします。",
        "ご返信ありがとうございます。",
    ),
}

# Language mix of message bodies, as relative weights.
LANGUAGE_WEIGHTS: dict[str, int] = {"en": 40, "fr": 15, "de": 15, "it": 15, "ru": 10, "ja": 5}

# Attachment names with their content types; several need RFC 2047 or RFC 2231 encoding.
ATTACHMENTS: tuple[tuple[str, str], ...] = (
    ("report.pdf", "application/pdf"),
    ("Présentation Société.pdf", "application/pdf"),
    ("Отчёт 2023.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("見積書.pdf", "application/pdf"),
    ("photo_2021.jpg", "image/jpeg"),
    (
        "Übersicht Größen.docx",
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ),
    ("backup.zip", "application/zip"),
    ("data.bin", "application/octet-stream"),
)

EVENT_SUMMARIES: tuple[str, ...] = (
    "Réunion d'équipe",
    "Besprechung mit dem Kunden",
    "Встреча с клиентом",
    "打ち合わせ",
    "Pranzo di lavoro; budget, Q3",
    "Project review",
    "Revue de code",
    "Zahnarzt",
)

ALL_DAY_SUMMARIES: tuple[str, ...] = (
    "Ferie",
    "Jour férié",
    "Betriebsausflug",
    "Конференция",
    "Company offsite",
)

LOCATIONS: tuple[str, ...] = (
    "Salle Société, 3ème étage",
    "München, Konferenzraum Süd",
    "Москва, переговорная №2",
    "東京オフィス 会議室A",
    'Sala riunioni "Colosseo"',
    "Online",
)

# Postal addresses: (street, street 2, city, state, postal code, country).
ADDRESSES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("Via dei Fori Imperiali 1", "Scala B", "Roma", "RM", "00186", "Italia"),
    ("12 rue de la Société", "", "Paris", "Île-de-France", "75002", "France"),
    ("Königstraße 5", "3. OG", "München", "Bayern", "80331", "Deutschland"),
    ("ул. Тверская, 7", "кв. 12", "Москва", "", "125009", "Россия"),
    ("千代田区丸の内1-1", "", "東京都", "", "100-0005", "日本"),
    ("221B Baker Street", "", "London", "", "NW1 6XE", "United Kingdom"),
)

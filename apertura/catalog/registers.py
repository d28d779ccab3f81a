"""The seeded registers: licenses (which are open) and data themes (the EU vocabulary plus local ones)."""

EU_LICENCE = "http://publications.europa.eu/resource/authority/licence/"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"

LICENSES = [
    # id, title, url, EU licence code, open
    ("CC-BY-4.0", "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/", "CC_BY_4_0",
     True),
    ("CC0-1.0", "Creative Commons CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/", "CC0", True),
    ("ODbL-1.0", "Open Data Commons Open Database License 1.0", "https://opendatacommons.org/licenses/odbl/1-0/",
     "ODBL", True),
    ("CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0", "https://creativecommons.org/licenses/by-sa/4.0/",
     "CC_BYSA_4_0", True),
    ("other-open", "Other (open)", "", "", True),
    ("other-closed", "Other (not open)", "", "", False),
]

THEMES = [
    # code, Spanish, English, EU code ("" for local themes)
    ("agri", "Agricultura, pesca, silvicultura y alimentación", "Agriculture, fisheries, forestry and food", "AGRI"),
    ("econ", "Economía y finanzas", "Economy and finance", "ECON"),
    ("educ", "Educación, cultura y deporte", "Education, culture and sport", "EDUC"),
    ("ener", "Energía", "Energy", "ENER"),
    ("envi", "Medio ambiente", "Environment", "ENVI"),
    ("gove", "Gobierno y sector público", "Government and public sector", "GOVE"),
    ("heal", "Salud", "Health", "HEAL"),
    ("intr", "Asuntos internacionales", "International issues", "INTR"),
    ("just", "Justicia, sistema jurídico y seguridad pública", "Justice, legal system and public safety", "JUST"),
    ("regi", "Regiones y ciudades", "Regions and cities", "REGI"),
    ("soci", "Población y sociedad", "Population and society", "SOCI"),
    ("tech", "Ciencia y tecnología", "Science and technology", "TECH"),
    ("tran", "Transporte", "Transport", "TRAN"),
    ("op-datpro", "Datos provisionales", "Provisional data", "OP_DATPRO"),
    ("gobierno-abierto", "Gobierno abierto", "Open government", ""),
    ("transparencia", "Transparencia y acceso a la información", "Transparency and access to information", ""),
]


def seed(apps=None) -> None:
    """Create or update the registers; safe to run again (the data migration and tests call it)."""
    if apps is None:
        from .models import License, Theme
    else:
        License, Theme = apps.get_model("catalog", "License"), apps.get_model("catalog", "Theme")
    for ident, title, url, eu, is_open in LICENSES:
        License.objects.update_or_create(id=ident, defaults={
            "title": title, "url": url, "eu_uri": EU_LICENCE + eu if eu else "", "is_open": is_open})
    for code, es, en, eu in THEMES:
        Theme.objects.update_or_create(code=code, defaults={
            "label_es": es, "label_en": en, "uri": EU_THEME + eu if eu else ""})
